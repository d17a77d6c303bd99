import type { DashboardReading } from '../../shared/dashboard.reading.js';
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The findings of one dashboard (its reading: shared/dashboard.reading.ts), and its inventory. */
export function checkDashboard(doc: DashboardReading, facts: DeploymentFacts, limits: DashboardThresholds, checks: ReadonlySet<DashboardCheck>): { findings: Finding[]; inventory: DashboardInventory } {
  const widgets = doc.widgets;
  const title = doc.title;
  const about = { oid: doc.oid, title };
  const inventory: DashboardInventory = {
    ...about,
    widgets: widgets.length,
    pivots: widgets.filter((w) => w.pivot).length,
    tabbers: widgets.filter((w) => w.tabber).length,
    accordions: widgets.filter((w) => w.accordion).length,
    jumpToDashboards: doc.jumpTargets.length,
    scripts: (doc.script ? 1 : 0) + widgets.filter((w) => w.script).length,
  };
  const out: Finding[] = [];
  const add = (check: DashboardCheck, f: Finding) => checks.has(check) && out.push(f);

  if (!widgets.length) add('empty', finding('dashboard.empty', 'warning', doc.oid, `dashboard "${title}" has no widgets`, about));
  if (widgets.length > limits.maxWidgets) add('widget-count', finding('dashboard.widget-count', 'warning', doc.oid, `dashboard "${title}" has ${widgets.length} widgets (more than ${limits.maxWidgets}): it loads slowly`, { ...about, widgets: widgets.length, limit: limits.maxWidgets }));
  for (const w of widgets.filter((x) => x.pivot)) {
    if (w.fields > limits.maxPivotFields) add('pivot-fields', finding('dashboard.pivot-fields', 'warning', `${doc.oid}/${w.oid}`, `pivot "${w.title || w.oid}" on "${title}" has ${w.fields} fields (more than ${limits.maxPivotFields})`, { ...about, widget: w.oid, fields: w.fields, limit: limits.maxPivotFields }));
  }
  const { pivots, tabbers, accordions, jumpToDashboards } = inventory;
  if (pivots + tabbers + accordions + jumpToDashboards > 0) {
    const counts: Array<[number, string]> = [[pivots, 'pivot'], [tabbers, 'tabber'], [accordions, 'accordion'], [jumpToDashboards, 'jump-to-dashboard target']];
    const parts = counts.filter(([n]) => n > 0).map(([n, word]) => plural(n, word));
    const heavy = pivots > limits.maxPivots;
    add('structure', finding('dashboard.structure', heavy ? 'warning' : 'info', doc.oid, `dashboard "${title}" has ${parts.join(', ')}${heavy ? ` (more than ${limits.maxPivots} pivots)` : ''}`, { ...about, pivots, tabbers, accordions, jumpToDashboards }));
  }
  const missingModels = doc.datasources.map((d) => d.title).filter((t) => !facts.models.has(t)).sort();
  if (missingModels.length) add('datasource', finding('dashboard.datasource-missing', 'error', doc.oid, `dashboard "${title}" uses ${missingModels.map((t) => `"${t}"`).join(', ')}, which the deployment does not have`, { ...about, datamodels: missingModels }));
  if (inventory.scripts) {
    const widgetScripts = widgets.filter((w) => w.script).length;
    const what = [doc.script ? 'a dashboard script' : '', widgetScripts ? plural(widgetScripts, 'widget script') : ''].filter(Boolean).join(' and ');
    add('scripts', finding('dashboard.scripts', 'warning', doc.oid, `dashboard "${title}" runs custom code: ${what} (review before upgrades and migrations)`, { ...about, dashboardScript: !!doc.script, widgetScripts }));
  }
  const dangling = doc.jumpTargets.filter((t) => !facts.dashboards.has(t)).sort();
  if (dangling.length) add('jump-targets', finding('dashboard.jump-target-missing', 'error', doc.oid, `dashboard "${title}" jumps to ${plural(dangling.length, 'dashboard')} that do not exist: ${dangling.join(', ')}`, { ...about, targets: dangling }));
  return { findings: out, inventory };
}
