import { createHash } from 'node:crypto';
import { bareError, v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, qCsv, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimDashboard, SimShare, SimUser } from '../sim.types.js';
import { shareList } from './dashboard-transfer.routes.js';
import { ADMIN_ROLES, bodyObject, canEdit, canSee, clone, page, project, publish, requireAdmin, roleOf, shares } from '../views.js';

/**
 * A dashboard by path id: 422 with an empty body for a malformed id (a real quirk), 404 when unknown, 403 when
 * the token's user can neither see (edit) it nor use adminAccess=true.
 */
export function findDashboard(ctx: RouteCtx, mode: 'see' | 'edit' = 'see'): SimDashboard {
  const dashboard = dashboardById(ctx);
  const allowed = mode === 'see' ? canSee(ctx.state, ctx.user, dashboard) : canEdit(ctx.state, ctx.user, dashboard);
  if (!allowed && !ctx.adminAccess) throw v1Error(403, `No ${mode === 'see' ? 'read' : 'edit'} access to dashboard ${dashboard.oid}.`);
  return dashboard;
}

/** 422 (bare) for a malformed id, 404 for an unknown one; no access check. */
export function dashboardById(ctx: RouteCtx, id = ctx.params.id): SimDashboard {
  if (!HEX24.test(id)) throw bareError(422);
  const dashboard = ctx.state.dashboards.find((d) => d.oid === id);
  if (!dashboard) throw v1Error(404, `Dashboard ${id} not found.`);
  return dashboard;
}

/** Owner, or an administrator with adminAccess=true (publish, change_owner, shares, delete). */
function requireOwnerOrAdminAccess(ctx: RouteCtx, d: SimDashboard, what: string): void {
  if (d.owner === ctx.user._id) return;
  if (ctx.adminAccess) return;
  throw v1Error(403, `Only the owner, or an administrator with adminAccess=true, can ${what} dashboard ${d.oid}.`);
}

export function dashboardView(d: SimDashboard, ctx: RouteCtx): JsonObject {
  return project(clone(d), ctx.query) as JsonObject;
}

/** The documented listing filters: id, name, parentFolder, datasourceTitle, datasourceAddress. */
function filtered(ctx: RouteCtx, list: SimDashboard[]): SimDashboard[] {
  const name = q(ctx.query, 'name');
  const folder = q(ctx.query, 'parentFolder');
  const id = q(ctx.query, 'id');
  const dsTitle = q(ctx.query, 'datasourceTitle');
  const dsAddress = q(ctx.query, 'datasourceAddress');
  const ds = (d: SimDashboard) => (d.datasource ?? {}) as JsonObject;
  return list.filter(
    (d) =>
      (name === undefined || d.title === name) &&
      (folder === undefined || d.parentFolder === folder) &&
      (id === undefined || d.oid === id) &&
      (dsTitle === undefined || ds(d).title === dsTitle) &&
      (dsAddress === undefined || ds(d).address === dsAddress),
  );
}

/** A recipient's own instance of a dashboard (instanceType "user"): same oid, its own _id. */
function userInstance(d: SimDashboard, user: SimUser): SimDashboard {
  const _id = createHash('sha256').update(`${d.oid}/${user._id}`).digest('hex').slice(0, 24);
  return { ...clone(d), _id, userId: user._id, instanceType: 'user' };
}

/**
 * GET /api/v1/dashboards/admin: every dashboard, one row per instance. `dashboardType=owner` gives the owner
 * copies only; `user` the recipients' copies; without it both, so the same oid repeats (api.md §1.2).
 */
function adminRows(ctx: RouteCtx): SimDashboard[] {
  const type = q(ctx.query, 'dashboardType');
  const owners = filtered(ctx, ctx.state.dashboards);
  if (type === 'owner') return owners;
  if (type === 'proxy') return [];
  const users: SimDashboard[] = [];
  for (const d of owners) for (const u of ctx.state.users) if (u._id !== d.owner && canSee(ctx.state, u, d)) users.push(userInstance(d, u));
  return type === 'user' ? users : [...owners, ...users];
}

function withWidgets(ctx: RouteCtx, d: SimDashboard): JsonObject {
  return { ...dashboardView(d, ctx), widgets: clone(ctx.state.widgets[d.oid] ?? []) };
}

