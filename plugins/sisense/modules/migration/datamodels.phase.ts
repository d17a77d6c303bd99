import type { Query } from '../../client/sisense.types.js';
import { asObject } from '../../shared/errors.js';
import { label } from '../../shared/plan.js';
import { accessDifferences, buildAndWait, exportQuery, MappingLog, mapRules, mapShares, readRules, readShares, writeRules, writeShares, type ModelRef, type ModelShare, type SecurityRule } from './datamodel.access.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import { reasonOf, type Session, type Side } from './migration.session.js';
import type { ConflictAction } from './migration.types.js';
import { EXCLUDED, excluded, selectEach, unresolvedItem, type Gates, type Prepared } from './phase.js';
import { emptyOverlay, PrincipalMap, type Overlay } from './principals.js';

export const DEPENDENCIES = ['dataSecurity', 'formulas', 'hierarchies', 'perspectives'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];
/** Dependencies that travel inside the export (`dependenciesIdsToInclude`); data security is migrated by its own calls so its users and groups can be remapped. */
const EXPORTED: Record<Exclude<Dependency, 'dataSecurity'>, string> = { formulas: 'formulaManagement', hierarchies: 'drillHierarchies', perspectives: 'perspectives' };

export interface DatamodelsInput {
  /** Titles or oids; omitted: every data model. */
  datamodels?: string[];
  /** Titles or oids left out (reported skipped, "excluded by input"). */
  exclude?: string[];
  action: ConflictAction;
  /** Source connection name (or oid) -> target connection name (or oid); unmapped connections keep their name. */
  connections?: Record<string, string>;
  dependencies: Dependency[];
  /** Build (extract) or publish (live) each imported model and wait for it. */
  build: boolean;
}

interface ModelItem extends PlannedItem {
  model: ModelRef;
  doc: Record<string, unknown>;
  query: Query;
  /** The source's shares and rules, mapped to the target's users and groups when they are written. */
  shares: ModelShare[];
  rules?: SecurityRule[];
}

interface Connection {
  oid: string;
  name?: string;
  provider?: string;
}

const listModels = (side: Side) => side.once('models', () => side.list<ModelRef>('/api/v2/datamodels/schema', { fields: 'oid,title,type,server' }));
const listConnections = (side: Side) => side.once('connections', () => side.list<Connection>('/api/v2/connections'));

