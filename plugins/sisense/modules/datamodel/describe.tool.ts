import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseDeps } from '../../shared/deps.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { readModelShares, readRules } from './datamodel.access.js';
import { describe as describeSchema, readSchema } from './datamodel.schema.js';
import { ToolError } from '../../../../src/plugins/plugin-api.js';

const int = { type: 'integer' };

/** One data model at a glance. */
export const describe = (deps: SisenseDeps) =>
  defineTool({
    id: 'sisense.datamodel.describe',
    title: 'Summarise a data model',
    description:
      'Summarises one data model (oid or title): type, last build and publish, its datasets (connection, provider), how many tables, columns, custom tables and relations it has, ' +
      'how many users and groups it is shared with, how many data security rules it has, and how many dashboards use it as their data source. ' +
      'A live model that was never published has no shares or rules yet (published: false). The table and column detail is in sisense.datamodel.schema. Read-only.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['datamodel'], properties: { datamodel: datamodelRef } },
    outputSchema: objectOut({
      datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' }, lastBuildTime: nullableString, lastPublishTime: nullableString, published: { type: 'boolean' } }),
      datasets: arrayOf(objectOut({ name: { type: 'string' }, provider: { type: 'string' }, database: nullableString, schema: nullableString, type: { type: 'string' } })),
      counts: objectOut({ tables: int, columns: int, customTables: int, hiddenColumns: int, relations: int, shares: int, securityRules: int, dashboards: int }),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'A model at a glance', input: { datamodel: 'Retail Sales' } }],
    handler: (input: { datamodel: string }, ctx) =>
      deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const schema = await readSchema(client, model.oid);
        const unpublished = (e: unknown) => {
          if (ToolError.is(e) && e.code === 'MODEL_NOT_PUBLISHED') return undefined;
          throw e;
        };
        const [shares, rules, dashboards] = await Promise.all([
          readModelShares(client, model).catch(unpublished),
          readRules(client, model).catch(unpublished),
          deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', datasourceTitle: model.title, fields: 'oid,title,datasource' }),
        ]);
        const d = describeSchema(schema);
        const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
        const type = typeof schema.type === 'string' ? schema.type.toLowerCase() : (model.type ?? 'extract');
        return {
          datamodel: { oid: model.oid, title: model.title, type, lastBuildTime: str(schema.lastBuildTime), lastPublishTime: str(schema.lastPublishTime), published: type !== 'live' || shares !== undefined },
          datasets: d.datasets,
          counts: {
            tables: d.tables.length,
            columns: d.tables.reduce((n, t) => n + t.columns.length, 0),
            customTables: d.tables.filter((t) => t.custom).length,
            hiddenColumns: d.tables.reduce((n, t) => n + t.columns.filter((c) => c.hidden).length, 0),
            relations: d.relations.length,
            shares: shares?.length ?? 0,
            securityRules: rules?.length ?? 0,
            dashboards: new Set(dashboards.filter((x) => !x.datasource?.title || x.datasource.title === model.title).map((x) => x.oid)).size,
          },
        };
      }),
  });
