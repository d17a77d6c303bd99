import type { PlannedChange } from '../../../../src/plugins/plugin-api.js';
import { field, label } from '../../shared/plan.js';
import { parsePath, pathOf, TargetFolders } from './dashboard.folders.js';
import { accessFields, applyWanted, differences, publishedToRecipients, wantedOf, type Current, type SourceAccess } from './dashboard.restore.js';
import { accessOf, readDashboardSides } from './dashboards.phase.js';
import { folderCreation, type MigrationReport, type PlannedItem } from './migration.report.js';
import { reasonOf, type Session } from './migration.session.js';
import { selectEach, unresolvedItem, type Prepared } from './phase.js';
import { emptyOverlay, PrincipalMap } from './principals.js';

export interface ReconcileInput {
  /** Titles or oids of source dashboards; omitted: every dashboard. */
  dashboards?: string[];
  republish: boolean;
  /** A target folder path for every dashboard; omitted: each dashboard's folder path in the source. */
  folder?: string;
}

interface ReconcileItem extends PlannedItem {
  access: SourceAccess;
  current?: Current;
  repairs: string[];
}

/**
 * Dashboards migrated earlier: each source dashboard's target copy (same oid, else the one target dashboard with its
 * title) compared with what it should be — owner (by email), folder (by path), shares (users by email, groups by
 * name), published to its recipients — and repaired when it differs (folder, owner, the whole share list, publish,
 * read back, as a migration does). Nothing is imported: a dashboard the target lacks fails (migrate it first).
 */
export async function prepareReconcile(s: Session, input: ReconcileInput): Promise<Prepared<ReconcileItem>> {
  const [srcList, dstList, src, dst, srcFolders, dstFolders, me] = await readDashboardSides(s);
  const map = new PrincipalMap(src, dst, emptyOverlay());
  const { chosen, unresolved } = selectEach('dashboard', srcList, input.dashboards, (d) => d.oid, (d) => d.title);
  const folders = new TargetFolders(dstFolders.folders);
  const byOid = new Map(dstList.map((d) => [d.oid, d]));

  const items = await Promise.all(
    chosen.map(async (d): Promise<ReconcileItem> => {
      const missing: string[] = [];
      const notes: string[] = [];
      const folder = input.folder !== undefined ? parsePath(input.folder) : pathOf(d.parentFolder, srcFolders.byOid);
      const { failure, ...access } = accessOf(d, map, folder, missing, notes);
      const base = { kind: 'dashboard' as const, asset: d.title, label: label.dashboard(d), sourceId: d.oid, access, repairs: [], missing };
      const namesakes = dstList.filter((x) => x.title === d.title);
      const current = byOid.get(d.oid) ?? (namesakes.length === 1 ? namesakes[0] : undefined);
      if (!current) {
        const why = namesakes.length ? `${namesakes.length} target dashboards are titled "${d.title}" and none has its oid` : 'the target has no dashboard with its oid or title: migrate it first';
        return { ...base, action: 'update', failure: why };
      }
      const item = { ...base, current, targetId: current.oid, ...(failure && { failure }) };
      if (failure || missing.length) return { ...item, action: 'update' };
      const wanted = wantedOf(access, map, dst);
      const folderOid = folders.known(wanted.folder);
      const repairs = folderOid === null ? ['folder'] : differences(current, wanted, folderOid, me._id);
      if (!repairs.length && input.republish && !(await publishedToRecipients(s.target, current.oid, wanted.shares, dst, wanted.ownerId ?? current.owner))) repairs.push('publication to its recipients');
      const note = [...wanted.notes, ...notes].join('; ');
      if (!repairs.length) return { ...item, action: 'skip', note: ['owner, folder, shares and publication match', note].filter(Boolean).join('; ') };
      const fields = accessFields(current, wanted, folderOid, dst, (oid) => pathOf(oid, dstFolders.byOid), me._id);
      if (repairs.includes('publication to its recipients')) fields.push(field('published to its recipients', false, true));
      return { ...item, action: 'update', repairs, fields, note: [`repairs its ${repairs.join(', ')}`, note].filter(Boolean).join('; ') };
    }),
  );
  for (const u of unresolved) items.push({ ...unresolvedItem('dashboard', u), access: { shares: [], folder: [] }, repairs: [] });
  const creating = new Set(items.filter((i) => i.action === 'update' && !i.failure && !i.missing.length).flatMap((i) => folders.missing(i.access.folder)));
  const extra: PlannedChange[] = [...creating].sort().map(folderCreation);
  return { items, extra, execute: (report) => executeReconcile(s, items, input, folders, me._id, report) };
}

async function executeReconcile(s: Session, items: ReconcileItem[], input: ReconcileInput, folders: TargetFolders, me: string, report: MigrationReport): Promise<void> {
  const work = report.settle(items);
  report.progress(`dashboards: ${work.length} to repair`);
  const map = new PrincipalMap(await s.source.principals(), await s.target.principals(), emptyOverlay());
  await Promise.all(
    work.map(async (item) => {
      try {
        const wanted = wantedOf(item.access, map, map.dst);
        await applyWanted(s.target, item.targetId!, wanted, folders, report, { publish: input.republish, current: item.current, me });
        report.succeed(item, { reason: [`repaired its ${item.repairs.join(', ')}`, ...wanted.notes].join('; ') });
      } catch (e) {
        report.fail(item, `in the target as ${item.targetId}, but ${reasonOf(e)}`);
      }
    }),
  );
}
