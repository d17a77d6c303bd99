import { v1Error } from '../errors.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject } from '../sim.types.js';
import { ADMIN_ROLES, bodyArray, clone } from '../views.js';
import { visibleModels } from './datamodels.routes.js';

/**
 * Data model shares and data security through the elasticube paths the public clients use:
 * extract models by server + title under /api/elasticubes/, live models under /api/v1/elasticubes/live/
 * (permissions by oid, data security by title).
 */
function model(ctx: RouteCtx, type: 'extract' | 'live', key: 'title' | 'oid'): JsonObject {
  const value = key === 'title' ? ctx.params.title : ctx.params.oid;
  if (type === 'extract' && ctx.params.server.toLowerCase() !== 'localhost') throw v1Error(404, `Server ${ctx.params.server} not found.`);
  const found = visibleModels(ctx).find((m) => m[key] === value && m.type === type);
  if (!found) throw v1Error(404, `${type === 'extract' ? 'ElastiCube' : 'Live model'} ${value} not found.`);
  // A live model exists as an elasticube only once published (api.md §4 #10: "Elasticube has not been found").
  if (type === 'live' && !found.lastPublishTime) throw v1Error(404, 'Elasticube has not been found');
  return found;
}

function requireDataAdmin(ctx: RouteCtx): void {
  if (!ADMIN_ROLES.has(ctx.role) && ctx.role !== 'dataAdmin') throw v1Error(403, 'Data security and model shares need an administrator.');
}

function replaceShares(ctx: RouteCtx, m: JsonObject): JsonObject[] {
  requireDataAdmin(ctx);
  // Entries keyed `party` (not `partyId`) are accepted and silently discarded (api.md §1.6, §4 #3).
  const keyed = bodyArray(ctx).filter((raw) => !(raw && typeof raw === 'object' && !('partyId' in raw) && 'party' in raw));
  const next = keyed.map((raw) => {
    const s = (raw ?? {}) as Record<string, unknown>;
    const known = s.type === 'user' ? ctx.state.users.some((u) => u._id === s.partyId) : s.type === 'group' && ctx.state.groups.some((g) => g._id === s.partyId);
    if (!known) throw v1Error(400, `Unknown ${String(s.type)} ${String(s.partyId)}.`);
    if (!['r', 'w', 'a'].includes(s.permission as string)) throw v1Error(400, `Unknown permission ${String(s.permission)} (r, w or a).`);
    return { partyId: s.partyId as string, type: s.type as string, permission: s.permission as string };
  });
  m.shares = next;
  m.lastUpdated = ctx.clock.now();
  return clone(next);
}

function rulesOf(ctx: RouteCtx, m: JsonObject): JsonObject[] {
  // `?table=&column=` (api.md §1.12, the documented DELETE form); no path form is documented.
  const table = q(ctx.query, 'table');
  const column = q(ctx.query, 'column');
  return ctx.state.dataSecurity.filter((r) => r.elasticube === m.title && (table === undefined || r.table === table) && (column === undefined || r.column === column));
}

function columnExists(m: JsonObject, table: string, column: string): boolean {
  return (m.datasets as JsonObject[]).some((ds) =>
    ((ds.schema as JsonObject).tables as JsonObject[]).some((t) => t.name === table && (t.columns as JsonObject[]).some((c) => c.name === column)),
  );
}

function newRules(ctx: RouteCtx, m: JsonObject): JsonObject[] {
  requireDataAdmin(ctx);
  return bodyArray(ctx).map((raw) => {
    const r = (raw ?? {}) as Record<string, unknown>;
    if (typeof r.table !== 'string' || typeof r.column !== 'string' || !columnExists(m, r.table, r.column)) throw v1Error(400, `Unknown column ${String(r.table)}.${String(r.column)} in ${String(m.title)}.`);
    if (!['text', 'numeric', 'datetime'].includes(r.datatype as string)) throw v1Error(400, `Unknown datatype ${String(r.datatype)}.`);
    // Rule shares are keyed `party`; an entry keyed `partyId` is dropped like a wrongly keyed model share (README note 2).
    const shares = (Array.isArray(r.shares) ? (r.shares as Array<Record<string, unknown>>) : []).filter((s) => s.type === 'default' || 'party' in s);
    for (const s of shares) {
      const known = s.type === 'default' || (s.type === 'user' ? ctx.state.users.some((u) => u._id === s.party) : s.type === 'group' && ctx.state.groups.some((g) => g._id === s.party));
      if (!known) throw v1Error(400, `Unknown ${String(s.type)} ${String(s.party)} in shares.`);
    }
    const members = Array.isArray(r.members) ? (r.members as string[]).map(String) : [];
    return {
      _id: ctx.ids.hex24(),
      server: 'LocalHost',
      elasticube: m.title as string,
      table: r.table,
      column: r.column,
      datatype: r.datatype as string,
      members,
      allMembers: members.length ? null : r.allMembers === undefined ? true : (r.allMembers as boolean | null),
      exclusionary: typeof r.exclusionary === 'boolean' ? r.exclusionary : false,
      fullname: `LocalHost/${String(m.title)}`,
      // Stored as {party, type, partyName} (partyName is what GET shows; pysisense reads it).
      shares: shares.map((s): JsonObject => {
        if (s.type === 'default') return { party: null, type: 'default' };
        const name = s.type === 'user' ? ctx.state.users.find((u) => u._id === s.party)?.email : ctx.state.groups.find((g) => g._id === s.party)?.name;
        return { party: s.party as string, type: s.type as string, partyName: name ?? null };
      }),
    };
  });
}

