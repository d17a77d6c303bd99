import type { PlannedChange, PlannedField } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseUser } from '../../shared/deps.js';
import { field, label } from '../../shared/plan.js';
import { datasourcesIn, exportDashboards, exportFailures, levels, outcomeOf, pack, referencedDashboards, remapDatasources, rewriteOids, type DashboardDoc } from './dashboard.documents.js';
import { parsePath, pathOf, TargetFolders } from './dashboard.folders.js';
import { accessFields, applyWanted, differences, inactiveLeftOut, publishedToRecipients, readCurrent, wantedOf, type Current, type SourceAccess } from './dashboard.restore.js';
import { folderCreation, type MigrationReport, type PlannedItem } from './migration.report.js';
import { bulkCreate, reasonOf, type Session, type Side } from './migration.session.js';
import type { ConflictAction } from './migration.types.js';
import { EXCLUDED, excluded, selectEach, unresolvedItem, type Gates, type Prepared } from './phase.js';
import { emptyOverlay, PrincipalMap, type Overlay } from './principals.js';

export interface DashboardsInput {
  /** Titles or oids; omitted: every dashboard. */
  dashboards?: string[];
  /** Titles or oids left out (reported skipped, "excluded by input"). */
  exclude?: string[];
  action: ConflictAction;
  republish: boolean;
  /** A target folder path for every dashboard ('/' = the root); omitted: each dashboard's folder path in the source. */
  folder?: string;
  /** Source data model title -> target data model title. */
  datasources?: Record<string, string>;
  batchSize: number;
}

export interface DashboardItem extends PlannedItem {
  doc?: DashboardDoc;
  refs: Set<string>;
  access: SourceAccess;
  /** The target dashboard as it is (same oid, or the one a title conflict names). */
  current?: Current;
}

