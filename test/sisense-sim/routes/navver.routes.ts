import { route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimFolder } from '../sim.types.js';
import { ADMIN_ROLES, canSee } from '../views.js';

/**
 * `GET /api/v1/navver`: the left-navigation tree, `{folders: [{oid, name, owner, parentId, folders: […], dashboards:
 * [{oid, title}]}]}` (api.md §1.10, pysisense ownership.py — M). Dashboards at the root are listed under `dashboards`
 * at the top. The caller sees the folders it owns or that hold a dashboard it can see (administrators: all).
 */
function node(ctx: RouteCtx, folders: SimFolder[], f: SimFolder): JsonObject {
  return {
    oid: f.oid,
    name: f.name,
    owner: f.owner,
    parentId: f.parentId,
    folders: folders.filter((c) => c.parentId === f.oid).map((c) => node(ctx, folders, c)),
    dashboards: ctx.state.dashboards.filter((d) => d.parentFolder === f.oid && canSee(ctx.state, ctx.user, d)).map((d) => ({ oid: d.oid, title: d.title })),
  };
}

export const navverRoutes: Route[] = [
  route('GET', '/api/v1/navver', (ctx) => {
    const admin = ADMIN_ROLES.has(ctx.role);
    const withVisible = new Set(ctx.state.dashboards.filter((d) => canSee(ctx.state, ctx.user, d)).map((d) => d.parentFolder));
    const folders = ctx.state.folders.filter((f) => admin || f.owner === ctx.user._id || withVisible.has(f.oid));
    const known = new Set(folders.map((f) => f.oid));
    return {
      status: 200,
      body: {
        folders: folders.filter((f) => !f.parentId || !known.has(f.parentId)).map((f) => node(ctx, folders, f)),
        dashboards: ctx.state.dashboards.filter((d) => (!d.parentFolder || !ctx.state.folders.some((f) => f.oid === d.parentFolder)) && canSee(ctx.state, ctx.user, d)).map((d) => ({ oid: d.oid, title: d.title })),
      },
    };
  }),
];
