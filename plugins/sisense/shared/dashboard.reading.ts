/**
 * ONE reading of an exported dashboard (`GET /api/v1/dashboards/export`: the dashboard with its `widgets` inline),
 * shared by the well-check and the migration's dependencies so both see the same widgets, filters, columns, jump
 * targets and data models.
 *
 * - Columns (a dim is `[Table.Column]`, a date dim `[Table.Column (Calendar)]`): widget panels (every
 *   `metadata.panels[].items[]`, the widget's own filter panel included), formula contexts (`jaql.context.*`,
 *   nested formulas too), dashboard filters and each level of a cascading (dependent) filter (`filters[].levels[]`),
 *   ranking filters (`filter.by`). A JAQL item with `table` and `column` but no `dim` counts too.
 * - Each use is counted against the model of the nearest datasource: the JAQL item's, else its widget's or filter's,
 *   else the dashboard's.
 * - Jump targets: the Jump to Dashboard config (`drillToDashboardConfig.dashboardIds[].id`), a drill target
 *   (`options.drillTarget.oid`) and the ids a widget or dashboard script passes to `prism.jumpToDashboard` (`dashboardId`,
 *   `dashboardIds: [{id}]`, `targetDashboards`), ignoring commented-out code.
 */

export type Obj = Record<string, unknown>;

/** An exported dashboard: the API's JSON, with its widgets inline. */
export type ExportedDashboard = Obj & { oid: string; title: string };

export interface DatasourceRef {
  title: string;
  fullname: string | null;
  live: boolean;
}

export interface ColumnRef {
  /** Title of the data model (the datasource's title). */
  model: string;
  table: string;
  column: string;
  /** Where: `widget "Revenue"`, `dashboard filter`, … (each once). */
  usedBy: string[];
}

export interface PanelReading {
  name: string;
  items: number;
  dims: string[];
}

export interface WidgetReading {
  oid: string;
  title: string;
  type: string;
  subtype: string | null;
  /** The widget's data model title (else the dashboard's). */
  datasource: string | null;
  panels: PanelReading[];
  /** Panel items across the panels: the fields the widget shows. */
  fields: number;
  /** Dims in formula contexts. */
  formulaDims: string[];
  script: string | null;
  jumpTargets: string[];
  pivot: boolean;
  tabber: boolean;
  accordion: boolean;
}

export interface FilterReading {
  /** The filter's dim, or for a cascading filter its first level's. */
  dim: string | null;
  /** Every level of a cascading (dependent) filter, in order; empty for a plain filter. */
  levels: string[];
  datasource: string | null;
  disabled: boolean;
}

export interface DashboardReading {
  oid: string;
  title: string;
  /** The dashboard's own data model title. */
  datasource: string | null;
  /** Every data model it touches (dashboard, widgets, filters, JAQL items), by title, sorted. */
  datasources: DatasourceRef[];
  widgets: WidgetReading[];
  filters: FilterReading[];
  script: string | null;
  /** Dashboards it jumps to (never itself), sorted. */
  jumpTargets: string[];
  /** Model columns it uses, sorted by model, table, column. */
  columns: ColumnRef[];
}

const HEX24 = /^[0-9a-f]{24}$/i;
const DIM = /^\[([^.\]]+)\.([^\]]+)\]$/;
const DATE_LEVEL = / \((Calendar|Years|Quarters|Months|Weeks|Days|Hours|Minutes|Seconds)\)$/;

const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Obj => !!x) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length ? v : null);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));

/** `{table, column}` of a dim, the date level (` (Calendar)`) dropped; undefined for anything else. */
export function parseDim(dim: string): { table: string; column: string } | undefined {
  const m = DIM.exec(dim.trim());
  return m ? { table: m[1], column: m[2].replace(DATE_LEVEL, '') } : undefined;
}

/** Every dim below a value (JAQL items, formula contexts, filter levels, ranking filters); `table`+`column` items as `[T.C]`. */
export function dimsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) dimsIn(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Obj;
    if (typeof o.dim !== 'string' && typeof o.table === 'string' && typeof o.column === 'string' && o.table && o.column) out.push(`[${o.table}.${o.column}]`);
    for (const [k, v] of Object.entries(o)) {
      if (k === 'dim' && typeof v === 'string') out.push(v);
      else if (k !== 'datasource') dimsIn(v, out);
    }
  }
  return out;
}

const titleOf = (ds: unknown): string | null => str(obj(ds)?.title);

/** Every datasource object below a value. */
function datasourcesBelow(value: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(value)) for (const v of value) datasourcesBelow(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Obj)) {
      if (k === 'datasource' && titleOf(v)) out.push(v as Obj);
      else datasourcesBelow(v, out);
    }
  }
  return out;
}

