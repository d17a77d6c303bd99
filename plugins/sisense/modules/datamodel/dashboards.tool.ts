import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { exportDashboards, readerOf } from '../../shared/dashboard.export.js';
import { readDashboard } from '../../shared/dashboard.reading.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';

interface Row {
  oid: string;
  title: string;
  ownerId: string | null;
  /** `dashboard`: the dashboard's own data source; `widget`: only some widgets or filters use it. */
  via: 'dashboard' | 'widget';
}

/** The dashboards that use a data model. */
export const dashboards = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string; deep: boolean }, { datamodel: { oid: string; title: string }; count: number; dashboards: Row[]; unreadable: Array<{ oid: string; title: string; reason: string }> }>({
    id: 'sisense.datamodel.dashboards',
    title: 'List the dashboards that use a data model',
    description:
      'Lists the dashboards that use a data model (oid or title). By default the admin listing filtered by datasourceTitle (GET /api/v1/dashboards/admin?dashboardType=owner&datasourceTitle=): ' +
      'the dashboards whose own data source it is. deep: true reads every dashboard\'s export instead and also finds dashboards where only some widgets or filters use the model (via: widget); ' +
      'dashboards that cannot be read are listed under unreadable. Needs an administrator token. Read-only.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel'],
      properties: { datamodel: datamodelRef, deep: { type: 'boolean', default: false, description: 'Read every dashboard (slower) to find widget-level use too.' } },
    },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }),
      count: { type: 'integer' },
      dashboards: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, ownerId: nullableString, via: { enum: ['dashboard', 'widget'] } })),
      unreadable: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, reason: { type: 'string' } })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Dashboards on a model', input: { datamodel: 'Sample ECommerce', deep: false } },
      { title: 'Every dashboard touching a model', input: { datamodel: 'Retail Sales', deep: true } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const fields = 'oid,title,owner,datasource';
        const owner = (d: DashboardSummary) => (typeof d.owner === 'string' ? d.owner : null);
        const unreadable: Array<{ oid: string; title: string; reason: string }> = [];
        let rows: Row[];
        if (!input.deep) {
          const list = await deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', datasourceTitle: model.title, fields });
          rows = list.filter((d) => !d.datasource?.title || d.datasource.title === model.title).map((d) => ({ oid: d.oid, title: d.title, ownerId: owner(d), via: 'dashboard' as const }));
        } else {
          const all = await deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', fields });
          const { docs, failed } = await exportDashboards(readerOf(client), all.map((d) => d.oid));
          rows = [];
          for (const d of all) {
            const doc = docs.get(d.oid);
            if (!doc) {
              unreadable.push({ oid: d.oid, title: d.title, reason: failed.get(d.oid) ?? 'not exported' });
              continue;
            }
            const r = readDashboard(doc);
            if (r.datasource === model.title) rows.push({ oid: d.oid, title: d.title, ownerId: owner(d), via: 'dashboard' });
            else if (r.datasources.some((s) => s.title === model.title)) rows.push({ oid: d.oid, title: d.title, ownerId: owner(d), via: 'widget' });
          }
        }
        const seen = new Set<string>();
        rows = rows.filter((r) => !seen.has(r.oid) && seen.add(r.oid)).sort((a, b) => a.title.localeCompare(b.title));
        return { datamodel: { oid: model.oid, title: model.title }, count: rows.length, dashboards: rows, unreadable };
      }),
  });
