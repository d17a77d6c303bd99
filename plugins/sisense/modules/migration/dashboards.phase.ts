import type { PlannedChange } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseShare, SisenseUser } from '../../shared/deps.js';
import { label } from '../../shared/plan.js';
import { datasourcesIn, exportDashboards, levels, outcomeOf, pack, referencedDashboards, remapDatasources, rewriteOids, type DashboardDoc } from './dashboard.documents.js';
import { parsePath, pathOf, TargetFolders } from './dashboard.folders.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import { reasonOf, type Session, type Side } from './migration.session.js';
import type { ConflictAction } from './migration.types.js';
import { select, type Prepared } from './phase.js';
import { emptyOverlay, PrincipalMap, Principals, type Overlay } from './principals.js';

export interface DashboardsInput {
  /** Titles or oids; omitted: every dashboard. */
  dashboards?: string[];
  action: ConflictAction;
  republish: boolean;
  /** A target folder path for every dashboard ('/' = the root); omitted: each dashboard's folder path in the source. */
  folder?: string;
  /** Source data model title -> target data model title. */
  datasources?: Record<string, string>;
  batchSize: number;
}

interface DashboardItem extends PlannedItem {
  doc: DashboardDoc;
  refs: Set<string>;
  /** The owner in the target; undefined keeps the importing user. */
  ownerId?: string;
  shares: SisenseShare[];
  folder: string[];
}

const listModels = (side: Side) => side.once('models', () => side.list<{ title: string; type?: string }>('/api/v2/datamodels/schema', { fields: 'oid,title,type' }));

/**
 * Dashboards: exported from the source and bulk-imported into the target (skip, overwrite or duplicate), then given
 * their owner and shares back (users by email, groups by name) and put in their folder. Data model references can be
 * pointed at another target model; drill targets are imported before the dashboards that jump to them.
 */