/**
 * JavaScript source with comments removed (strings, template literals and regular-expression-free code kept), so a
 * commented-out `prism.jumpToDashboard(...)` is not read as a jump.
 */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const SCRIPT_IDS = /\b(?:dashboardId|id)\s*:\s*["']([0-9a-f]{24})["']/gi;
const TARGET_LIST = /\btargetDashboards\s*:\s*\[([^\]]*)\]/gi;
const QUOTED_HEX = /["']([0-9a-f]{24})["']/gi;

/** Dashboard ids a script jumps to, comments ignored. */
export function scriptTargets(script: unknown): string[] {
  if (typeof script !== 'string' || !script.trim()) return [];
  const code = stripComments(script);
  const out = new Set<string>();
  for (const m of code.matchAll(SCRIPT_IDS)) out.add(m[1].toLowerCase());
  for (const list of code.matchAll(TARGET_LIST)) for (const m of list[1].matchAll(QUOTED_HEX)) out.add(m[1].toLowerCase());
  return [...out];
}

/** Dashboards one widget jumps to: its Jump to Dashboard config, its drill target, its script. */
export function widgetJumpTargets(w: Obj): string[] {
  const out = new Set<string>();
  for (const d of objs(obj(w.drillToDashboardConfig)?.dashboardIds)) if (typeof d.id === 'string' && HEX24.test(d.id)) out.add(d.id.toLowerCase());
  const drill = obj(obj(w.options)?.drillTarget)?.oid;
  if (typeof drill === 'string' && HEX24.test(drill)) out.add(drill.toLowerCase());
  for (const t of scriptTargets(w.script)) out.add(t);
  return [...out];
}

const isPivot = (w: Obj) => typeof w.type === 'string' && w.type.toLowerCase().includes('pivot');
const isTabber = (w: Obj) => [w.type, w.subtype].some((t) => typeof t === 'string' && t.includes('WidgetsTabber'));
const isAccordion = (w: Obj) => {
  const c = obj(w.accordionConfig);
  return !!c && (c.enabled === true || c.isEnabled === true);
};

/** Reads one exported dashboard. */
export function readDashboard(doc: ExportedDashboard): DashboardReading {
  const own = titleOf(doc.datasource);
  const uses = new Map<string, ColumnRef>();
  const use = (model: string | null, dims: string[], where: string) => {
    if (!model) return;
    for (const dim of dims) {
      const p = parseDim(dim);
      if (!p) continue;
      const key = `${model}\u0000${p.table}\u0000${p.column}`;
      const u = uses.get(key) ?? { model, ...p, usedBy: [] };
      if (!u.usedBy.includes(where)) u.usedBy.push(where);
      uses.set(key, u);
    }
  };
  /** A JAQL-bearing item: counted against its own datasource when it names one. */
  const useItem = (item: Obj, fallback: string | null, where: string) => use(titleOf(obj(item.jaql)?.datasource) ?? titleOf(item.datasource) ?? fallback, dimsIn(item), where);

  const filters: FilterReading[] = objs(doc.filters).map((f) => {
    const levels = objs(f.levels);
    const jaql = obj(f.jaql);
    const datasource = titleOf(jaql?.datasource) ?? titleOf(levels.map((l) => l.datasource).find(titleOf)) ?? own;
    if (levels.length) for (const l of levels) use(titleOf(l.datasource) ?? datasource, dimsIn(l), 'dashboard filter');
    else useItem(f, own, 'dashboard filter');
    const levelDims = levels.map((l) => str(l.dim)).filter((d): d is string => !!d);
    return { dim: str(jaql?.dim) ?? levelDims[0] ?? null, levels: levelDims, datasource, disabled: f.disabled === true || jaql?.disabled === true };
  });

  const widgets: WidgetReading[] = objs(doc.widgets).map((w) => {
    const title = str(w.title);
    const where = title ? `widget "${title}"` : `widget ${String(w.oid ?? '?')}`;
    const datasource = titleOf(w.datasource) ?? own;
    const formulaDims: string[] = [];
    const panels: PanelReading[] = objs(obj(w.metadata)?.panels).map((p) => {
      const items = objs(p.items);
      const dims: string[] = [];
      for (const item of items) {
        useItem(item, datasource, where);
        dims.push(...dimsIn(item));
        const context = obj(item.jaql)?.context;
        if (context) formulaDims.push(...dimsIn(context));
      }
      return { name: String(p.name ?? ''), items: items.length, dims: sorted(dims) };
    });
    return {
      oid: String(w.oid ?? ''),
      title: title ?? '',
      type: String(w.type ?? ''),
      subtype: str(w.subtype),
      datasource,
      panels,
      fields: panels.reduce((n, p) => n + p.items, 0),
      formulaDims: sorted(formulaDims),
      script: str(w.script),
      jumpTargets: sorted(widgetJumpTargets(w)),
      pivot: isPivot(w),
      tabber: isTabber(w),
      accordion: isAccordion(w),
    };
  });

  const jumps = new Set<string>([...widgets.flatMap((w) => w.jumpTargets), ...scriptTargets(doc.script)]);
  jumps.delete(doc.oid.toLowerCase());
  jumps.delete(doc.oid);
  const sources = new Map<string, DatasourceRef>();
  for (const ds of datasourcesBelow(doc)) {
    const t = titleOf(ds)!;
    if (!sources.has(t)) sources.set(t, { title: t, fullname: str(ds.fullname), live: ds.live === true });
  }
  return {
    oid: doc.oid,
    title: doc.title,
    datasource: own,
    datasources: [...sources.values()].sort((a, b) => a.title.localeCompare(b.title)),
    widgets,
    filters,
    script: str(doc.script),
    jumpTargets: sorted(jumps),
    columns: [...uses.values()].sort((a, b) => a.model.localeCompare(b.model) || a.table.localeCompare(b.table) || a.column.localeCompare(b.column)),
  };
}

/** `Table\u0000Column` keys of the columns dashboards use, per model title. */
export function columnUsage(readings: Iterable<DashboardReading>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of readings) {
    for (const c of r.columns) {
      const set = out.get(c.model) ?? new Set<string>();
      set.add(`${c.table}\u0000${c.column}`);
      out.set(c.model, set);
    }
  }
  return out;
}
