import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { exportDashboards } from '../../shared/dashboard.export.js';
import { withSide } from '../migration/migration.session.js';
import { select } from '../migration/phase.js';
import { checkDashboard, DASHBOARD_CHECKS, type DashboardCheck, type DashboardInventory, type DashboardThresholds } from './dashboard.checks.js';
import { CHECKED_SCHEMA, checksOf, finding, FINDING_SCHEMA, refs, sortFindings, type Finding } from './wellcheck.types.js';

interface Input extends DashboardThresholds {
  dashboards?: string[];
  checks: DashboardCheck[];
}

interface Output {
  findings: Finding[];
  checked: { dashboards: number; datamodels: number };
  dashboards: DashboardInventory[];
}

const count = { type: 'integer' };

export const wellcheckDashboards = (deps: SisenseDeps) =>
  defineTool<Input, Output>({
    id: 'sisense.wellcheck.dashboards',
    title: 'Well-check dashboards',
    description:
      'Reads dashboards with their widgets (all of them when none are named) and reports findings: structure (pivot, tabber, accordion and jump-to-dashboard counts), ' +
      'widget counts over maxWidgets, pivots with more fields than maxPivotFields, empty dashboards, data models the deployment lacks, custom scripts, and jumps to dashboards ' +
      'that do not exist. A dashboard that cannot be read (exported) is itself a warning (dashboard.unreadable, with the reason). Also returns each dashboard\'s counts. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dashboards: refs('Titles or oids of the dashboards to check; omitted: every dashboard (an administrator token sees all).'),
        checks: checksOf(DASHBOARD_CHECKS),
        maxWidgets: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'A dashboard with more widgets is a warning.' },
        maxPivotFields: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'A pivot with more fields (rows, columns, values) is a warning.' },
        maxPivots: { type: 'integer', minimum: 0, maximum: 1000, default: 5, description: 'A dashboard with more pivots makes its structure finding a warning.' },
      },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['findings', 'checked', 'dashboards'],
      properties: {
        findings: { type: 'array', items: FINDING_SCHEMA },
        checked: CHECKED_SCHEMA,
        dashboards: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['oid', 'title', 'widgets', 'pivots', 'tabbers', 'accordions', 'jumpToDashboards', 'scripts'],
            properties: { oid: { type: 'string' }, title: { type: 'string' }, widgets: count, pivots: count, tabbers: count, accordions: count, jumpToDashboards: count, scripts: count },
          },
        },
      },
    },
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every dashboard, default thresholds', input: { checks: [...DASHBOARD_CHECKS], maxWidgets: 20, maxPivotFields: 20, maxPivots: 5 } },
      { title: 'Two dashboards, stricter widget limit', input: { dashboards: ['Sales Deep Dive', 'ECommerce Overview'], checks: ['widget-count', 'pivot-fields'], maxWidgets: 6, maxPivotFields: 10, maxPivots: 5 } },
    ],
    handler: (input, ctx) =>
      withSide(deps, ctx, 'target', async (side) => {
        const [all, models] = await Promise.all([
          side.list<DashboardSummary>('/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title' }),
          side.list<{ title: string }>('/api/v2/datamodels/schema', { fields: 'oid,title' }),
        ]);
        const chosen = select('dashboard', all, input.dashboards, (d) => d.oid, (d) => d.title);
        ctx.progress({ progress: 0, total: chosen.length, message: `reading ${chosen.length} dashboards` });
        const { docs, failed } = await exportDashboards(side, chosen.map((d) => d.oid));
        const facts = { models: new Set(models.map((m) => m.title)), dashboards: new Set(all.map((d) => d.oid.toLowerCase())) };
        const checks = new Set(input.checks);
        const findings: Finding[] = [];
        const inventory: DashboardInventory[] = [];
        for (const d of chosen) {
          const doc = docs.get(d.oid);
          if (!doc) {
            const reason = failed.get(d.oid) ?? 'the export did not include it';
            findings.push(finding('dashboard.unreadable', 'warning', d.oid, `dashboard "${d.title}" could not be read, so it was not checked: ${reason}`, { oid: d.oid, title: d.title, reason }));
            continue;
          }
          const r = checkDashboard(readDashboard(doc), facts, input, checks);
          findings.push(...r.findings);
          inventory.push(r.inventory);
        }
        ctx.progress({ progress: chosen.length, total: chosen.length, message: `checked ${chosen.length} dashboards` });
        return { findings: sortFindings(findings), checked: { dashboards: chosen.length, datamodels: 0 }, dashboards: inventory };
      }),
  });
