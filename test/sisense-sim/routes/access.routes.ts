import { SimError, v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, route, type Route, type RouteCtx } from '../router.js';
import type { SimGroup, SimUser } from '../sim.types.js';
import { bodyArray, bodyObject, groupView, page, project, requireAdmin, userView } from '../views.js';

/** Users, groups, roles and the token's own user. */
export const accessRoutes: Route[] = [
  route('GET', '/api/users/loggedin', (ctx) => ({ status: 200, body: { ...userView(ctx.state, ctx.user, {}), roleName: ctx.role } })),
  route('GET', '/api/roles', (ctx) => ({ status: 200, body: ctx.state.roles.map((r) => ({ ...r })) })),

  route('GET', '/api/v1/tenants', (ctx) => {
    requireAdmin(ctx);
    return { status: 200, body: ctx.state.tenants.map((t) => ({ ...t })) };
  }),
  // The system administrator's listing holds every tenant's users (pysisense filters to the system tenant itself).
  route('GET', '/api/v1/users', (ctx) => {
    const email = q(ctx.query, 'email');
    const userName = q(ctx.query, 'userName');
    const groupId = q(ctx.query, 'groupId');
    const active = q(ctx.query, 'active');
    const users = ctx.state.users.filter(
      (u) =>
        (email === undefined || u.email === email) &&
        (userName === undefined || u.userName === userName) &&
        (groupId === undefined || u.groups.includes(groupId)) &&
        (active === undefined || String(u.active) === active),
    );
    return { status: 200, body: page(users, ctx.query).map((u) => userView(ctx.state, u, ctx.query)) };
  }),
  route('POST', '/api/v1/users/bulk', (ctx) => {
    requireAdmin(ctx);
    const specs = bodyArray(ctx);
    const created = specs.map((s) => newUser(ctx, asObject(s)));
    unique(created.map((u) => u.email), 'email');
    ctx.state.users.push(...created);
    return { status: 201, body: created.map((u) => userView(ctx.state, u, {})) };
  }),
  route('GET', '/api/v1/users/:id', (ctx) => ({ status: 200, body: userView(ctx.state, findUser(ctx), ctx.query) })),
  route('POST', '/api/v1/users', (ctx) => {
    requireAdmin(ctx);
    const user = newUser(ctx, bodyObject(ctx));
    ctx.state.users.push(user);
    return { status: 201, body: userView(ctx.state, user, {}) };
  }),
  route('PATCH', '/api/v1/users/:id', (ctx) => {
    requireAdmin(ctx);
    const user = findUser(ctx);
    const patch = bodyObject(ctx);
    if (typeof patch.email === 'string' && patch.email !== user.email && ctx.state.users.some((u) => u.email === patch.email)) throw v1Error(400, `A user with email ${patch.email} already exists.`);
    for (const key of ['email', 'userName', 'firstName', 'lastName'] as const) if (typeof patch[key] === 'string') user[key] = patch[key] as string;
    if (patch.active !== undefined) user.active = activeFlag(patch.active);
    if (patch.roleId !== undefined) user.roleId = roleId(ctx, patch.roleId);
    if (patch.groups !== undefined) user.groups = groupIds(ctx, patch.groups);
    user.lastUpdated = ctx.clock.now();
    return { status: 200, body: userView(ctx.state, user, {}) };
  }),
  route('DELETE', '/api/v1/users/:id', (ctx) => {
    requireAdmin(ctx);
    const user = findUser(ctx);
    if (user._id === ctx.user._id) throw v1Error(400, 'A user cannot delete themselves.');
    deleteUser(ctx, user);
    return { status: 204 };
  }),

  route('GET', '/api/v1/groups', (ctx) => {
    const name = q(ctx.query, 'name');
    const groups = ctx.state.groups.filter((g) => name === undefined || g.name === name);
    return { status: 200, body: page(groups, ctx.query).map((g) => project(groupView(g), ctx.query)) };
  }),
  route('POST', '/api/v1/groups/bulk', (ctx) => {
    requireAdmin(ctx);
    const specs = bodyArray(ctx).map(asObject);
    // An existing name fails the whole call, naming them in error.moreInfo.existingGroups (pysisense reads it).
    const existing = specs.map((s) => s.name).filter((n): n is string => typeof n === 'string' && ctx.state.groups.some((g) => g.name === n));
    if (existing.length) {
      throw new SimError(400, { error: { code: 400, message: `Groups already exist: ${existing.join(', ')}.`, status: 400, httpMessage: 'Bad Request', moreInfo: { existingGroups: existing } } });
    }
    const created = specs.map((s) => newGroup(ctx, s));
    unique(created.map((g) => g.name), 'name');
    ctx.state.groups.push(...created);
    return { status: 201, body: created.map(groupView) };
  }),
  // Group members: GET /api/v1/users?groupId= (v1) or this v0.9 route. GET /api/v1/groups/{id}/users is not a
  // documented route and answers 404 (no route).
  route('GET', '/api/groups/:id/users', (ctx) => {
    const group = findGroup(ctx);
    return { status: 200, body: page(ctx.state.users.filter((u) => u.groups.includes(group._id)), ctx.query).map((u) => userView(ctx.state, u, ctx.query)) };
  }),
  route('GET', '/api/groups/:id', (ctx) => {
    const group = ctx.state.groups.find((g) => g._id === ctx.params.id || g.name === ctx.params.id);
    if (!group) throw v1Error(404, `Group ${ctx.params.id} not found.`);
    return { status: 200, body: groupView(group) };
  }),
  route('POST', '/api/v1/groups', (ctx) => {
    requireAdmin(ctx);
    const group = newGroup(ctx, bodyObject(ctx));
    ctx.state.groups.push(group);
    return { status: 201, body: groupView(group) };
  }),
  // v0.9 only (api.md §1.8: `GET /api/groups/{idOrName}` H, `DELETE /api/groups/{id}` M). No reference shows
  // `GET`/`DELETE /api/v1/groups/{id}`: they are not routes here (404), so a client guessing them fails loudly.
  route('DELETE', '/api/groups/:id', (ctx) => {
    requireAdmin(ctx);
    const group = findGroup(ctx);
    if (group.isSystem) throw v1Error(400, `The system group ${group.name} cannot be deleted.`);
    ctx.state.groups = ctx.state.groups.filter((g) => g !== group);
    for (const u of ctx.state.users) u.groups = u.groups.filter((id) => id !== group._id);
    dropParty(ctx, group._id);
    return { status: 204 };
  }),
];