const listModels = (side: Side) => side.once('models', () => side.list<{ title: string; type?: string }>('/api/v2/datamodels/schema', { fields: 'oid,title,type' }));
export const listTargetDashboards = (side: Side) => side.once('dashboards', () => side.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', asObject: false, fields: 'oid,title,owner,parentFolder,shares' }));
export const listSourceDashboards = (side: Side) => side.once('dashboards', () => side.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', asObject: false }));

/** What the dashboards and reconcile phases read first, all at once: each side's dashboards, principals and folders, and the target's own user. */
export const readDashboardSides = (s: Session) =>
  Promise.all([
    listSourceDashboards(s.source),
    listTargetDashboards(s.target),
    s.source.principals(),
    s.target.principals(),
    s.source.folders(),
    s.target.folders(),
    s.target.once('me', () => s.target.get<SisenseUser>('/api/users/loggedin')),
  ]);

/** What the plan says about the parties of a dashboard: missing ones fail it. */
export function accessOf(d: DashboardSummary, map: PrincipalMap, folder: string[], missing: string[], notes: string[]): SourceAccess & { failure?: string } {
  const access: SourceAccess & { failure?: string } = { shares: [], folder };
  if (d.owner) {
    const m = map.userById(d.owner);
    // An inactive user cannot own a dashboard (can_be_owned says no): importing it would leave it with the importing admin.
    if (map.src.userById(d.owner)?.active === false) access.failure = `its owner ${m.kind === 'unknown' ? d.owner : m.name} is inactive, and Sisense does not let an inactive user own a dashboard: give it another owner in the source first`;
    if (m.kind === 'found') access.owner = d.owner;
    else if (m.kind === 'missing') missing.push(`${m.what} (the owner)`);
    else notes.push('its owner is unknown in the source: the importing user keeps it');
  }
  for (const sh of d.shares ?? []) {
    if (sh.shareId === d.owner || !sh.rule) continue;
    const m = map.party(sh.type, sh.shareId);
    if (m.kind === 'missing' && sh.type === 'user' && map.src.userById(sh.shareId)?.active === false) notes.push(inactiveLeftOut(m.name));
    else if (m.kind === 'found') access.shares.push(sh);
    else if (m.kind === 'missing') missing.push(m.what);
    else missing.push(`${m.what} (shared with, unknown in the source)`);
  }
  return access;
}

/**
 * Dashboards: exported from the source (the documented export form) and bulk-imported into the target, then given
 * their folder (by path), owner and shares, republished, and read back. A dashboard the target has (same oid) is
 * compared with what it should be and repaired (action skip), or replaced (overwrite) or copied (duplicate). A
 * dashboard whose title the target has under another oid is a conflict `action` decides: skip reports it, overwrite
 * replaces that dashboard in place, duplicate imports a second one beside it (said so in the result).
 */
export async function prepareDashboards(s: Session, input: DashboardsInput, overlay: Overlay = emptyOverlay(), modelTitles: ReadonlyMap<string, string> = new Map()): Promise<Prepared<DashboardItem>> {
  const [[srcList, dstList, src, dst, srcFolders, dstFolders, me], srcModels, dstModels] = await Promise.all([readDashboardSides(s), listModels(s.source), listModels(s.target)]);
  const map = new PrincipalMap(src, dst, overlay);
  const { chosen: named, unresolved } = selectEach('dashboard', srcList, input.dashboards, (d) => d.oid, (d) => d.title);
  // Left out by input: not exported, no folder made for them, reported skipped.
  const left = named.filter((d) => excluded(input.exclude, 'dashboard', d.oid, d.title));
  const chosen = named.filter((d) => !left.includes(d));
  const docs = await exportDashboards(s.source, chosen.map((d) => d.oid), input.batchSize);
  const failures = await exportFailures(s.source);
  const selected = new Set(chosen.map((d) => d.oid));
  const byOid = new Map(dstList.map((d) => [d.oid, d]));
  const renames = new Map([...modelTitles, ...Object.entries(input.datasources ?? {})]);
  const srcTitles = new Set(srcModels.map((m) => m.title));
  const liveOf = (title: string) => (dstModels.find((m) => m.title === title) ?? srcModels.find((m) => m.title === title))?.type === 'live';
  const folders = new TargetFolders(dstFolders.folders);

  // An overwrite replaces the document (widgets, filters, layout) and brings owner, folder and shares in line.
  const overwriteFields = (current: Current, access: SourceAccess): PlannedField[] => {
    const content = field('content', `the target's (${current.oid})`, "the source's");
    try {
      const wanted = wantedOf(access, map, dst);
      return [content, ...accessFields(current, wanted, folders.known(wanted.folder), dst, (oid) => pathOf(oid, dstFolders.byOid), me._id)];
    } catch {
      return [content];
    }
  };
  const items = chosen.map((d): DashboardItem => {
    const missing: string[] = [];
    const notes: string[] = [];
    const folder = input.folder !== undefined ? parsePath(input.folder) : pathOf(d.parentFolder, srcFolders.byOid);
    const { failure, ...access } = accessOf(d, map, folder, missing, notes);
    const base = { kind: 'dashboard' as const, asset: d.title, label: label.dashboard(d), sourceId: d.oid, access, ...(failure && { failure }) };
    const doc = docs.get(d.oid);
    if (!doc) return { ...base, action: 'create', missing: [], refs: new Set(), failure: `the source would not export it: ${failures.get(d.oid) ?? 'no answer'}` };
    for (const title of new Set(datasourcesIn(doc).map((ds) => ds.title))) {
      const wanted = renames.get(title) ?? title;
      if (dstModels.some((m) => m.title === wanted) || overlay.models.has(wanted)) {
        if (wanted !== title) remapDatasources(doc, new Map([[title, { title: wanted, live: liveOf(wanted) }]]));
      } else if (srcTitles.has(title) || renames.has(title)) missing.push(`data model "${wanted}"`);
      else notes.push(`data model "${title}" is in neither deployment: imported as it is`);
    }
    const note = [...new Set(notes)].join('; ') || undefined;
    const item = { ...base, doc, refs: referencedDashboards(doc, selected), missing: [...new Set(missing)], ...(note && { note }) };
    const same = byOid.get(d.oid);
    if (same) {
      if (input.action === 'skip') return { ...item, action: 'skip', current: same, targetId: d.oid, note: 'in the target already (same oid): compared, repaired if it differs' };
      return { ...item, action: input.action, current: same, ...(input.action === 'overwrite' && { targetId: d.oid, fields: overwriteFields(same, access) }) };
    }
    const namesakes = dstList.filter((x) => x.title === d.title);
    if (!namesakes.length) return { ...item, action: 'create' };
    const others = namesakes.map((x) => x.oid).join(', ');
    if (input.action === 'skip') return { ...item, action: 'skip', missing: [], targetId: namesakes[0].oid, note: `title conflict: the target has "${d.title}" under another oid (${others}); action skip leaves it` };
    if (input.action === 'duplicate') return { ...item, action: 'duplicate', note: [`title conflict: imported beside ${others}, which has the same title`, note].filter(Boolean).join('; ') };
    if (namesakes.length > 1) return { ...item, action: 'overwrite', failure: `title conflict: ${namesakes.length} target dashboards are titled "${d.title}" (${others}); overwrite cannot choose` };
    const into = namesakes[0];
    return { ...item, action: 'overwrite', current: into, targetId: into.oid, fields: overwriteFields(into, access), note: [`title conflict: replaces ${into.oid}, which has the same title`, note].filter(Boolean).join('; ') };
  });

  for (const d of left) items.push({ kind: 'dashboard', asset: d.title, label: label.dashboard(d), sourceId: d.oid, action: 'skip', note: EXCLUDED, missing: [], refs: new Set(), access: { shares: [], folder: [] } });
  for (const u of unresolved) items.push({ ...unresolvedItem('dashboard', u), refs: new Set(), access: { shares: [], folder: [] } });
  const writing = items.filter((i) => (i.action !== 'skip' || i.current) && !i.missing.length && !i.failure);
  const creating = new Set(writing.flatMap((i) => folders.missing(i.access.folder)));
  const extra: PlannedChange[] = [...creating].sort().map(folderCreation);
  return { items, extra, excludable: true, execute: (report, gates) => executeDashboards(s, items, input, folders, me._id, report, overlay, gates) };
}

async function executeDashboards(s: Session, items: DashboardItem[], input: DashboardsInput, folders: TargetFolders, me: string, report: MigrationReport, overlay: Overlay, gates: Gates = {}): Promise<void> {
  const existing = items.filter((i) => i.action === 'skip' && i.current && !i.failure);
  const work = report.settle(items.filter((i) => !existing.includes(i)));
  const map = async () => new PrincipalMap(await s.source.principals(), await s.target.principals(), overlay);
  const restore = async (item: DashboardItem, id: string, overwritten: boolean) => {
    await gates.accessReady;
    let current: Current | undefined;
    try {
      // What an overwrite left of the dashboard's owner, folder and shares is read, not assumed.
      if (overwritten) current = await readCurrent(s.target, id);
      const m = await map();
      const wanted = wantedOf(item.access, m, m.dst);
      await applyWanted(s.target, id, wanted, folders, report, { publish: input.republish, current, me });
      const reason = [item.note, ...wanted.notes].filter(Boolean).join('; ');
      report.succeed(item, { targetId: id, ...(reason && { reason }) });
    } catch (e) {
      report.fail(item, `${current ? `in the target as ${id}` : `imported as ${id}`}, but ${reasonOf(e)}`, { targetId: id });
    }
  };

  const repairs = Promise.all(existing.map((item) => reconcileOne(s, item, folders, me, report, input.republish, map, gates)));
  await gates.importReady;
  const newOids = new Map<string, string>();
  for (const i of work) if (i.action === 'overwrite' && i.targetId && i.targetId !== i.sourceId) newOids.set(i.sourceId!, i.targetId);
  let batchNo = 0;
  const batches = levels(work).map((level) => pack(level, input.batchSize));
  const total = batches.flat().length;
  report.progress(`dashboards: ${work.length} to import in ${total} batches, ${existing.length} in the target to compare`);
  const restores: Array<Promise<void>> = [];
  for (const level of batches) {
    s.ctx.signal.throwIfAborted();
    await Promise.all(
      level.map(async (batch) => {
        // Republished after its shares are given (an import's republish comes before them: recipients would see nothing).
        const send = async (b: readonly DashboardItem[]) => [await s.target.post<unknown>('/api/v1/dashboards/import/bulk', b.map((i) => intoTarget(i, newOids)), { action: input.action, republish: false })];
        const imported = (b: readonly DashboardItem[], [answer]: unknown[]) => {
          for (const item of b) {
            const outcome = outcomeOf(answer, { ...item, sourceId: item.targetId ?? item.sourceId }, true);
            if (outcome.kind === 'skipped') report.fail(item, 'the target skipped the import: a dashboard with this oid appeared there meanwhile');
            else if (outcome.kind === 'failed') report.fail(item, outcome.reason);
            else {
              if (outcome.id !== item.sourceId && item.sourceId) newOids.set(item.sourceId, outcome.id);
              restores.push(restore(item, outcome.id, item.action === 'overwrite'));
            }
          }
        };
        // A request Sisense refuses as a whole (400, e.g. one document it cannot read) is split until the document at fault is alone.
        await bulkCreate(batch, send, imported, (item, e) => report.fail(item, `the bulk import failed: ${reasonOf(e)}`));
        report.progress(`dashboards: batch ${++batchNo} of ${total} imported`);
      }),
    );
  }
  await Promise.all([...restores, repairs]);
}

/** The document as the target should receive it: jumps to dashboards imported under another oid re-pointed; an overwrite by title takes that dashboard's oid. */
function intoTarget(item: DashboardItem, newOids: ReadonlyMap<string, string>): DashboardDoc {
  let doc = structuredClone(rewriteOids(item.doc!, newOids));
  if (item.action === 'overwrite' && item.targetId && item.targetId !== item.sourceId) doc = JSON.parse(JSON.stringify(doc).split(item.sourceId!).join(item.targetId)) as DashboardDoc;
  // A source folder oid means nothing in the target: the dashboard is put in its folder by path after the import.
  delete doc.parentFolder;
  // `"previewLayout": null` makes the whole import fail (api.md §1.4, two clients rewrite it to []).
  if (doc.previewLayout === null) doc.previewLayout = [];
  return doc;
}

/**
 * A dashboard the target has already (same oid, action skip): compared with what it should be (owner, folder,
 * shares, published to its recipients) and repaired when it differs; `skip` only when it matches.
 */
async function reconcileOne(s: Session, item: DashboardItem, folders: TargetFolders, me: string, report: MigrationReport, publish: boolean, map: () => Promise<PrincipalMap>, gates: Gates): Promise<void> {
  await gates.accessReady;
  const id = item.targetId!;
  try {
    if (item.missing.length) throw new Error(`the target lacks ${item.missing.join(', ')}`);
    const m = await map();
    const wanted = wantedOf(item.access, m, m.dst);
    const folderOid = folders.known(wanted.folder);
    const current = item.current!;
    const wrong = folderOid === null ? ['folder'] : differences(current, wanted, folderOid);
    if (!wrong.length && publish && !(await publishedToRecipients(s.target, id, wanted.shares, m.dst, wanted.ownerId ?? current.owner))) wrong.push('publication to its recipients');
    if (!wrong.length) return report.skip(item, 'in the target already (same oid), with its owner, folder and shares');
    await applyWanted(s.target, id, wanted, folders, report, { publish, current, me });
    report.succeed(item, { action: 'update', targetId: id, reason: `in the target already (same oid): repaired its ${wrong.join(', ')}` });
  } catch (e) {
    report.fail(item, `in the target as ${id}, but ${reasonOf(e)}`, { action: 'update', targetId: id });
  }
}