/** `Title (copy)`, `Title (copy 2)`, ...: the first title nobody has. */
function freeTitle(title: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${title} (copy)` : `${title} (copy ${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Data models: each schema exported (with its formulas, hierarchies and perspectives when asked) and imported, its
 * datasets pointed at the target's connection of the same (or the mapped) name instead of carrying credentials, its
 * shares and data security remapped to the target's users and groups, and on request built or published.
 */
export async function prepareDatamodels(s: Session, input: DatamodelsInput, overlay: Overlay = emptyOverlay()): Promise<Prepared<ModelItem> & { titles: Map<string, string> }> {
  const [srcModels, dstModels, srcConns, dstConns, src, dst] = await Promise.all([
    listModels(s.source),
    listModels(s.target),
    listConnections(s.source),
    listConnections(s.target),
    s.source.principals(),
    s.target.principals(),
  ]);
  const map = new PrincipalMap(src, dst, overlay);
  const { chosen, unresolved } = selectEach('data model', srcModels, input.datamodels, (m) => m.oid, (m) => m.title);
  const exported = input.dependencies.filter((d): d is keyof typeof EXPORTED => d in EXPORTED).map((d) => EXPORTED[d]);
  const taken = new Set([...dstModels.map((m) => m.title), ...overlay.models]);
  const titles = new Map<string, string>();

  const items = await Promise.all(
    chosen.map(async (m): Promise<ModelItem> => {
      const model: ModelRef = { oid: m.oid, title: m.title, type: m.type === 'live' ? 'live' : 'extract', server: m.server ?? 'LocalHost' };
      // Left out by input: not even exported, and it counts as absent for the dashboards that use it.
      if (excluded(input.exclude, 'datamodel', m.oid, m.title)) return { kind: 'datamodel', asset: m.title, label: label.datamodel(m), sourceId: m.oid, action: 'skip', note: EXCLUDED, missing: [], model, doc: {}, query: {}, shares: [] };
      const [doc, shares, rules] = await Promise.all([
        s.source.once(`export:${m.oid}`, () => s.source.get<unknown>('/api/v2/datamodel-exports/schema', exportQuery(m.oid, exported))).then((d) => structuredClone(asObject(d, 'a data model export'))),
        readShares(s.source, model),
        input.dependencies.includes('dataSecurity') ? readRules(s.source, model) : Promise.resolve(undefined),
      ]);
      const log = new MappingLog();
      const connectionsMissing = pointAtTargetConnections(doc, srcConns, dstConns, input.connections ?? {});
      const item: ModelItem = {
        kind: 'datamodel',
        asset: m.title,
        label: label.datamodel(m),
        sourceId: m.oid,
        action: 'create',
        missing: connectionsMissing,
        model,
        doc,
        query: {},
        shares,
        ...(rules && { rules }),
      };
      // The plan's check: every party of a share or rule must be in the target (or created by an earlier phase).
      mapShares(shares, map, log);
      if (rules) mapRules(rules, map, log);
      item.missing = [...new Set([...item.missing, ...log.missing])];
      const there = dstModels.find((d) => d.title === m.title);
      if (there && input.action === 'skip') {
        // Compared, not assumed done: a model whose shares or data security did not all arrive is reported so.
        const thereRef: ModelRef = { oid: there.oid, title: there.title, type: there.type === 'live' ? 'live' : 'extract', server: there.server ?? 'LocalHost' };
        const strict = new MappingLog(true);
        const mappedShares = mapShares(shares, map, strict);
        const mappedRules = rules && mapRules(rules, map, strict);
        const differs = strict.missing.length ? [`its users and groups are not all in the target yet`] : await accessDifferences(s.target, thereRef, mappedShares, mappedRules);
        const note = differs.length
          ? `a data model with this title is in the target already, but ${differs.join('; ')}: action overwrite replaces it with the source's`
          : 'a data model with this title is in the target already, with the source\'s shares and data security';
        return { ...item, action: 'skip', missing: [], note, targetId: there.oid };
      }
      if (there && input.action === 'overwrite') return { ...item, action: 'overwrite', query: { datamodelId: there.oid }, targetId: there.oid };
      if (there) {
        const newTitle = freeTitle(m.title, taken);
        taken.add(newTitle);
        titles.set(m.title, newTitle);
        return { ...item, action: 'duplicate', query: { newTitle }, targetTitle: newTitle, note: [`imported as "${newTitle}"`, item.note].filter(Boolean).join('; ') };
      }
      return item;
    }),
  );
  for (const u of unresolved) items.push({ ...unresolvedItem('datamodel', u), model: { oid: '', title: u.ref, type: 'extract', server: 'LocalHost' }, doc: {}, query: {}, shares: [] });
  return { items, extra: [], excludable: true, titles, execute: (report, gates) => executeDatamodels(s, items, input, report, overlay, gates) };
}

/** Points every dataset at a target connection (by name, or as mapped); returns the connections the target lacks. */
function pointAtTargetConnections(doc: Record<string, unknown>, srcConns: Connection[], dstConns: Connection[], mapping: Record<string, string>): string[] {
  const missing: string[] = [];
  for (const ds of Array.isArray(doc.datasets) ? (doc.datasets as Array<Record<string, unknown>>) : []) {
    const conn = ds.connection as Connection | null | undefined;
    if (!conn || typeof conn !== 'object') continue;
    const name = conn.name ?? srcConns.find((c) => c.oid === conn.oid)?.name ?? conn.oid;
    const wanted = mapping[name] ?? mapping[conn.oid] ?? name;
    const there = dstConns.find((c) => c.name === wanted) ?? dstConns.find((c) => c.oid === wanted);
    if (!there) missing.push(`connection "${wanted}"${wanted === name ? '' : ` (mapped from "${name}")`}`);
    // Only a reference travels: the target's own connection (and its credentials) is used as it is.
    else ds.connection = { oid: there.oid, name: there.name ?? wanted, provider: there.provider ?? conn.provider };
  }
  return [...new Set(missing)];
}

async function executeDatamodels(s: Session, items: ModelItem[], input: DatamodelsInput, report: MigrationReport, overlay: Overlay, gates: Gates = {}): Promise<void> {
  const work = report.settle(items);
  report.progress(`data models: ${work.length} to import`);
  let pending = work.length;
  const imported = () => {
    if (--pending === 0) gates.onImported?.();
  };
  if (!pending) gates.onImported?.();
  await Promise.all(work.map((item) => importOne(s, item, input, report, overlay, gates, imported)));
}

/**
 * One model: import the schema; then (once users and groups are there) publish a live model before anything is
 * written about it (its permissions and data security 404 until it is published), write its shares (keyed
 * `partyId`) and data security (rule shares keyed `party`, api.md §1.11–1.12), each read back; build an extract
 * model on request. A party that cannot be mapped fails the model.
 */
async function importOne(s: Session, item: ModelItem, input: DatamodelsInput, report: MigrationReport, overlay: Overlay, gates: Gates, imported: () => void): Promise<void> {
  let created: { oid: string; title: string };
  try {
    created = asObject(await s.target.post('/api/v2/datamodel-imports/schema', item.doc, item.query), 'an imported data model');
  } catch (e) {
    report.fail(item, `importing the schema failed: ${reasonOf(e)}`);
    report.progress(`data models: ${item.asset} failed`);
    return;
  } finally {
    imported();
  }
  const there: ModelRef = { ...item.model, oid: created.oid, title: created.title ?? item.targetTitle ?? item.asset };
  let step = 'mapping its users and groups';
  try {
    await gates.accessReady;
    const log = new MappingLog(true);
    const map = new PrincipalMap(await s.source.principals(), await s.target.principals(), overlay);
    const shares = mapShares(item.shares, map, log);
    const rules = item.rules && mapRules(item.rules, map, log);
    if (log.missing.length) throw new Error(`the target lacks ${[...new Set(log.missing)].join(', ')}`);
    const access = shares.length > 0 || (rules?.length ?? 0) > 0;
    if (there.type === 'live' && (access || input.build)) {
      step = 'publishing it';
      const status = await buildAndWait(s, there);
      if (status !== 'done') throw new Error(`the publish ended ${status}`);
    }
    step = 'setting its shares';
    if (shares.length) await writeShares(s.target, there, shares);
    step = 'setting its data security';
    if (rules) await writeRules(s.target, there, rules, item.action === 'overwrite');
    if (input.build && there.type !== 'live') {
      step = 'building it';
      const status = await buildAndWait(s, there);
      if (status !== 'done') throw new Error(`the build ended ${status}`);
    }
    report.succeed(item, { targetId: there.oid, targetTitle: there.title });
  } catch (e) {
    report.fail(item, `imported as ${there.oid} "${there.title}", but ${step} failed: ${reasonOf(e)}`, { targetId: there.oid, targetTitle: there.title });
  }
  report.progress(`data models: ${item.asset} imported`);
}
