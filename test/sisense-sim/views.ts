import { v1Error } from './errors.js';
import { q, qCsv, type Query, type RouteCtx } from './router.js';
import type { JsonObject, SimDashboard, SimGroup, SimShare, SimState, SimUser } from './sim.types.js';

/** Deep copy through JSON: answers never alias state. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** JSON with object keys sorted at every level: equal states give equal strings. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 1);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** skip/limit paging as Sisense does it: no total, a short page means the end. */
export function page<T>(items: T[], query: Query): T[] {
  const skip = Math.max(0, Number.parseInt(q(query, 'skip') ?? '0', 10) || 0);
  const limitRaw = q(query, 'limit');
  const limit = limitRaw === undefined ? undefined : Math.max(0, Number.parseInt(limitRaw, 10) || 0);
  return items.slice(skip, limit === undefined || limit === 0 ? undefined : skip + limit);
}

/** `fields=a,b` (one parameter, comma-separated; repeated → 400 like dashboardIds): keep only those top-level fields (ids always kept, as Sisense does); `fields=-a,-b` drops them. */
export function project<T extends object>(item: T, query: Query, keep: string[] = ['_id', 'oid']): Partial<T> {
  const fields = qCsv(query, 'fields');
  if (!fields.length) return item;
  if (fields.every((f) => f.startsWith('-'))) {
    const out = { ...item } as Record<string, unknown>;
    for (const f of fields) delete out[f.slice(1)];
    return out as Partial<T>;
  }
  const out: Record<string, unknown> = {};
  for (const k of [...keep, ...fields]) if (k in item) out[k] = (item as Record<string, unknown>)[k];
  return out as Partial<T>;
}

export function roleOf(state: SimState, user: SimUser): string {
  return state.roles.find((r) => r._id === user.roleId)?.name ?? 'consumer';
}

export const ADMIN_ROLES = new Set(['super', 'admin']);

export function requireAdmin(ctx: RouteCtx): void {
  if (!ADMIN_ROLES.has(ctx.role)) throw v1Error(403, 'This action requires an administrator.');
}

/** The groups a user is in, the implicit Everyone / All users in system included. */
export function groupsOf(state: SimState, user: SimUser): SimGroup[] {
  const implicit = new Set(['Everyone', 'All users in system']);
  return state.groups.filter((g) => user.groups.includes(g._id) || implicit.has(g.name));
}

/** A user as GET /api/v1/users shows it; `expand=groups,role` turns ids into {_id, name} objects. */
export function userView(state: SimState, user: SimUser, query: Query): JsonObject {
  const view: JsonObject = clone(user) as unknown as JsonObject;
  const expand = qCsv(query, 'expand');
  if (expand.includes('role')) {
    const role = state.roles.find((r) => r._id === user.roleId);
    view.role = role ? { _id: role._id, name: role.name, displayName: role.displayName } : null;
  }
  if (expand.includes('groups')) {
    view.groups = user.groups.map((id) => state.groups.find((g) => g._id === id)).filter((g): g is SimGroup => !!g).map((g) => ({ _id: g._id, name: g.name }));
  }
  return project(view, query) as JsonObject;
}

export function groupView(group: SimGroup): JsonObject {
  const { isSystem: _isSystem, ...rest } = group;
  return clone(rest) as unknown as JsonObject;
}

/** The dashboard's current (draft) share list: what the owner edits; recipients see `publishedShares`. */
export function shares(dashboard: SimDashboard): SimShare[] {
  return (dashboard.shares as unknown as SimShare[] | undefined) ?? [];
}

/** The share list as of the dashboard's last publish (what recipients get). */
export function publishedSharesOf(state: SimState, dashboard: SimDashboard): SimShare[] {
  return state.publishedShares[dashboard.oid] ?? [];
}

/** Publishes a dashboard: the current share list becomes the one recipients see. */
export function publish(state: SimState, dashboard: SimDashboard, at: string): void {
  state.published[dashboard.oid] = at;
  state.publishedShares[dashboard.oid] = clone(shares(dashboard));
}

function recipientShare(state: SimState, user: SimUser, dashboard: SimDashboard): SimShare | undefined {
  if (!user.active) return undefined;
  const groupIds = new Set(groupsOf(state, user).map((g) => g._id));
  return publishedSharesOf(state, dashboard).find((s) => s.shareId !== dashboard.owner && (s.type === 'user' ? s.shareId === user._id : groupIds.has(s.shareId)));
}

/** Owned, or published to the (active) user or one of their groups. Shares not yet published do not count. */
export function canSee(state: SimState, user: SimUser, dashboard: SimDashboard): boolean {
  if (dashboard.owner === user._id) return true;
  return recipientShare(state, user, dashboard) !== undefined;
}

/** Owned, or published to the user with an edit / co-owner rule. */
export function canEdit(state: SimState, user: SimUser, dashboard: SimDashboard): boolean {
  if (dashboard.owner === user._id) return true;
  if (!user.active) return false;
  const groupIds = new Set(groupsOf(state, user).map((g) => g._id));
  return publishedSharesOf(state, dashboard).some(
    (s) => (s.rule === 'edit' || s.rule === 'co-owner') && (s.type === 'user' ? s.shareId === user._id : groupIds.has(s.shareId)),
  );
}

export function bodyObject(ctx: RouteCtx): Record<string, unknown> {
  if (!ctx.body || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) throw v1Error(400, 'The request body must be a JSON object.');
  return ctx.body as Record<string, unknown>;
}

export function bodyArray(ctx: RouteCtx): unknown[] {
  if (!Array.isArray(ctx.body)) throw v1Error(400, 'The request body must be a JSON array.');
  return ctx.body;
}
