import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { arrayOf, dashboardRef, nullableString, objectOut } from '../../shared/schemas.js';
import { exportOne } from './dashboard.read.js';

const str = { type: 'string' };
const strings = arrayOf(str);

/** What a dashboard is made of, as the well-check and the migration read it. */
export const describe = (deps: SisenseDeps) =>
  defineTool({
    id: 'sisense.dashboard.describe',
    title: 'Describe a dashboard',
    description:
      'Reads one dashboard (oid or title) from its export the way the well-check and the migration read it: the data models it touches, each widget (type, model, panels with their dims, ' +
      'formula-context dims, fields, script or not, jump targets), the dashboard filters with every level of a cascading filter, the dashboards it jumps to (commented-out script code ignored) ' +
      'and how many model columns it uses (list them with sisense.dashboard.columns). Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['dashboard'], properties: { dashboard: dashboardRef } },
    outputSchema: objectOut({
      dashboard: objectOut({ oid: str, title: str }),
      datasource: nullableString,
      datasources: arrayOf(objectOut({ title: str, fullname: nullableString, live: { type: 'boolean' } })),
      widgets: arrayOf(
        objectOut({
          oid: str,
          title: str,
          type: str,
          subtype: nullableString,
          datasource: nullableString,
          panels: arrayOf(objectOut({ name: str, items: { type: 'integer' }, dims: strings })),
          fields: { type: 'integer' },
          formulaDims: strings,
          hasScript: { type: 'boolean' },
          jumpTargets: strings,
        }),
      ),
      filters: arrayOf(objectOut({ dim: nullableString, levels: strings, datasource: nullableString, disabled: { type: 'boolean' } })),
      hasScript: { type: 'boolean' },
      jumpTargets: strings,
      columns: { type: 'integer' },
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Describe a dashboard', input: { dashboard: 'ECommerce Overview' } }],
    handler: (input: { dashboard: string }, ctx) =>
      deps.withClient(ctx, async (client) => {
        const d = await deps.resolveDashboard(client, input.dashboard);
        const r = readDashboard(await exportOne(client, d));
        return {
          dashboard: { oid: d.oid, title: d.title },
          datasource: r.datasource,
          datasources: r.datasources,
          widgets: r.widgets.map(({ script, pivot: _p, tabber: _t, accordion: _a, ...w }) => ({ ...w, hasScript: !!script })),
          filters: r.filters,
          hasScript: !!r.script,
          jumpTargets: r.jumpTargets,
          columns: r.columns.length,
        };
      }),
  });
