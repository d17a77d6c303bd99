import { v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimFolder } from '../sim.types.js';
import { ADMIN_ROLES, bodyObject, canSee, clone, page } from '../views.js';
import { removeDashboards } from './dashboards.routes.js';

function findFolder(ctx: RouteCtx): SimFolder {
  const id = ctx.params.id;
  if (!HEX24.test(id)) throw v1Error(400, `Invalid folder id ${id}.`);
  const folder = ctx.state.folders.find((f) => f.oid === id);
  if (!folder) throw v1Error(404, `Folder ${id} not found.`);
  if (!ADMIN_ROLES.has(ctx.role) && folder.owner !== ctx.user._id) throw v1Error(403, `No access to folder ${id}.`);
  return folder;
}

function visibleFolders(ctx: RouteCtx): SimFolder[] {
  if (ADMIN_ROLES.has(ctx.role)) return ctx.state.folders;
  const withVisible = new Set(ctx.state.dashboards.filter((d) => canSee(ctx.state, ctx.user, d)).map((d) => d.parentFolder));
  return ctx.state.folders.filter((f) => f.owner === ctx.user._id || withVisible.has(f.oid));
}

function tree(ctx: RouteCtx, folders: SimFolder[], parentId: string | null): JsonObject[] {
  return folders
    .filter((f) => f.parentId === parentId)
    .map((f) => ({
      ...(clone(f) as unknown as JsonObject),
      folders: tree(ctx, folders, f.oid),
      dashboards: ctx.state.dashboards.filter((d) => d.parentFolder === f.oid && canSee(ctx.state, ctx.user, d)).map((d) => ({ oid: d.oid, title: d.title })),
    }));
}

/** All folders below (and including) one folder, deepest last. */
function subtree(ctx: RouteCtx, root: SimFolder): SimFolder[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...ctx.state.folders.filter((f) => f.parentId === out[i].oid));
  return out;
}

/** Any JSON null in a folder payload is refused (the merge tool rewrites null to "" in every folder POST/PATCH). */
function noNulls(body: Record<string, unknown>): void {
  const key = Object.keys(body).find((k) => body[k] === null);
  if (key !== undefined) throw v1Error(400, `${key} must not be null (use "" or leave it out for the root folder).`);
}

/** A parentId: absent or "" = the root (null stored); otherwise an existing folder. */
function parentOf(ctx: RouteCtx, value: unknown): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || !ctx.state.folders.some((f) => f.oid === value)) throw v1Error(400, `Unknown parent folder ${String(value)}.`);
  return value;
}

/** Folders: flat or tree listing, create, rename / move / change owner, delete (recursive). */
export const folderRoutes: Route[] = [
  route('GET', '/api/v1/folders', (ctx) => {
    const name = q(ctx.query, 'name');
    const folders = visibleFolders(ctx).filter((f) => name === undefined || f.name === name);
    if (q(ctx.query, 'structure') === 'tree') return { status: 200, body: tree(ctx, folders, null) };
    return { status: 200, body: page(clone(folders), ctx.query) };
  }),
  route('GET', '/api/v1/folders/:id', (ctx) => ({ status: 200, body: clone(findFolder(ctx)) })),
  route('POST', '/api/v1/folders', (ctx) => {
    const body = bodyObject(ctx);
    noNulls(body);
    if (typeof body.name !== 'string' || !body.name.trim()) throw v1Error(400, 'name is required.');
    const parentId = parentOf(ctx, body.parentId);
    const t = ctx.clock.now();
    const folder: SimFolder = { _id: ctx.ids.hex24(), oid: ctx.ids.hex24(), name: body.name, owner: ctx.user._id, userId: ctx.user._id, parentId, created: t, lastUpdated: t, tenantId: ctx.state.tenant._id };
    ctx.state.folders.push(folder);
    return { status: 201, body: clone(folder) };
  }),
  route('PATCH', '/api/v1/folders/:id', (ctx) => {
    const folder = findFolder(ctx);
    const body = bodyObject(ctx);
    noNulls(body);
    if (body.name !== undefined) {
      if (typeof body.name !== 'string' || !body.name.trim()) throw v1Error(400, 'name must be a non-empty string.');
      folder.name = body.name;
    }
    if (body.parentId !== undefined) {
      const parentId = parentOf(ctx, body.parentId);
      if (parentId !== null && subtree(ctx, folder).some((f) => f.oid === parentId)) throw v1Error(400, 'A folder cannot move into itself.');
      folder.parentId = parentId;
    }
    if (body.owner !== undefined) {
      const owner = ctx.state.users.find((u) => u._id === body.owner);
      if (!owner) throw v1Error(400, `Unknown owner ${String(body.owner)}.`);
      if (!owner.active) throw v1Error(400, `User ${owner.email} is inactive and cannot own a folder.`);
      folder.owner = owner._id;
      folder.userId = owner._id;
    }
    folder.lastUpdated = ctx.clock.now();
    return { status: 200, body: clone(folder) };
  }),
  route('DELETE', '/api/v1/folders/:id', (ctx) => {
    const doomed = new Set(subtree(ctx, findFolder(ctx)).map((f) => f.oid));
    const dashboards = ctx.state.dashboards.filter((d) => doomed.has(d.parentFolder as string)).map((d) => d.oid);
    ctx.state.folders = ctx.state.folders.filter((f) => !doomed.has(f.oid));
    removeDashboards(ctx, dashboards);
    return { status: 204 };
  }),
];
