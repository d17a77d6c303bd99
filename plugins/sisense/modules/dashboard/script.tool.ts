import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';
import { exportOne } from './dashboard.read.js';

/** The dashboard script of one dashboard, and which widgets carry scripts. */
export const script = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { dashboard: { oid: string; title: string }; script: string | null; jumpTargets: string[]; widgetsWithScripts: Array<{ oid: string; title: string; lines: number }> }>({
    id: 'sisense.dashboard.script',
    title: 'Read the script of a dashboard',
    description:
      'Returns the dashboard script (custom JavaScript run in viewers\' browsers) of one dashboard (oid or title), null when it has none, read from its export; ' +
      'the dashboards it jumps to (commented-out code ignored); and which widgets have scripts of their own (read those with sisense.dashboard.widget-script). Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      script: nullableString,
      jumpTargets: arrayOf({ type: 'string' }),
      widgetsWithScripts: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, lines: { type: 'integer' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Script of a dashboard', input: { dashboard: 'Sales Deep Dive' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const r = readDashboard(await exportOne(client, d));
        const widgetsWithScripts = r.widgets.filter((w) => w.script).map((w) => ({ oid: w.oid, title: w.title, lines: w.script!.split('\n').length }));
        return { dashboard: { oid: d.oid, title: d.title }, script: r.script, jumpTargets: r.jumpTargets, widgetsWithScripts };
      }),
  });
