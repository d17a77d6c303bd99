import type { JsonObject, SimDashboard, SimFolder, SimGroup, SimShare, SimUser } from '../sim.types.js';
import type { SeedBuilder } from './seed.builder.js';

/** `{jaql: {dim: "[Table.Column]", title, ...extra}}`: one panel item. */
export function jaql(dim: string, title: string, extra: JsonObject = {}): JsonObject {
  return { jaql: { dim: `[${dim}]`, title, ...extra } };
}

/** A formula item: `jaqlFormula('SUM([r])/COUNT([v])', {r: 'Commerce.Revenue', v: 'Commerce.Visit ID'}, 'AOV')`. */
export function jaqlFormula(formula: string, context: Record<string, string>, title: string): JsonObject {
  const ctx: JsonObject = {};
  for (const [k, dim] of Object.entries(context)) ctx[`[${k}]`] = { dim: `[${dim}]` };
  return { jaql: { formula, context: ctx, title } };
}

/** A dashboard filter on a column with a member list. */
export function memberFilter(table: string, column: string, datatype: string, members: string[]): JsonObject {
  return { jaql: { dim: `[${table}.${column}]`, table, column, datatype, title: column, filter: { members } } };
}

/** A cascading (dependent) dashboard filter: no `jaql`, one `levels[]` entry per column (pysisense reads levels[].dim). */
export function cascadingFilter(levels: Array<[table: string, column: string]>): JsonObject {
  return {
    isCascading: true,
    levels: levels.map(([table, column]) => ({ dim: `[${table}.${column}]`, table, column, datatype: 'text', title: column, filter: { explicit: false, multiSelection: true, all: true } })),
    instanceid: `${levels.map(([t, c]) => `${t}.${c}`).join('|')}`,
  };
}

/** A dashboard date filter on the calendar dimension (`[T.C (Calendar)]`, years level). */
export function dateFilter(table: string, column: string): JsonObject {
  return { jaql: { dim: `[${table}.${column} (Calendar)]`, table, column, datatype: 'datetime', level: 'years', title: column, filter: { explicit: false, multiSelection: true, all: true } } };
}

export interface WidgetSpec {
  title: string;
  type: string;
  subtype: string;
  panels: Array<[name: string, items: JsonObject[]]>;
  /** Omitted from the widget when null (some real widgets have no `options`). */
  options?: JsonObject | null;
  /** Built once every widget of the dashboard has its oid (for plugins that point at sibling widgets). */
  style?: (oids: Record<string, string>) => JsonObject;
  /** Extra top-level fields (plugin configs, script), also given the sibling oids. */
  extra?: (oids: Record<string, string>) => JsonObject;
}

export interface DashboardSpec {
  title: string;
  owner: SimUser;
  datasource: { title: string; live: boolean };
  folder?: SimFolder;
  filters?: JsonObject[];
  widgets: WidgetSpec[];
  shares?: Array<{ to: SimUser | SimGroup; rule: 'view' | 'edit' }>;
  script?: string;
  /** false: never published (recipients see nothing). Default true: published with its shares. */
  published?: boolean;
  /** null plants the `previewLayout: null` that breaks an import unless the client rewrites it to []. */
  previewLayout?: null;
}

export function datasourceOf(title: string, live: boolean): JsonObject {
  return { address: 'LocalHost', title, database: title, fullname: `LocalHost/${title}`, live };
}

/** One column, one cell per widget: the columnar layout the UI writes. */
export function layoutFor(widgetOids: string[]): JsonObject {
  const cells = widgetOids.map((widgetid) => ({
    subcells: [{ elements: [{ minHeight: 102, maxHeight: 1024, minWidth: 128, maxWidth: 2048, height: 512, defaultWidth: 512, widgetid }], index: 0, stretchable: false, width: 100 }],
  }));
  return { type: 'columnar', columns: [{ width: 100, cells }] };
}

/** Adds a dashboard and its widgets (shaped like GET /api/v1/dashboards and .../widgets) to the tenant. */
export function addDashboard(b: SeedBuilder, spec: DashboardSpec): SimDashboard {
  const created = b.clock.now();
  const oid = b.ids.hex24();
  const datasource = datasourceOf(spec.datasource.title, spec.datasource.live);
  const widgetOids: Record<string, string> = {};
  const ids = spec.widgets.map((w) => {
    const pair = { _id: b.ids.hex24(), oid: b.ids.hex24() };
    widgetOids[w.title] = pair.oid;
    return pair;
  });
  const widgets = spec.widgets.map((w, i) => {
    const t = b.clock.now();
    const widget: JsonObject = {
      _id: ids[i]._id,
      title: w.title,
      type: w.type,
      subtype: w.subtype,
      oid: ids[i].oid,
      desc: null,
      source: null,
      owner: spec.owner._id,
      created: t,
      lastUpdated: t,
      datasource,
      selection: null,
      metadata: { panels: w.panels.map(([name, items]) => ({ name, items })) },
      style: w.style ? w.style(widgetOids) : {},
      instanceid: null,
      options: w.options === undefined ? { dashboardFiltersMode: 'filter', selector: true } : w.options,
      dashboardid: oid,
      userId: spec.owner._id,
      instanceType: 'owner',
      ...(w.extra ? w.extra(widgetOids) : {}),
    };
    if (w.options === null) delete widget.options;
    return widget;
  });
  const shares: JsonObject[] = [{ shareId: spec.owner._id, type: 'user' }];
  for (const s of spec.shares ?? []) shares.push({ shareId: s.to._id, type: 'email' in s.to ? 'user' : 'group', rule: s.rule, subscribe: false });
  const dashboard: SimDashboard = {
    _id: b.ids.hex24(),
    title: spec.title,
    desc: '',
    source: null,
    type: 'dashboard',
    shares,
    style: {},
    owner: spec.owner._id,
    userId: spec.owner._id,
    tenantId: b.state.tenant._id,
    created,
    lastUpdated: b.clock.now(),
    layout: layoutFor(ids.map((p) => p.oid)),
    instanceType: 'owner',
    dataExploration: true,
    lastOpened: b.clock.now(),
    previewLayout: spec.previewLayout === null ? null : [],
    datasource,
    oid,
    settings: { autoUpdateOnFiltersChange: true },
  };
  if (spec.filters) dashboard.filters = spec.filters;
  if (spec.folder) dashboard.parentFolder = spec.folder.oid;
  if (spec.script) dashboard.script = spec.script;
  b.state.dashboards.push(dashboard);
  b.state.widgets[oid] = widgets;
  if (spec.published !== false) {
    b.state.published[oid] = dashboard.lastUpdated as string;
    b.state.publishedShares[oid] = JSON.parse(JSON.stringify(shares)) as SimShare[];
  }
  return dashboard;
}

/** The Jump-to-Dashboard plugin's widget config, pointing at one target dashboard. */
export function drillToDashboardConfig(target: SimDashboard, caption: string): JsonObject {
  return {
    drilledDashboardPrefix: '_drill',
    drilledDashboardsFolderPrefix: '',
    displayFilterPane: true,
    displayDashboardsPane: false,
    displayToolbarRow: false,
    displayHeaderRow: false,
    volatile: false,
    hideDrilledDashboards: true,
    hideSharedDashboardsForNonOwner: true,
    drillToDashboardMenuCaption: 'Jump to dashboard',
    drillToDashboardNavigateType: 2,
    dashboardIds: [{ id: target.oid, caption }],
  };
}
