import { datasourcesIn, type DashboardDoc } from '../migration/dashboard.documents.js';
import { finding, type Finding } from './wellcheck.types.js';

export const DASHBOARD_CHECKS = ['structure', 'widget-count', 'pivot-fields', 'empty', 'datasource', 'scripts', 'jump-targets'] as const;
export type DashboardCheck = (typeof DASHBOARD_CHECKS)[number];

export interface DashboardThresholds {
  /** More widgets than this on one dashboard is a warning. */
  maxWidgets: number;
  /** More fields (panel items) than this in one pivot is a warning. */
  maxPivotFields: number;
  /** More pivots than this on one dashboard makes the structure finding a warning. */
  maxPivots: number;
}

/** What a dashboard is made of: the counts the structure check reports. */
export interface DashboardInventory {
  oid: string;
  title: string;
  widgets: number;
  pivots: number;
  tabbers: number;
  accordions: number;
  jumpToDashboards: number;
  scripts: number;
}

export interface DeploymentFacts {
  /** Titles of every data model in the deployment. */
  models: ReadonlySet<string>;
  /** Oids of every dashboard in the deployment. */
  dashboards: ReadonlySet<string>;
}

type Widget = Record<string, unknown>;
const HEX = /^[0-9a-f]{24}$/;
const SCRIPT_TARGET = /\b(?:dashboardId|id)\s*:\s*["']([0-9a-f]{24})["']/g;

const isPivot = (w: Widget) => typeof w.type === 'string' && w.type.toLowerCase().includes('pivot');
const isTabber = (w: Widget) => w.type === 'WidgetsTabber' || w.subtype === 'WidgetsTabber';
const isAccordion = (w: Widget) => {
  const c = w.accordionConfig as { enabled?: unknown; isEnabled?: unknown } | undefined;
  return !!c && typeof c === 'object' && (c.enabled === true || c.isEnabled === true);
};
const hasScript = (o: Record<string, unknown>) => typeof o.script === 'string' && o.script.trim().length > 0;

/** Dashboards a widget jumps to: the Jump to Dashboard config, a drill target, ids in its script. */
export function jumpTargets(w: Widget): Set<string> {
  const out = new Set<string>();
  const jtd = w.drillToDashboardConfig as { dashboardIds?: Array<{ id?: unknown }> } | undefined;
  for (const d of jtd?.dashboardIds ?? []) if (typeof d?.id === 'string' && HEX.test(d.id)) out.add(d.id);
  const drill = (w.options as { drillTarget?: { oid?: unknown } } | undefined)?.drillTarget?.oid;
  if (typeof drill === 'string' && HEX.test(drill)) out.add(drill);
  if (typeof w.script === 'string') for (const m of w.script.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').matchAll(SCRIPT_TARGET)) out.add(m[1]);
  return out;
}

/** Panel items across a pivot's panels: the fields it shows. */
export function fieldCount(w: Widget): number {
  const panels = (w.metadata as { panels?: Array<{ items?: unknown[] }> } | undefined)?.panels ?? [];
  return panels.reduce((n, p) => n + (Array.isArray(p?.items) ? p.items.length : 0), 0);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The findings of one exported dashboard (with its widgets), and its inventory. */
export function checkDashboard(doc: DashboardDoc, facts: DeploymentFacts, limits: DashboardThresholds, checks: ReadonlySet<DashboardCheck>): { findings: Finding[]; inventory: DashboardInventory } {
  const widgets = (Array.isArray(doc.widgets) ? doc.widgets : []) as Widget[];
  const title = doc.title;
  const about = { oid: doc.oid, title };
  const targets = new Set<string>();
  for (const w of widgets) for (const t of jumpTargets(w)) targets.add(t);
  if (typeof doc.script === 'string') for (const m of doc.script.matchAll(SCRIPT_TARGET)) if (m[1] !== doc.oid) targets.add(m[1]);
  const inventory: DashboardInventory = {
    ...about,
    widgets: widgets.length,
    pivots: widgets.filter(isPivot).length,
    tabbers: widgets.filter(isTabber).length,
    accordions: widgets.filter(isAccordion).length,
    jumpToDashboards: targets.size,
    scripts: (hasScript(doc) ? 1 : 0) + widgets.filter(hasScript).length,
  };
  const out: Finding[] = [];
  const add = (check: DashboardCheck, f: Finding) => checks.has(check) && out.push(f);

  if (!widgets.length) add('empty', finding('dashboard.empty', 'warning', doc.oid, `dashboard "${title}" has no widgets`, about));
  if (widgets.length > limits.maxWidgets) add('widget-count', finding('dashboard.widget-count', 'warning', doc.oid, `dashboard "${title}" has ${widgets.length} widgets (more than ${limits.maxWidgets}): it loads slowly`, { ...about, widgets: widgets.length, limit: limits.maxWidgets }));
  for (const w of widgets.filter(isPivot)) {
    const fields = fieldCount(w);
    if (fields > limits.maxPivotFields) add('pivot-fields', finding('dashboard.pivot-fields', 'warning', `${doc.oid}/${String(w.oid)}`, `pivot "${String(w.title ?? w.oid)}" on "${title}" has ${fields} fields (more than ${limits.maxPivotFields})`, { ...about, widget: w.oid ?? null, fields, limit: limits.maxPivotFields }));
  }
  const { pivots, tabbers, accordions, jumpToDashboards } = inventory;
  if (pivots + tabbers + accordions + jumpToDashboards > 0) {
    const counts: Array<[number, string]> = [[pivots, 'pivot'], [tabbers, 'tabber'], [accordions, 'accordion'], [jumpToDashboards, 'jump-to-dashboard target']];
    const parts = counts.filter(([n]) => n > 0).map(([n, word]) => plural(n, word));
    const heavy = pivots > limits.maxPivots;
    add('structure', finding('dashboard.structure', heavy ? 'warning' : 'info', doc.oid, `dashboard "${title}" has ${parts.join(', ')}${heavy ? ` (more than ${limits.maxPivots} pivots)` : ''}`, { ...about, pivots, tabbers, accordions, jumpToDashboards }));
  }
  const missingModels = [...new Set(datasourcesIn(doc).map((d) => d.title))].filter((t) => !facts.models.has(t)).sort();
  if (missingModels.length) add('datasource', finding('dashboard.datasource-missing', 'error', doc.oid, `dashboard "${title}" uses ${missingModels.map((t) => `"${t}"`).join(', ')}, which the deployment does not have`, { ...about, datamodels: missingModels }));
  if (inventory.scripts) {
    const widgetScripts = widgets.filter(hasScript).length;
    const what = [hasScript(doc) ? 'a dashboard script' : '', widgetScripts ? plural(widgetScripts, 'widget script') : ''].filter(Boolean).join(' and ');
    add('scripts', finding('dashboard.scripts', 'warning', doc.oid, `dashboard "${title}" runs custom code: ${what} (review before upgrades and migrations)`, { ...about, dashboardScript: hasScript(doc), widgetScripts }));
  }
  const dangling = [...targets].filter((t) => !facts.dashboards.has(t)).sort();
  if (dangling.length) add('jump-targets', finding('dashboard.jump-target-missing', 'error', doc.oid, `dashboard "${title}" jumps to ${plural(dangling.length, 'dashboard')} that do not exist: ${dangling.join(', ')}`, { ...about, targets: dangling }));
  return { findings: out, inventory };
}