/** Dashboards: listings, one dashboard, its widgets, rename/move, delete, publish, owner, can_be_owned, shares list. */
export const dashboardRoutes: Route[] = [
  route('GET', '/api/v1/dashboards', (ctx) => {
    const visible = ctx.state.dashboards.filter((d) => canSee(ctx.state, ctx.user, d));
    return { status: 200, body: page(filtered(ctx, visible), ctx.query).map((d) => dashboardView(d, ctx)) };
  }),
  route('GET', '/api/v1/dashboards/admin', (ctx) => {
    requireAdmin(ctx);
    return { status: 200, body: page(adminRows(ctx), ctx.query).map((d) => dashboardView(d, ctx)) };
  }),
  route('POST', '/api/v1/dashboards/searches', (ctx) => {
    const body = bodyObject(ctx);
    const params = (body.queryParams ?? {}) as Record<string, unknown>;
    const options = (body.queryOptions ?? {}) as Record<string, unknown>;
    const all = params.ownershipType === 'allRoot' && ADMIN_ROLES.has(ctx.role);
    const search = typeof params.search === 'string' ? params.search.toLowerCase() : '';
    const list = ctx.state.dashboards.filter((d) => (all || canSee(ctx.state, ctx.user, d)) && d.title.toLowerCase().includes(search));
    const paged = page(list, { skip: String(options.skip ?? 0), ...(options.limit !== undefined ? { limit: String(options.limit) } : {}) });
    return { status: 200, body: { items: paged.map((d) => clone(d)) } };
  }),
  // DELETE /api/v1/dashboards/bulk?dashboardIds=a,b[&adminAccess=true] (PySense, playwright: 200): all or nothing.
  route('DELETE', '/api/v1/dashboards/bulk', (ctx) => {
    const ids = qCsv(ctx.query, 'dashboardIds');
    if (!ids.length) throw v1Error(400, 'dashboardIds is required (comma-separated dashboard oids).');
    const doomed = ids.map((id) => dashboardById(ctx, id));
    for (const d of doomed) requireOwnerOrAdminAccess(ctx, d, 'delete');
    removeDashboards(ctx, doomed.map((d) => d.oid));
    return { status: 200 };
  }),
  route('GET', '/api/v1/dashboards/:id', (ctx) => ({ status: 200, body: dashboardView(findDashboard(ctx), ctx) })),
  // v0.9: the dashboard with its widgets inline (the well-check reads this one).
  route('GET', '/api/dashboards/:id', (ctx) => ({ status: 200, body: withWidgets(ctx, findDashboard(ctx)) })),
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
  route('GET', '/api/v1/dashboards/:id/shares', (ctx) => ({ status: 200, body: clone(shares(findDashboard(ctx))) })),
  route('PATCH', '/api/v1/dashboards/:id', (ctx) => patchDashboard(ctx, findDashboard(ctx, 'edit'))),
  // v0.9 writes: only the owner; anyone else (an administrator too) gets 404 (api.md §1.5, §4 #5).
  route('PATCH', '/api/dashboards/:id', (ctx) => patchDashboard(ctx, ownedOr404(ctx))),
  route('PUT', '/api/dashboards/:id', (ctx) => patchDashboard(ctx, ownedOr404(ctx))),
  route('DELETE', '/api/v1/dashboards/:id', (ctx) => deleteDashboard(ctx)),
  route('DELETE', '/api/dashboards/:id', (ctx) => deleteDashboard(ctx)),
  route('POST', '/api/v1/dashboards/:id/publish', (ctx) => {
    const d = dashboardById(ctx);
    requireOwnerOrAdminAccess(ctx, d, 'publish');
    publish(ctx.state, d, ctx.clock.now());
    return { status: 204 };
  }),
  route('GET', '/api/v1/dashboards/:id/can_be_owned', (ctx) => {
    dashboardById(ctx);
    // ?email= names the candidate (merge tool); without it, the caller (pysisense sends no email).
    const email = q(ctx.query, 'email') ?? ctx.user.email;
    const user = ctx.state.users.find((u) => u.email === email);
    return { status: 200, body: ownability(ctx, user, email) };
  }),
  route('POST', '/api/v1/dashboards/:id/change_owner', (ctx) => {
    const d = dashboardById(ctx);
    requireOwnerOrAdminAccess(ctx, d, 'change the owner of');
    const body = bodyObject(ctx);
    if (typeof body.ownerId !== 'string' || !HEX24.test(body.ownerId)) throw v1Error(400, 'ownerId (the new owner\'s user id) is required.');
    if (body.originalOwnerRule !== 'edit' && body.originalOwnerRule !== 'view') throw v1Error(400, 'originalOwnerRule must be "edit" or "view".');
    const newOwner = ctx.state.users.find((u) => u._id === body.ownerId);
    if (!newOwner) throw v1Error(404, `User ${body.ownerId} not found.`);
    const verdict = ownability(ctx, newOwner, newOwner.email);
    if (!verdict.canBeOwned) throw v1Error(400, verdict.reasonMessage);
    changeOwner(ctx, d, newOwner._id, body.originalOwnerRule);
    return { status: 200 };
  }),
];

