import { exportDashboards as exportInDocumentedForm, type DashboardDoc } from '../../shared/dashboard.export.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import type { Side } from './migration.session.js';

export type { DashboardDoc } from '../../shared/dashboard.export.js';

type Datasource = Record<string, unknown> & { title: string };

const OID = /\b[0-9a-f]{24}\b/g;

/**
 * The exports of these dashboards (shared/dashboard.export.ts: the documented comma-separated form, `size` to a
 * request); the source's exports and export failures are kept for the rest of the migration. Dashboards that could
 * not be exported are absent from the map; `exportFailures(side)` gives their reasons.
 */
export async function exportDashboards(side: Side, oids: readonly string[], size: number): Promise<Map<string, DashboardDoc>> {
  const cache = await side.once('dashboard-exports', async () => new Map<string, DashboardDoc>());
  const failures = await exportFailures(side);
  const need = oids.filter((o) => !cache.has(o));
  if (need.length) {
    const { docs, failed } = await exportInDocumentedForm(side, need, { batchSize: size });
    for (const [oid, doc] of docs) cache.set(oid, doc);
    for (const [oid, reason] of failed) failures.set(oid, reason);
  }
  const out = new Map<string, DashboardDoc>();
  for (const o of oids) {
    const doc = cache.get(o);
    if (doc) out.set(o, structuredClone(doc));
  }
  return out;
}

/** Why dashboards this side was asked to export could not be (by oid). */
export function exportFailures(side: Side): Promise<Map<string, string>> {
  return side.once('dashboard-export-failures', async () => new Map<string, string>());
}

/** Every datasource object in a document: the dashboard's, its widgets', its filters' and any JAQL item's. */
export function datasourcesIn(value: unknown, out: Datasource[] = []): Datasource[] {
  if (Array.isArray(value)) for (const v of value) datasourcesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'datasource' && v && typeof v === 'object' && typeof (v as Datasource).title === 'string') out.push(v as Datasource);
      else datasourcesIn(v, out);
    }
  }
  return out;
}

/** Points every datasource titled like a key of `to` at that target model (title, full name, live flag). */
export function remapDatasources(doc: DashboardDoc, to: ReadonlyMap<string, { title: string; live: boolean }>): void {
  for (const ds of datasourcesIn(doc)) {
    const target = to.get(ds.title);
    if (!target) continue;
    const old = ds.title;
    ds.title = target.title;
    ds.fullname = `${typeof ds.address === 'string' ? ds.address : 'LocalHost'}/${target.title}`;
    if (ds.database === old) ds.database = target.title;
    ds.live = target.live;
    // A derived id (e.g. aLOCALHOST_aSALES) would still name the old model.
    delete ds.id;
  }
}

/**
 * The selected dashboards a document jumps to, as the one reading of a dashboard finds them
 * (shared/dashboard.reading.ts: Jump to Dashboard configs, drill targets, scripts with comments ignored).
 */
export function referencedDashboards(doc: DashboardDoc, selected: ReadonlySet<string>): Set<string> {
  return new Set(readDashboard(doc).jumpTargets.filter((t) => t !== doc.oid && selected.has(t)));
}

/** A copy of a document with dashboard oids replaced (references to dashboards that were imported with a new oid). */
export function rewriteOids(doc: DashboardDoc, map: ReadonlyMap<string, string>): DashboardDoc {
  if (!map.size) return doc;
  return JSON.parse(JSON.stringify(doc).replace(OID, (m) => (m === doc.oid ? m : (map.get(m) ?? m)))) as DashboardDoc;
}

/**
 * Dependency order: dashboards whose referenced (selected) dashboards are already placed come first, so a
 * duplicated drill target has its new oid before the dashboards that jump to it are imported. A cycle is placed
 * as one level.
 */
export function levels<T extends { sourceId?: string; refs: ReadonlySet<string> }>(items: readonly T[]): T[][] {
  const inRun = new Set(items.map((i) => i.sourceId));
  const placed = new Set<string | undefined>();
  let remaining = [...items];
  const out: T[][] = [];
  while (remaining.length) {
    let ready = remaining.filter((i) => [...i.refs].every((r) => placed.has(r) || !inRun.has(r)));
    if (!ready.length) ready = remaining;
    out.push(ready);
    for (const i of ready) placed.add(i.sourceId);
    remaining = remaining.filter((i) => !ready.includes(i));
  }
  return out;
}

/** Batches of at most `size` in which no two dashboards share a title (the import answer names them by title). */
export function pack<T extends { asset: string }>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (const item of items) {
    const open = batches.find((b) => b.length < size && !b.some((x) => x.asset === item.asset));
    if (open) open.push(item);
    else batches.push([item]);
  }
  return batches;
}

interface Named {
  oid?: unknown;
  title?: unknown;
  error?: { message?: unknown } | unknown;
}

export type ImportOutcome = { kind: 'imported'; id: string } | { kind: 'skipped' } | { kind: 'failed'; reason: string };

/**
 * What the bulk import did with one dashboard: its answer lists `succeded` (sic), `skipped` and `failed` by
 * category, each item by the oid it has in the target and its title (not the source id).
 */
export function outcomeOf(answer: unknown, item: { sourceId?: string; asset: string }, byTitle: boolean): ImportOutcome {
  const a = (answer && typeof answer === 'object' ? answer : {}) as Record<string, unknown>;
  const list = (v: unknown): Named[] => (Array.isArray(v) ? (v as Named[]) : []);
  const find = (xs: Named[]) => xs.find((x) => x.oid === item.sourceId) ?? (byTitle ? xs.find((x) => x.title === item.asset) : undefined);
  const ok = find(list(a.succeded ?? a.succeeded));
  if (ok && typeof ok.oid === 'string') return { kind: 'imported', id: ok.oid };
  if (find(list(a.skipped))) return { kind: 'skipped' };
  const failed = a.failed && typeof a.failed === 'object' ? Object.entries(a.failed as Record<string, unknown>) : [];
  for (const [category, xs] of failed) {
    const hit = find(list(xs));
    if (hit) {
      const message = (hit.error as { message?: unknown } | undefined)?.message;
      return { kind: 'failed', reason: `the import refused it (${category}): ${typeof message === 'string' ? message : JSON.stringify(hit.error ?? null)}` };
    }
  }
  return { kind: 'failed', reason: 'the import answer does not mention it' };
}