export async function prepareDashboards(s: Session, input: DashboardsInput, overlay: Overlay = emptyOverlay(), modelTitles: ReadonlyMap<string, string> = new Map()): Promise<Prepared<DashboardItem>> {
  const [srcList, dstList, srcDir, dstDir, srcFolders, dstFolders, srcModels, dstModels, me] = await Promise.all([
    s.source.once('dashboards', () => s.source.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner' })),
    s.target.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title' }),
    s.source.directory(),
    s.target.directory(),
    s.source.folders(),
    s.target.folders(),
    listModels(s.source),
    listModels(s.target),
    s.target.get<SisenseUser>('/api/users/loggedin'),
  ]);
  const map = new PrincipalMap(new Principals(srcDir), new Principals(dstDir), overlay);
  const chosen = select('dashboard', srcList, input.dashboards, (d) => d.oid, (d) => d.title);
  const docs = await exportDashboards(s.source, chosen.map((d) => d.oid), input.batchSize);
  const selected = new Set(chosen.map((d) => d.oid));
  const inTarget = new Set(dstList.map((d) => d.oid));
  const renames = new Map([...modelTitles, ...Object.entries(input.datasources ?? {})]);
  const srcTitles = new Set(srcModels.map((m) => m.title));
  const liveOf = (title: string) => (dstModels.find((m) => m.title === title) ?? srcModels.find((m) => m.title === title))?.type === 'live';
  const folders = new TargetFolders(dstFolders.folders);

  const items = chosen.map((d): DashboardItem => {
    const doc = docs.get(d.oid);
    if (!doc) throw new Error(`the source did not export dashboard ${d.oid} "${d.title}"`);
    const missing: string[] = [];
    const notes: string[] = [];
    let ownerId: string | undefined;
    if (d.owner) {
      const m = map.userById(d.owner);
      if (m.kind === 'found') ownerId = m.id;
      else if (m.kind === 'missing') missing.push(`${m.what} (the owner)`);
      else notes.push('its owner is unknown in the source: the importing user keeps it');
    }
    const shares: SisenseShare[] = [];
    for (const sh of d.shares ?? []) {
      if (sh.shareId === d.owner || !sh.rule) continue;
      const m = map.party(sh.type, sh.shareId);
      if (m.kind === 'found') shares.push({ shareId: m.id ?? '', type: sh.type, rule: sh.rule, subscribe: sh.subscribe === true });
      else if (m.kind === 'missing') missing.push(m.what);
      else notes.push(`share with ${m.what} dropped: unknown in the source`);
    }
    const to = new Map<string, { title: string; live: boolean }>();
    for (const title of new Set(datasourcesIn(doc).map((ds) => ds.title))) {
      const wanted = renames.get(title) ?? title;
      if (dstModels.some((m) => m.title === wanted) || overlay.models.has(wanted)) {
        if (wanted !== title) to.set(title, { title: wanted, live: liveOf(wanted) });
      } else if (srcTitles.has(title) || renames.has(title)) missing.push(`data model "${wanted}"`);
      else notes.push(`data model "${title}" is in neither deployment: imported as it is`);
    }
    remapDatasources(doc, to);
    const exists = inTarget.has(d.oid);
    const action = !exists ? 'create' : input.action;
    const base = { kind: 'dashboard' as const, asset: d.title, label: label.dashboard(d), sourceId: d.oid, doc, refs: referencedDashboards(doc, selected), ownerId, shares };
    const folder = input.folder !== undefined ? parsePath(input.folder) : pathOf(d.parentFolder, srcFolders.byOid);
    const note = [...new Set(notes)].join('; ') || undefined;
    if (action === 'skip') return { ...base, action, missing: [], folder, note: 'a dashboard with this oid is in the target already', targetId: d.oid };
    return { ...base, action, missing, folder, ...(note && { note }), ...(action === 'overwrite' && { targetId: d.oid }) };
  });

  const creating = new Set(items.filter((i) => i.action !== 'skip' && !i.missing.length).flatMap((i) => folders.missing(i.folder)));
  const extra: PlannedChange[] = [...creating].sort().map((path) => ({ action: 'create', target: `folder "${path}"` }));
  return { items, extra, execute: (report) => executeDashboards(s, items, input, folders, me._id, report) };
}

async function executeDashboards(s: Session, items: DashboardItem[], input: DashboardsInput, folders: TargetFolders, me: string, report: MigrationReport): Promise<void> {
  const work = report.settle(items);
  const newOids = new Map<string, string>();
  let batchNo = 0;
  const batches = levels(work).map((level) => pack(level, input.batchSize));
  const total = batches.flat().length;
  report.progress(`dashboards: ${work.length} to import in ${total} batches`);
  for (const level of batches) {
    s.ctx.signal.throwIfAborted();
    await Promise.all(
      level.map(async (batch) => {
        const docs = batch.map((i) => rewriteOids(i.doc, newOids));
        let answer: unknown;
        try {
          answer = await s.target.post('/api/v1/dashboards/import/bulk', docs, { action: input.action, republish: input.republish });
        } catch (e) {
          for (const item of batch) report.fail(item, `the bulk import failed: ${reasonOf(e)}`);
          report.progress(`dashboards: batch ${++batchNo} of ${total} failed`);
          return;
        }
        await Promise.all(
          batch.map(async (item) => {
            const outcome = outcomeOf(answer, item, true);
            if (outcome.kind === 'skipped') return report.skip(item, 'the target skipped it: a dashboard with this oid is there');
            if (outcome.kind === 'failed') return report.fail(item, outcome.reason);
            if (outcome.id !== item.sourceId && item.sourceId) newOids.set(item.sourceId, outcome.id);
            await restore(s, item, outcome.id, folders, me, report);
          }),
        );
        report.progress(`dashboards: batch ${++batchNo} of ${total} imported`);
      }),
    );
  }
}

/** After the import, which leaves the importing user as the owner and the only share, at the root: folder, owner, shares. */
async function restore(s: Session, item: DashboardItem, id: string, folders: TargetFolders, me: string, report: MigrationReport): Promise<void> {
  const admin = { adminAccess: true };
  const moved = !!item.ownerId && item.ownerId !== me;
  let step = 'putting it in its folder';
  try {
    const folder = item.folder.length ? await folders.ensure(s.target, item.folder, report) : undefined;
    if (folder) await s.target.patch(`/api/v1/dashboards/${id}`, { parentFolder: folder }, admin);
    step = 'giving it its owner';
    if (moved) await s.target.post(`/api/v1/dashboards/${id}/change_owner`, { ownerId: item.ownerId, originalOwnerRule: 'edit' }, admin);
    step = 'sharing it';
    // The share list is replaced whole: this also removes the share a change of owner leaves the importing user.
    if (item.shares.length || moved) await s.target.post(`/api/shares/dashboard/${id}`, { sharesTo: item.shares }, admin);
    report.succeed(item, { targetId: id });
  } catch (e) {
    report.fail(item, `imported as ${id}, but ${step} failed: ${reasonOf(e)}`, { targetId: id });
  }
}
