import { v2Error } from '../errors.js';
import { route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject } from '../sim.types.js';
import { clone } from '../views.js';
import { modelById } from './datamodels.routes.js';

/**
 * The schema's sub-resources (api.md §1.11 — H: dm-demo, keboola, pysisense): `GET /api/v2/datamodels/{oid}/schema/datasets`,
 * `…/datasets/{ds}`, `…/datasets/{ds}/tables`, `…/datasets/{ds}/tables/{tbl}`, `…/schema/relations`. Unknown oids
 * answer 404 in the v2 problem shape.
 */
function dataset(ctx: RouteCtx): JsonObject {
  const model = modelById(ctx, ctx.params.id);
  const ds = ((model.datasets ?? []) as JsonObject[]).find((d) => d.oid === ctx.params.ds);
  if (!ds) throw v2Error(404, 'DatasetNotFound', `Dataset ${ctx.params.ds} was not found in data model ${ctx.params.id}.`);
  return ds;
}
const tablesOf = (ds: JsonObject): JsonObject[] => ((ds.schema as JsonObject | undefined)?.tables ?? []) as JsonObject[];

export const datamodelSchemaRoutes: Route[] = [
  route('GET', '/api/v2/datamodels/:id/schema/datasets', (ctx) => ({ status: 200, body: clone((modelById(ctx, ctx.params.id).datasets ?? []) as JsonObject[]) })),
  route('GET', '/api/v2/datamodels/:id/schema/datasets/:ds', (ctx) => ({ status: 200, body: clone(dataset(ctx)) })),
  route('GET', '/api/v2/datamodels/:id/schema/datasets/:ds/tables', (ctx) => ({ status: 200, body: clone(tablesOf(dataset(ctx))) })),
  route('GET', '/api/v2/datamodels/:id/schema/datasets/:ds/tables/:tbl', (ctx) => {
    const table = tablesOf(dataset(ctx)).find((t) => t.oid === ctx.params.tbl);
    if (!table) throw v2Error(404, 'TableNotFound', `Table ${ctx.params.tbl} was not found in dataset ${ctx.params.ds}.`);
    return { status: 200, body: clone(table) };
  }),
  route('GET', '/api/v2/datamodels/:id/schema/relations', (ctx) => ({ status: 200, body: clone((modelById(ctx, ctx.params.id).relations ?? []) as JsonObject[]) })),
];
