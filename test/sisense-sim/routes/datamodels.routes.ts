import { v2Error } from '../errors.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimBuild } from '../sim.types.js';
import { ADMIN_ROLES, bodyObject, clone, groupsOf, page, project } from '../views.js';

const DATA_ROLES = new Set([...ADMIN_ROLES, 'dataAdmin']);

/** Administrators see every model; others the models shared with them or their groups. */
export function visibleModels(ctx: RouteCtx): JsonObject[] {
  if (DATA_ROLES.has(ctx.role)) return ctx.state.datamodels;
  const parties = new Set([ctx.user._id, ...groupsOf(ctx.state, ctx.user).map((g) => g._id)]);
  return ctx.state.datamodels.filter((m) => (m.shares as Array<{ partyId: string }>).some((s) => parties.has(s.partyId)));
}

export function modelById(ctx: RouteCtx, id: string | undefined): JsonObject {
  const model = visibleModels(ctx).find((m) => m.oid === id);
  if (!model) throw v2Error(404, 'DatamodelNotFound', `Data model ${String(id)} was not found.`);
  return model;
}

export function modelByTitle(ctx: RouteCtx, title: string): JsonObject {
  const model = visibleModels(ctx).find((m) => m.title === title);
  if (!model) throw v2Error(404, 'DatamodelNotFound', `Data model "${title}" was not found.`);
  return model;
}

function buildView(b: SimBuild): JsonObject {
  const { pollsLeft: _pollsLeft, ...rest } = b;
  return clone(rest) as unknown as JsonObject;
}

/** Schema reads, connections and builds. */
export const datamodelRoutes: Route[] = [
  route('GET', '/api/v2/datamodels/schema', (ctx) => {
    const title = q(ctx.query, 'title');
    if (title !== undefined) return { status: 200, body: clone(modelByTitle(ctx, title)) };
    return { status: 200, body: page(visibleModels(ctx), ctx.query).map((m) => project(clone(m), ctx.query, ['oid'])) };
  }),
  route('GET', '/api/v2/datamodels/:id/schema', (ctx) => ({ status: 200, body: clone(modelById(ctx, ctx.params.id)) })),
  route('DELETE', '/api/v2/datamodels/:id', (ctx) => {
    const model = modelById(ctx, ctx.params.id);
    if (!DATA_ROLES.has(ctx.role)) throw v2Error(403, 'Forbidden', 'Only administrators can delete data models.');
    ctx.state.datamodels = ctx.state.datamodels.filter((m) => m !== model);
    ctx.state.dataSecurity = ctx.state.dataSecurity.filter((r) => r.elasticube !== model.title);
    return { status: 204 };
  }),
  route('GET', '/api/v2/connections', (ctx) => {
    const name = q(ctx.query, 'name');
    return { status: 200, body: page(clone(ctx.state.connections.filter((c) => name === undefined || c.name === name)), ctx.query) };
  }),
  route('GET', '/api/v2/connections/:id', (ctx) => {
    const connection = ctx.state.connections.find((c) => c.oid === ctx.params.id);
    if (!connection) throw v2Error(404, 'ConnectionNotFound', `Connection ${ctx.params.id} was not found.`);
    return { status: 200, body: clone(connection) };
  }),

  route('POST', '/api/v2/builds', (ctx) => {
    const body = bodyObject(ctx);
    const model = modelById(ctx, body.datamodelId as string | undefined);
    // The documented body always names its buildType (api.md §1.11 — H): none is a validation error, not a guess of "full".
    if (typeof body.buildType !== 'string') throw v2Error(400, 'ValidationError', 'buildType is required (full, schema_changes, by_table or publish).');
    const buildType = body.buildType;
    const allowed = model.type === 'live' ? ['publish'] : ['full', 'by_table', 'schema_changes'];
    if (!allowed.includes(buildType)) throw v2Error(400, 'ValidationError', `buildType ${buildType} is not valid for a ${String(model.type)} model (use ${allowed.join(', ')}).`);
    if (ctx.state.builds.some((b) => b.datamodelId === model.oid && (b.status === 'building' || b.status === 'pending'))) throw v2Error(409, 'BuildInProgress', `A build of "${String(model.title)}" is already running.`);
    const build: SimBuild = {
      oid: ctx.ids.uuid(),
      datamodelId: model.oid as string,
      datamodelTitle: model.title as string,
      datamodelType: model.type as string,
      buildType,
      status: 'building',
      created: ctx.clock.now(),
      completed: null,
      pollsLeft: ctx.builds.pollsToFinish,
    };
    ctx.state.builds.push(build);
    // A publish takes effect with the 201: pysisense writes live permissions right after it (semantics.md §4.4).
    if (build.pollsLeft <= 0 || buildType === 'publish') finish(ctx, build);
    return { status: 201, body: buildView(build) };
  }),
  route('GET', '/api/v2/builds', (ctx) => {
    const id = q(ctx.query, 'datamodelId');
    const status = q(ctx.query, 'status');
    return { status: 200, body: ctx.state.builds.filter((b) => (id === undefined || b.datamodelId === id) && (status === undefined || b.status === status)).map(buildView) };
  }),
  route('GET', '/api/v2/builds/:id', (ctx) => {
    const build = ctx.state.builds.find((b) => b.oid === ctx.params.id);
    if (!build) throw v2Error(404, 'BuildNotFound', `Build ${ctx.params.id} was not found.`);
    if (build.status === 'building') {
      build.pollsLeft -= 1;
      if (build.pollsLeft <= 0) finish(ctx, build);
    }
    return { status: 200, body: buildView(build) };
  }),
  route('DELETE', '/api/v2/builds/:id', (ctx) => {
    const build = ctx.state.builds.find((b) => b.oid === ctx.params.id);
    if (!build) throw v2Error(404, 'BuildNotFound', `Build ${ctx.params.id} was not found.`);
    if (build.status === 'building' || build.status === 'pending') {
      build.status = 'cancelled';
      build.completed = ctx.clock.now();
    }
    return { status: 200, body: buildView(build) };
  }),
];

/** A finished build: a done extract build fills the build times (the data exists); a live publish the publish time. */
function finish(ctx: RouteCtx, build: SimBuild): void {
  const t = ctx.clock.now();
  build.completed = t;
  build.status = ctx.builds.failTitles.includes(build.datamodelTitle) ? 'failed' : 'done';
  const model = ctx.state.datamodels.find((m) => m.oid === build.datamodelId);
  if (!model) return;
  if (model.type === 'live') {
    if (build.status === 'done') model.lastPublishTime = t;
    return;
  }
  model.lastBuildTime = t;
  if (build.status === 'done') model.lastSuccessfulBuildTime = t;
}
