import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { pickOne } from '../../shared/lookup.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';
import { exportOne } from './dashboard.read.js';

/** The script of one widget. */
export const widgetScript = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string; widget: string }, { dashboard: { oid: string; title: string }; widget: { oid: string; title: string; type: string }; script: string | null; jumpTargets: string[] }>({
    id: 'sisense.dashboard.widget-script',
    title: 'Read the script of a widget',
    description:
      'Returns the script (custom JavaScript) of one widget - by widget oid or title (case-insensitive when no exact match) - on a dashboard (oid or title), null when it has none, ' +
      'read from the dashboard\'s export, with the dashboards the script jumps to (commented-out code ignored). NOT_FOUND / AMBIGUOUS when the widget reference matches no or several widgets. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboard', 'widget'],
      properties: { dashboard: dashboardRef, widget: { type: 'string', minLength: 1, maxLength: 500, description: 'The widget: its oid or its title.' } },
    },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      widget: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' } }),
      script: nullableString,
      jumpTargets: arrayOf({ type: 'string' }),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Script of a widget', input: { dashboard: 'Sales Deep Dive', widget: 'Revenue by Region' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const r = readDashboard(await exportOne(client, d));
        const byOid = r.widgets.find((w) => w.oid === input.widget);
        const w = byOid ?? pickOne('widget', input.widget, r.widgets, (x) => x.title, (x) => ({ id: x.oid, name: x.title }));
        return { dashboard: { oid: d.oid, title: d.title }, widget: { oid: w.oid, title: w.title, type: w.type }, script: w.script, jumpTargets: w.jumpTargets };
      }),
  });
