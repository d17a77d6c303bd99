import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { asArray, asObject } from '../../shared/errors.js';
import { columnsOf, type ColumnUse } from '../../shared/jaql.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';
import type { DashboardSummary } from '../../shared/sisense.models.js';
import { access } from '../../shared/views.js';

/** The model columns a dashboard reads, from its widgets and dashboard filters. */
export const columns = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { dashboard: { oid: string; title: string }; datasource: string | null; count: number; columns: ColumnUse[] }>({
    id: 'sisense.dashboard.columns',
    title: 'List the columns a dashboard uses',
    description:
      'Lists every data model column (table and column) a dashboard (oid or title) uses in its widgets (dimensions, measures, formula contexts) and dashboard filters, ' +
      'with where each is used, and the dashboard\'s data source. Use it to see what a model change would break, or which columns no dashboard needs.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      datasource: nullableString,
      count: { type: 'integer' },
      columns: arrayOf(objectOut({ table: { type: 'string' }, column: { type: 'string' }, usedBy: arrayOf({ type: 'string' }) })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Columns of a dashboard', input: { dashboard: 'ECommerce Overview' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const full = asObject<DashboardSummary>(await client.get(`/api/v1/dashboards/${d.oid}`, { query: access(d) }), 'a dashboard');
        const widgets = asArray<{ title?: unknown; metadata?: unknown }>(await client.get(`/api/v1/dashboards/${d.oid}/widgets`, { query: access(d) }), 'widgets');
        const used = columnsOf(full, widgets);
        return { dashboard: { oid: d.oid, title: d.title }, datasource: typeof full.datasource?.title === 'string' ? full.datasource.title : null, count: used.length, columns: used };
      }),
  });
