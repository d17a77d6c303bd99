import type { DashboardSummary } from '../../shared/deps.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { exportDashboards, exportFailures, referencedDashboards } from './dashboard.documents.js';
import { readRules, readShares, type ModelRef } from './datamodel.access.js';
import type { Side } from './migration.session.js';
import { select } from './phase.js';
import { groupIdsOf, IMPLICIT_GROUPS, isSystemGroup } from './principals.js';

export interface Dependencies {
  /** The dashboards asked for and, with drill targets, every dashboard they jump to (transitively). */
  dashboards: Array<{ oid: string; title: string }>;
  /** Titles of the source data models those dashboards use. */
  datamodels: string[];
  /** Emails: dashboard owners, users the dashboards and models are shared with, users in data security rules. */
  users: string[];
  /** Names (system groups left out): groups shared with, in data security rules, and those users' groups. */
  groups: string[];
  /** References the source cannot resolve (a data model or user that does not exist). */
  notes: string[];
}

const sorted = (s: Iterable<string>) => [...new Set(s)].sort((a, b) => a.localeCompare(b));

/** What migrating these dashboards needs in the target, read from the source only. */
export async function dependenciesOf(source: Side, refs: string[], drillTargets: boolean, batchSize = 20): Promise<Dependencies> {
  const [all, dir, models] = await Promise.all([
    source.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner' }),
    source.directory(),
    source.list<ModelRef>('/api/v2/datamodels/schema', { fields: 'oid,title,type,server' }),
  ]);
  const byOid = new Map(all.map((d) => [d.oid, d]));
  const known = new Set(byOid.keys());
  const chosen = select('dashboard', all, refs, (d) => d.oid, (d) => d.title);
  const included = new Map(chosen.map((d) => [d.oid, d]));
  const modelTitles = new Set<string>();
  const notes: string[] = [];
  for (let frontier = [...included.keys()]; frontier.length; ) {
    const docs = await exportDashboards(source, frontier, batchSize);
    frontier = [];
    for (const doc of docs.values()) {
      for (const ds of readDashboard(doc).datasources) modelTitles.add(ds.title);
      if (!drillTargets) continue;
      for (const oid of referencedDashboards(doc, known)) {
        if (included.has(oid)) continue;
        included.set(oid, byOid.get(oid)!);
        frontier.push(oid);
      }
    }
  }

  const failures = await exportFailures(source);
  for (const oid of included.keys()) {
    const why = failures.get(oid);
    if (why) notes.push(`dashboard "${included.get(oid)!.title}" could not be exported (${why}): its data models and drill targets are unknown`);
  }
  const users = new Set<string>();
  const groups = new Set<string>();
  const addUser = (id: string, where: string) => {
    const u = dir.userById.get(id);
    if (!u) return notes.push(`${where}: user ${id} is unknown in the source`);
    users.add(u.email);
    for (const g of groupIdsOf(u)) addGroup(g, `groups of ${u.email}`);
  };
  const addGroup = (id: string, where: string) => {
    const g = dir.groupById.get(id);
    if (!g) return notes.push(`${where}: group ${id} is unknown in the source`);
    if (!isSystemGroup(g) && !IMPLICIT_GROUPS.has(g.name)) groups.add(g.name);
  };
  for (const d of included.values()) {
    if (d.owner) addUser(d.owner, `owner of "${d.title}"`);
    for (const s of d.shares ?? []) if (s.shareId !== d.owner) (s.type === 'group' ? addGroup : addUser)(s.shareId, `share of "${d.title}"`);
  }
  const used = models.filter((m) => modelTitles.has(m.title));
  for (const title of modelTitles) if (!used.some((m) => m.title === title)) notes.push(`data model "${title}" is not in the source`);
  await Promise.all(
    used.map(async (m) => {
      const ref: ModelRef = { ...m, type: m.type === 'live' ? 'live' : 'extract', server: m.server ?? 'LocalHost' };
      const [shares, rules] = await Promise.all([readShares(source, ref), readRules(source, ref)]);
      for (const s of shares) if (s.partyId) (s.type === 'group' ? addGroup : addUser)(s.partyId, `share of data model "${m.title}"`);
      for (const r of rules) for (const s of r.shares ?? []) if (s.party && (s.type === 'user' || s.type === 'group')) (s.type === 'group' ? addGroup : addUser)(s.party, `data security of "${m.title}"`);
    }),
  );
  return {
    dashboards: [...included.values()].map((d) => ({ oid: d.oid, title: d.title })),
    datamodels: sorted(used.map((m) => m.title)),
    users: sorted(users),
    groups: sorted(groups),
    notes: sorted(notes),
  };
}