/** Who may own a dashboard: an active user of this tenant whose role is not a viewer. */
function ownability(ctx: RouteCtx, user: SimUser | undefined, email: string): { canBeOwned: boolean; reasonMessage: string } {
  if (!user) return { canBeOwned: false, reasonMessage: `No user with email ${email}.` };
  if (!user.active) return { canBeOwned: false, reasonMessage: `User ${email} is inactive.` };
  if (user.tenantId !== ctx.state.tenant._id) return { canBeOwned: false, reasonMessage: `User ${email} belongs to another tenant.` };
  if (roleOf(ctx.state, user) === 'consumer') return { canBeOwned: false, reasonMessage: `User ${email} is a viewer and cannot own dashboards.` };
  return { canBeOwned: true, reasonMessage: '' };
}

function ownedOr404(ctx: RouteCtx): SimDashboard {
  const d = dashboardById(ctx);
  if (d.owner !== ctx.user._id) throw v1Error(404, `Dashboard ${d.oid} not found for this user (only the owner can write it).`);
  return d;
}

function deleteDashboard(ctx: RouteCtx) {
  const d = dashboardById(ctx);
  requireOwnerOrAdminAccess(ctx, d, 'delete');
  removeDashboards(ctx, [d.oid]);
  return { status: 200 };
}

export function removeDashboards(ctx: RouteCtx, oids: string[]): void {
  const doomed = new Set(oids);
  ctx.state.dashboards = ctx.state.dashboards.filter((x) => !doomed.has(x.oid));
  for (const oid of doomed) {
    delete ctx.state.widgets[oid];
    delete ctx.state.published[oid];
    delete ctx.state.publishedShares[oid];
  }
}

function patchDashboard(ctx: RouteCtx, d: SimDashboard) {
  const patch = bodyObject(ctx);
  if (patch.title !== undefined) {
    if (typeof patch.title !== 'string' || !patch.title.trim()) throw v1Error(400, 'title must be a non-empty string.');
    d.title = patch.title;
  }
  if (typeof patch.desc === 'string') d.desc = patch.desc;
  if (typeof patch.script === 'string') d.script = patch.script;
  if (patch.shares !== undefined) {
    // KB 9290: "updating the shares object … will override it" — same rules as the shares POST; publish to show it.
    if (!Array.isArray(patch.shares)) throw v1Error(400, 'shares must be an array.');
    if (d.owner !== ctx.user._id && !ctx.adminAccess) throw v1Error(403, `Only the owner, or an administrator with adminAccess=true, can share dashboard ${d.oid}.`);
    d.shares = shareList(ctx, d, patch.shares) as unknown as JsonObject[];
  }
  if (patch.parentFolder !== undefined) {
    if (patch.parentFolder === null || patch.parentFolder === '') delete d.parentFolder;
    else if (!ctx.state.folders.some((f) => f.oid === patch.parentFolder)) throw v1Error(400, `Unknown folder ${String(patch.parentFolder)}.`);
    else d.parentFolder = patch.parentFolder as string;
  }
  d.lastUpdated = ctx.clock.now();
  return { status: 200, body: clone(d) };
}

/**
 * The new owner's share becomes the owner entry (no rule); the old owner keeps `originalOwnerRule`. Ownership is
 * immediate (the owner sees their dashboards); the old owner's access is part of the published list at once.
 */
export function changeOwner(ctx: RouteCtx, d: SimDashboard, ownerId: string, originalOwnerRule: 'view' | 'edit'): void {
  const previous = d.owner;
  if (previous === ownerId) return;
  const rest = shares(d).filter((s) => s.shareId !== ownerId && s.shareId !== previous);
  const oldOwner: SimShare = { shareId: previous, type: 'user', rule: originalOwnerRule, subscribe: false };
  d.shares = [{ shareId: ownerId, type: 'user' }, oldOwner, ...rest] as unknown as JsonObject[];
  d.owner = ownerId;
  d.userId = ownerId;
  d.lastUpdated = ctx.clock.now();
  const live = ctx.state.publishedShares[d.oid];
  if (live) ctx.state.publishedShares[d.oid] = [{ shareId: ownerId, type: 'user' }, oldOwner, ...live.filter((s) => s.shareId !== ownerId && s.shareId !== previous)];
  for (const w of ctx.state.widgets[d.oid] ?? []) {
    w.owner = ownerId;
    w.userId = ownerId;
  }
}
