import { bareError, v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimDashboard, SimShare } from '../sim.types.js';
import { bodyObject, canEdit, canSee, clone, page, project, requireAdmin, shares } from '../views.js';

/**
 * A dashboard by path id: 422 with an empty body for a malformed id (a real quirk), 404 when unknown, 403 when
 * the token's user can neither see it nor use adminAccess=true.
 */
export function findDashboard(ctx: RouteCtx, mode: 'see' | 'edit' = 'see'): SimDashboard {
  const id = ctx.params.id;
  if (!HEX24.test(id)) throw bareError(422);
  const dashboard = ctx.state.dashboards.find((d) => d.oid === id);
  if (!dashboard) throw v1Error(404, `Dashboard ${id} not found.`);
  const allowed = mode === 'see' ? canSee(ctx.state, ctx.user, dashboard) : canEdit(ctx.state, ctx.user, dashboard);
  if (!allowed && !ctx.adminAccess) throw v1Error(403, `No ${mode === 'see' ? 'read' : 'edit'} access to dashboard ${id}.`);
  return dashboard;
}

export function dashboardView(d: SimDashboard, ctx: RouteCtx): JsonObject {
  return project(clone(d), ctx.query) as JsonObject;
}

function byTitleAndFolder(ctx: RouteCtx, list: SimDashboard[]): SimDashboard[] {
  const name = q(ctx.query, 'name');
  const folder = q(ctx.query, 'parentFolder');
  const id = q(ctx.query, 'id');
  return list.filter((d) => (name === undefined || d.title === name) && (folder === undefined || d.parentFolder === folder) && (id === undefined || d.oid === id));
}

/** Dashboards: listings, one dashboard, its widgets, rename/move, delete, publish, change owner. */
export const dashboardRoutes: Route[] = [
  route('GET', '/api/v1/dashboards', (ctx) => {
    const visible = ctx.state.dashboards.filter((d) => canSee(ctx.state, ctx.user, d));
    return { status: 200, body: page(byTitleAndFolder(ctx, visible), ctx.query).map((d) => dashboardView(d, ctx)) };
  }),
  route('GET', '/api/v1/dashboards/admin', (ctx) => {
    requireAdmin(ctx);
    const type = q(ctx.query, 'dashboardType') ?? 'owner';
    if (type !== 'owner') return { status: 200, body: [] };
    return { status: 200, body: page(byTitleAndFolder(ctx, ctx.state.dashboards), ctx.query).map((d) => dashboardView(d, ctx)) };
  }),
  route('GET', '/api/v1/dashboards/:id', (ctx) => ({ status: 200, body: dashboardView(findDashboard(ctx), ctx) })),
  route('GET', '/api/v1/dashboards/:id/widgets', (ctx) => {
    const d = findDashboard(ctx);
    return { status: 200, body: page(clone(ctx.state.widgets[d.oid] ?? []), ctx.query) };
  }),
  route('GET', '/api/v1/dashboards/:id/widgets/:wid', (ctx) => {
    const d = findDashboard(ctx);
    const widget = (ctx.state.widgets[d.oid] ?? []).find((w) => w.oid === ctx.params.wid);
    if (!widget) throw v1Error(404, `Widget ${ctx.params.wid} not found.`);
    return { status: 200, body: clone(widget) };
  }),
  route('PATCH', '/api/v1/dashboards/:id', patchDashboard),
  route('PATCH', '/api/dashboards/:id', patchDashboard),
  route('DELETE', '/api/v1/dashboards/:id', (ctx) => {
    const d = findDashboard(ctx, 'edit');
    if (d.owner !== ctx.user._id && !ctx.adminAccess) throw v1Error(403, 'Only the owner can delete a dashboard.');
    ctx.state.dashboards = ctx.state.dashboards.filter((x) => x !== d);
    delete ctx.state.widgets[d.oid];
    delete ctx.state.published[d.oid];
    return { status: 204 };
  }),
  route('POST', '/api/v1/dashboards/:id/publish', (ctx) => {
    const d = findDashboard(ctx, 'edit');
    if (d.owner !== ctx.user._id && !ctx.adminAccess) throw v1Error(403, 'Only the owner can publish a dashboard.');
    ctx.state.published[d.oid] = ctx.clock.now();
    return { status: 204 };
  }),
  route('POST', '/api/v1/dashboards/:id/change_owner', (ctx) => {
    const d = findDashboard(ctx, 'edit');
    if (d.owner !== ctx.user._id && !ctx.adminAccess) throw v1Error(403, 'Only the owner or an administrator (adminAccess=true) can change the owner.');
    const body = bodyObject(ctx);
    const newOwner = ctx.state.users.find((u) => u._id === body.ownerId);
    if (!newOwner) throw v1Error(400, `Unknown ownerId ${String(body.ownerId)}.`);
    const rule = body.originalOwnerRule === 'view' ? 'view' : 'edit';
    changeOwner(ctx, d, newOwner._id, rule);
    return { status: 200 };
  }),
];

function patchDashboard(ctx: RouteCtx) {
  const d = findDashboard(ctx, 'edit');
  const patch = bodyObject(ctx);
  if (patch.title !== undefined) {
    if (typeof patch.title !== 'string' || !patch.title.trim()) throw v1Error(400, 'title must be a non-empty string.');
    d.title = patch.title;
  }
  if (typeof patch.desc === 'string') d.desc = patch.desc;
  if (patch.parentFolder !== undefined) {
    if (patch.parentFolder === null) delete d.parentFolder;
    else if (!ctx.state.folders.some((f) => f.oid === patch.parentFolder)) throw v1Error(400, `Unknown folder ${String(patch.parentFolder)}.`);
    else d.parentFolder = patch.parentFolder as string;
  }
  d.lastUpdated = ctx.clock.now();
  return { status: 200, body: clone(d) };
}

/** The new owner's share becomes the owner entry (no rule); the old owner keeps `originalOwnerRule`. */
export function changeOwner(ctx: RouteCtx, d: SimDashboard, ownerId: string, originalOwnerRule: 'view' | 'edit'): void {
  const previous = d.owner;
  if (previous === ownerId) return;
  const rest = (shares(d) as SimShare[]).filter((s) => s.shareId !== ownerId && s.shareId !== previous);
  d.shares = [{ shareId: ownerId, type: 'user' }, { shareId: previous, type: 'user', rule: originalOwnerRule, subscribe: false }, ...rest] as unknown as JsonObject[];
  d.owner = ownerId;
  d.userId = ownerId;
  d.lastUpdated = ctx.clock.now();
  for (const w of ctx.state.widgets[d.oid] ?? []) {
    w.owner = ownerId;
    w.userId = ownerId;
  }
}