function asObject(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw v1Error(400, 'Each item must be a JSON object.');
  return v as Record<string, unknown>;
}

function unique(values: string[], what: string): void {
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw v1Error(400, `Duplicate ${what} ${dup} in the request.`);
}

function activeFlag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw v1Error(400, 'active must be true or false.');
  return value;
}

function findUser(ctx: RouteCtx): SimUser {
  const id = ctx.params.id;
  if (!HEX24.test(id)) throw v1Error(400, `Invalid user id ${id}.`);
  const user = ctx.state.users.find((u) => u._id === id);
  if (!user) throw v1Error(404, `User ${id} not found.`);
  return user;
}

function findGroup(ctx: RouteCtx): SimGroup {
  const group = ctx.state.groups.find((g) => g._id === ctx.params.id);
  if (!group) throw v1Error(404, `Group ${ctx.params.id} not found.`);
  return group;
}

function roleId(ctx: RouteCtx, value: unknown): string {
  const role = ctx.state.roles.find((r) => r._id === value);
  if (!role) throw v1Error(400, `Unknown roleId ${String(value)}.`);
  return role._id;
}

function groupIds(ctx: RouteCtx, value: unknown): string[] {
  if (!Array.isArray(value)) throw v1Error(400, 'groups must be an array of group ids.');
  return value.map((id) => {
    const group = ctx.state.groups.find((g) => g._id === id);
    if (!group) throw v1Error(400, `Unknown group id ${String(id)}.`);
    return group._id;
  });
}

function newUser(ctx: RouteCtx, spec: Record<string, unknown>): SimUser {
  const email = spec.email;
  if (typeof email !== 'string' || !email.includes('@')) throw v1Error(400, 'email is required.');
  if (ctx.state.users.some((u) => u.email === email)) throw v1Error(400, `A user with email ${email} already exists.`);
  const t = ctx.clock.now();
  return {
    _id: ctx.ids.hex24(),
    email,
    userName: typeof spec.userName === 'string' ? spec.userName : email,
    ...(typeof spec.firstName === 'string' ? { firstName: spec.firstName } : {}),
    lastName: typeof spec.lastName === 'string' ? spec.lastName : '',
    roleId: roleId(ctx, spec.roleId),
    groups: spec.groups === undefined ? [] : groupIds(ctx, spec.groups),
    active: spec.active === undefined ? true : activeFlag(spec.active),
    created: t,
    lastUpdated: t,
    lastLogin: null,
    tenantId: ctx.state.tenant._id,
    preferences: { localeId: 'en-US' },
  };
}

function newGroup(ctx: RouteCtx, spec: Record<string, unknown>): SimGroup {
  const name = spec.name;
  if (typeof name !== 'string' || !name.trim()) throw v1Error(400, 'name is required.');
  if (ctx.state.groups.some((g) => g.name === name)) throw v1Error(400, `A group named ${name} already exists.`);
  const t = ctx.clock.now();
  return { _id: ctx.ids.hex24(), name, created: t, lastUpdated: t, tenantId: ctx.state.tenant._id, defaultRole: null, isSystem: false };
}

/** Deleting a user deletes the dashboards they own (with their widgets) and removes them from every share. */
function deleteUser(ctx: RouteCtx, user: SimUser): void {
  const owned = new Set(ctx.state.dashboards.filter((d) => d.owner === user._id).map((d) => d.oid));
  ctx.state.dashboards = ctx.state.dashboards.filter((d) => !owned.has(d.oid));
  for (const oid of owned) {
    delete ctx.state.widgets[oid];
    delete ctx.state.published[oid];
    delete ctx.state.publishedShares[oid];
  }
  dropParty(ctx, user._id);
  ctx.state.users = ctx.state.users.filter((u) => u !== user);
  for (const token of Object.keys(ctx.state.tokens)) if (ctx.state.tokens[token] === user._id) delete ctx.state.tokens[token];
}

/** Removes a user or group from every dashboard share list, draft and published. */
function dropParty(ctx: RouteCtx, id: string): void {
  for (const d of ctx.state.dashboards) d.shares = (d.shares as Array<{ shareId: string }>).filter((s) => s.shareId !== id);
  for (const oid of Object.keys(ctx.state.publishedShares)) ctx.state.publishedShares[oid] = ctx.state.publishedShares[oid].filter((s) => s.shareId !== id);
}
