import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { exportDashboards, readerOf } from '../../shared/dashboard.export.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';

interface ColumnUse {
  model: string;
  table: string;
  column: string;
  usedBy: string[];
}

/** The model columns a dashboard reads (its export, read by shared/dashboard.reading.ts). */
export const columns = (deps: SisenseDeps) =>
  defineTool<{ dashboard: string }, { dashboard: { oid: string; title: string }; datasource: string | null; count: number; columns: ColumnUse[] }>({
    id: 'sisense.dashboard.columns',
    title: 'List the columns a dashboard uses',
    description:
      'Lists every data model column (model, table and column) a dashboard (oid or title) uses in its widgets (panel items, widget filters, formula contexts) and dashboard filters (each level of a cascading filter too), ' +
      'with where each is used, and the dashboard\'s data source. Use it to see what a model change would break, or which columns no dashboard needs.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      datasource: nullableString,
      count: { type: 'integer' },
      columns: arrayOf(objectOut({ model: { type: 'string' }, table: { type: 'string' }, column: { type: 'string' }, usedBy: arrayOf({ type: 'string' }) })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Columns of a dashboard', input: { dashboard: 'ECommerce Overview' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const { docs, failed } = await exportDashboards(readerOf(client), [d.oid], { adminAccess: d.adminAccess });
        const doc = docs.get(d.oid);
        if (!doc) throw new ToolError('EXPORT_FAILED', `dashboard "${d.title}" could not be read: ${failed.get(d.oid) ?? 'no export'}`);
        const r = readDashboard(doc);
        return { dashboard: { oid: d.oid, title: d.title }, datasource: r.datasource, count: r.columns.length, columns: r.columns };
      }),
  });