export const elasticubeRoutes: Route[] = [
  // The cross-platform listing (api.md §1.12): live models show buildDestination "live".
  route('GET', '/api/v1/elasticubes/getElasticubes', (ctx) => ({
    status: 200,
    body: visibleModels(ctx).map((m) => ({
      _id: m.oid,
      oid: m.oid,
      title: m.title,
      type: m.type,
      server: 'LocalHost',
      datasets: (m.datasets as JsonObject[]).map((d) => d.oid),
      buildDestination: { destination: m.type === 'live' ? 'live' : 'elasticube' },
      creator: clone(m.creator),
      shares: clone(m.shares),
      tenantId: ctx.state.tenant._id,
      lastUpdated: m.lastUpdated,
      lastBuildTime: m.lastBuildTime,
      lastSuccessfulBuildTime: m.lastSuccessfulBuildTime,
      relationType: m.relationType,
    })),
  })),
  route('GET', '/api/elasticubes/:server/:title/permissions', (ctx) => ({ status: 200, body: { shares: clone(model(ctx, 'extract', 'title').shares) } })),
  route('PUT', '/api/elasticubes/:server/:title/permissions', (ctx) => ({ status: 200, body: { shares: replaceShares(ctx, model(ctx, 'extract', 'title')) } })),
  route('GET', '/api/v1/elasticubes/live/:oid/permissions', (ctx) => ({ status: 200, body: clone(model(ctx, 'live', 'oid').shares) })),
  route('PATCH', '/api/v1/elasticubes/live/:oid/permissions', (ctx) => ({ status: 200, body: replaceShares(ctx, model(ctx, 'live', 'oid')) })),

  route('GET', '/api/elasticubes/:server/:title/datasecurity', (ctx) => ({ status: 200, body: clone(rulesOf(ctx, model(ctx, 'extract', 'title'))) })),
  route('POST', '/api/elasticubes/:server/:title/datasecurity', (ctx) => {
    const rules = newRules(ctx, model(ctx, 'extract', 'title'));
    ctx.state.dataSecurity.push(...rules);
    return { status: 200, body: clone(rules) };
  }),
  route('PUT', '/api/elasticubes/:server/:title/datasecurity', (ctx) => {
    const m = model(ctx, 'extract', 'title');
    const rules = newRules(ctx, m);
    ctx.state.dataSecurity = [...ctx.state.dataSecurity.filter((r) => r.elasticube !== m.title), ...rules];
    return { status: 200, body: clone(rules) };
  }),
  route('DELETE', '/api/elasticubes/:server/:title/datasecurity', (ctx) => {
    requireDataAdmin(ctx);
    const doomed = new Set(rulesOf(ctx, model(ctx, 'extract', 'title')));
    ctx.state.dataSecurity = ctx.state.dataSecurity.filter((r) => !doomed.has(r));
    return { status: 204 };
  }),
  route('GET', '/api/v1/elasticubes/live/:title/datasecurity', (ctx) => ({ status: 200, body: clone(rulesOf(ctx, model(ctx, 'live', 'title'))) })),
  // Live models have no replace: rules are added (addMany) and deleted one column at a time.
  route('POST', '/api/v1/elasticubes/live/:title/datasecurity/addMany', (ctx) => {
    const rules = newRules(ctx, model(ctx, 'live', 'title'));
    ctx.state.dataSecurity.push(...rules);
    return { status: 200, body: clone(rules) };
  }),
];
