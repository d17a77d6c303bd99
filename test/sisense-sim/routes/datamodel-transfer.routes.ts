import { v2Error } from '../errors.js';
import { UUID } from '../ids.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject } from '../sim.types.js';
import { ADMIN_ROLES, clone } from '../views.js';
import { modelById } from './datamodels.routes.js';
import { creatorOf } from '../seed/seed.datamodels.js';

/** What a schema export leaves out: sharing, ownership, deployment identity and build state. */
const NOT_EXPORTED = ['shares', 'creator', 'tenant', 'server', 'serverId', 'revision', 'lastBuildTime', 'lastSuccessfulBuildTime', 'lastBuildTimeFromNextECM', 'lastPublishTime'];

/** Data model export and import (duplicate with ?newTitle=, overwrite with ?datamodelId=). */
export const datamodelTransferRoutes: Route[] = [
  route('GET', '/api/v2/datamodel-exports/schema', (ctx) => {
    const model = modelById(ctx, q(ctx.query, 'datamodelId'));
    const type = q(ctx.query, 'type') ?? 'schema-latest';
    if (type !== 'schema-latest' && type !== 'schema-running') throw v2Error(400, 'InvalidExportType', `type ${type} is not supported.`);
    const out = clone(model);
    for (const k of NOT_EXPORTED) delete out[k];
    return { status: 200, body: out };
  }),
  route('POST', '/api/v2/datamodel-imports/schema', (ctx) => {
    if (!ADMIN_ROLES.has(ctx.role) && ctx.role !== 'dataAdmin' && ctx.role !== 'dataDesigner') throw v2Error(403, 'Forbidden', 'Importing data models needs a data designer or administrator.');
    const body = ctx.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw v2Error(400, 'InvalidSchema', 'The body must be an exported data model schema.');
    const schema = clone(body) as JsonObject;
    if (typeof schema.title !== 'string' || !schema.title.trim() || !Array.isArray(schema.datasets)) throw v2Error(400, 'InvalidSchema', 'The schema needs a title and datasets.');
    if (schema.type !== 'extract' && schema.type !== 'live') throw v2Error(400, 'InvalidSchema', 'type must be extract or live.');
    const overwriteId = q(ctx.query, 'datamodelId');
    const newTitle = q(ctx.query, 'newTitle');
    if (overwriteId !== undefined) {
      const existing = ctx.state.datamodels.find((m) => m.oid === overwriteId);
      if (!existing) throw v2Error(404, 'DatamodelNotFound', `Data model ${overwriteId} was not found.`);
      const title = schema.title;
      if (ctx.state.datamodels.some((m) => m !== existing && m.title === title)) throw alreadyExists(title);
      const replaced = materialize(ctx, schema, existing.oid as string, title, existing);
      ctx.state.datamodels = ctx.state.datamodels.map((m) => (m === existing ? replaced : m));
      return { status: 201, body: clone(replaced) };
    }
    const title = newTitle ?? schema.title;
    if (ctx.state.datamodels.some((m) => m.title === title)) throw alreadyExists(title);
    const keepOid = newTitle === undefined && typeof schema.oid === 'string' && UUID.test(schema.oid) && !ctx.state.datamodels.some((m) => m.oid === schema.oid);
    const model = materialize(ctx, schema, keepOid ? (schema.oid as string) : ctx.ids.uuid(), title);
    ctx.state.datamodels.push(model);
    return { status: 201, body: clone(model) };
  }),
  // Create an empty model (Bluemetrics, keboola live): a title clash is 400 ElasticubeAlreadyExists.
  route('POST', '/api/v2/datamodels', (ctx) => {
    if (!ADMIN_ROLES.has(ctx.role) && ctx.role !== 'dataAdmin' && ctx.role !== 'dataDesigner') throw v2Error(403, 'Forbidden', 'Creating data models needs a data designer or administrator.');
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw v2Error(400, 'ValidationError', 'The body must be {title, server, type}.');
    if (typeof body.title !== 'string' || !body.title.trim()) throw v2Error(400, 'ValidationError', 'title is required.');
    if (body.type !== 'extract' && body.type !== 'live') throw v2Error(400, 'ValidationError', 'type must be extract or live.');
    if (ctx.state.datamodels.some((m) => m.title === body.title)) throw alreadyExists(body.title);
    const model = materialize(ctx, { title: body.title, type: body.type, datasets: [], relations: [] }, ctx.ids.uuid(), body.title);
    ctx.state.datamodels.push(model);
    return { status: 201, body: clone(model) };
  }),
];

function alreadyExists(title: string) {
  return v2Error(400, 'ElasticubeAlreadyExists', `A data model titled "${title}" already exists.`);
}

/**
 * Turns an imported schema into a model of this deployment: owned by the importer, shared with nobody else, and
 * unbuilt (an extract model has no data until POST /api/v2/builds; a live model is unpublished). Datasets whose
 * connection oid names a connection here get that connection in full.
 */
function materialize(ctx: RouteCtx, schema: JsonObject, oid: string, title: string, previous?: JsonObject): JsonObject {
  const t = ctx.clock.now();
  const datasets = (schema.datasets as JsonObject[]).map((ds) => {
    const conn = ds.connection as JsonObject | null;
    const local = conn && ctx.state.connections.find((c) => c.oid === conn.oid);
    return { ...ds, connection: local ? clone(local) : conn, lastUpdated: t };
  });
  return {
    oid,
    title,
    server: 'LocalHost',
    serverId: ctx.state.serverId,
    shares: previous ? clone(previous.shares) : [{ partyId: ctx.user._id, type: 'user', permission: 'w' }],
    revision: null,
    lastBuildTime: null,
    lastSuccessfulBuildTime: null,
    lastBuildTimeFromNextECM: null,
    lastPublishTime: null,
    lastUpdated: t,
    datasets,
    modelingTransformations: (schema.modelingTransformations as JsonObject[] | undefined) ?? [],
    relations: (schema.relations as JsonObject[] | undefined) ?? [],
    schedule: null,
    creator: previous ? clone(previous.creator) : creatorOf(ctx.user),
    type: schema.type,
    relationType: (schema.relationType as string | undefined) ?? 'direct',
    tenant: { _id: ctx.state.tenant._id, name: 'system', default: true, systemManagement: true },
    aiAccessController: (schema.aiAccessController as JsonObject | undefined) ?? { availableForAnalyticsAssistant: true, availableForStudioAssistant: true, availableForSemanticEnrichment: true },
    relationsTables: (schema.relationsTables as JsonObject[] | undefined) ?? [],
    analyticalEngine: (schema.analyticalEngine as JsonObject | undefined) ?? { queryAeMode: 'AE_ONLY', customTranslationMode: null, generateDependenciesMode: null },
  };
}
