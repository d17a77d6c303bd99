import { v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, qCsv, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimDashboard, SimShare } from '../sim.types.js';
import { bodyArray, bodyObject, canSee, clone, publish, shares } from '../views.js';
import { dashboardById, findDashboard, removeDashboards } from './dashboards.routes.js';

/** Fields a dashboard export leaves out: identity in this deployment and sharing (api.md §1.3: no owner/shares). */
const NOT_EXPORTED = ['_id', 'shares', 'owner', 'userId', 'tenantId', 'lastOpened', 'instanceType', 'created', 'lastUpdated'];
const WIDGET_NOT_EXPORTED = ['_id', 'userId', 'owner', 'instanceType'];
const RULES = new Set(['view', 'edit', 'co-owner']);
const ACTIONS = new Set(['skip', 'overwrite', 'duplicate']);

/** Shares (full replacement on POST, publish to make them visible), export (v1 array, v0.9 object), bulk import. */
export const dashboardTransferRoutes: Route[] = [
  route('GET', '/api/shares/dashboard/:id', (ctx) => ({ status: 200, body: sharesView(ctx, findDashboard(ctx)) })),
  route('POST', '/api/shares/dashboard/:id', (ctx) => {
    const d = dashboardById(ctx);
    if (d.owner !== ctx.user._id && !ctx.adminAccess) throw v1Error(403, `Only the owner, or an administrator with adminAccess=true, can share dashboard ${d.oid}.`);
    const list = bodyObject(ctx).sharesTo;
    if (!Array.isArray(list)) throw v1Error(400, 'sharesTo must be an array.');
    const next = shareList(ctx, d, list);
    d.shares = next as unknown as JsonObject[];
    d.lastUpdated = ctx.clock.now();
    return { status: 200, body: sharesView(ctx, d) };
  }),

  route('GET', '/api/v1/dashboards/export', (ctx) => {
    const ids = qCsv(ctx.query, 'dashboardIds');
    if (!ids.length) throw v1Error(400, 'dashboardIds is required (comma-separated dashboard oids).');
    const out = ids.map((id) => {
      if (!HEX24.test(id)) throw v1Error(400, `Invalid dashboard id ${id}.`);
      const d = ctx.state.dashboards.find((x) => x.oid === id);
      if (!d) throw v1Error(404, `Dashboard ${id} not found.`);
      if (!canSee(ctx.state, ctx.user, d) && !ctx.adminAccess) throw v1Error(403, `No access to dashboard ${id} (an administrator needs adminAccess=true).`);
      return exportDashboard(ctx, d);
    });
    return { status: 200, body: out };
  }),
  route('GET', '/api/dashboards/:id/export', (ctx) => ({ status: 200, body: exportDashboard(ctx, findDashboard(ctx)) })),

  route('POST', '/api/v1/dashboards/import/bulk', (ctx) => {
    const action = q(ctx.query, 'action') ?? 'skip';
    if (!ACTIONS.has(action)) throw v1Error(400, `Unknown action ${action} (skip, overwrite or duplicate).`);
    const republishRaw = q(ctx.query, 'republish');
    if (republishRaw !== undefined && republishRaw !== 'true' && republishRaw !== 'false') throw v1Error(400, `republish must be true or false, not ${republishRaw}.`);
    const items = bodyArray(ctx);
    const nullPreview = items.find((i) => i && typeof i === 'object' && 'previewLayout' in i && (i as JsonObject).previewLayout === null);
    if (nullPreview) throw v1Error(400, `Import failed: previewLayout is null in dashboard "${String((nullPreview as JsonObject).title)}".`);
    const result: { succeded: JsonObject[]; skipped: JsonObject[]; failed: Record<string, JsonObject[]> } = { succeded: [], skipped: [], failed: {} };
    for (const raw of items) {
      const item = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as JsonObject) : {};
      const problem = validate(item);
      if (problem) {
        (result.failed.validation ??= []).push({ oid: typeof item.oid === 'string' ? item.oid : null, title: typeof item.title === 'string' ? item.title : null, error: { message: problem } });
        continue;
      }
      const existing = ctx.state.dashboards.find((d) => d.oid === item.oid);
      if (existing && action === 'skip') {
        result.skipped.push({ oid: existing.oid, title: item.title as string });
        continue;
      }
      if (existing && action === 'overwrite') removeDashboards(ctx, [existing.oid]);
      const imported = importOne(ctx, item, !!existing && action === 'duplicate');
      if (republishRaw === 'true') publish(ctx.state, imported, ctx.clock.now());
      result.succeded.push({ oid: imported.oid, title: imported.title, owner: imported.owner, shares: clone(imported.shares) });
    }
    return { status: 201, body: result };
  }),
];

/**
 * The share list a write leaves (POST /api/shares/dashboard sharesTo, or PATCH /api/v1/dashboards shares): the
 * owner entry first, each user/group once (a repeat fails the whole write, 400), rules view|edit|co-owner, shares
 * for inactive users silently dropped (api.md §1.6, §4 #2/#3).
 */
export function shareList(ctx: RouteCtx, d: SimDashboard, list: unknown[]): SimShare[] {
  const next: SimShare[] = [{ shareId: d.owner, type: 'user' }];
  const seen = new Set<string>();
  for (const raw of list as Array<Record<string, unknown>>) {
    const { shareId, type, rule } = raw ?? {};
    if (typeof shareId !== 'string' || (type !== 'user' && type !== 'group')) throw v1Error(400, 'Each share needs shareId and type "user" or "group".');
    if (seen.has(shareId)) throw v1Error(400, `${type} ${shareId} appears more than once in the shares: the share failed.`);
    seen.add(shareId);
    if (shareId === d.owner) continue;
    if (rule !== undefined && !RULES.has(rule as string)) throw v1Error(400, `Unknown rule ${String(rule)} (view, edit or co-owner).`);
    if (type === 'user') {
      const user = ctx.state.users.find((u) => u._id === shareId);
      if (!user) throw v1Error(400, `Unknown user ${shareId} in the shares.`);
      if (!user.active) continue; // accepted and silently dropped
    } else if (!ctx.state.groups.some((g) => g._id === shareId)) throw v1Error(400, `Unknown group ${shareId} in the shares.`);
    next.push({ shareId, type, rule: (rule as SimShare['rule']) ?? 'view', subscribe: raw.subscribe === true });
  }
  return next;
}

function sharesView(ctx: RouteCtx, d: SimDashboard): JsonObject {
  const owner = ctx.state.users.find((u) => u._id === d.owner);
  const sharesTo = shares(d).map((s) => {
    if (s.type === 'group') return { ...s, name: ctx.state.groups.find((g) => g._id === s.shareId)?.name ?? null };
    const u = ctx.state.users.find((x) => x._id === s.shareId);
    return { ...s, userName: u?.userName ?? null, email: u?.email ?? null };
  });
  return clone({
    sharesTo,
    owner: owner ? { _id: owner._id, userName: owner.userName, email: owner.email, firstName: owner.firstName ?? null, lastName: owner.lastName } : null,
  }) as JsonObject;
}

/** The importable JSON of a dashboard: no owner, shares or instance ids; `parentFolder` (this server's oid) kept. */
export function exportDashboard(ctx: RouteCtx, d: SimDashboard): JsonObject {
  const out = clone(d) as JsonObject;
  for (const k of NOT_EXPORTED) delete out[k];
  out.widgets = clone(ctx.state.widgets[d.oid] ?? []).map((w) => {
    for (const k of WIDGET_NOT_EXPORTED) delete w[k];
    return w;
  });
  return out;
}

function validate(item: JsonObject): string | undefined {
  if (typeof item.oid !== 'string' || !HEX24.test(item.oid)) return 'The dashboard has no valid oid.';
  if (typeof item.title !== 'string' || !item.title.trim()) return 'The dashboard has no title.';
  if (item.widgets !== undefined && !Array.isArray(item.widgets)) return 'widgets must be an array.';
  if (!item.datasource || typeof item.datasource !== 'object') return 'The dashboard has no datasource.';
  return undefined;
}

/**
 * Imports one exported dashboard, owned by the importing user with only the owner's share (the payload's shares are
 * not applied). It stays in its `parentFolder` only when that folder exists here, else it lands at the root; a
 * `duplicate` copy gets new oids and lands at the root.
 */
function importOne(ctx: RouteCtx, item: JsonObject, duplicate: boolean): SimDashboard {
  const t = ctx.clock.now();
  const oid = duplicate ? ctx.ids.hex24() : (item.oid as string);
  const me = ctx.user._id;
  const { widgets: rawWidgets, ...fields } = clone(item);
  const dashboard = {
    ...fields,
    _id: ctx.ids.hex24(),
    oid,
    title: item.title as string,
    shares: [{ shareId: me, type: 'user' }],
    owner: me,
    userId: me,
    tenantId: ctx.state.tenant._id,
    instanceType: 'owner',
    created: t,
    lastUpdated: t,
    lastOpened: null,
  } as SimDashboard;
  const folder = typeof item.parentFolder === 'string' ? item.parentFolder : undefined;
  if (duplicate || !folder || !ctx.state.folders.some((f) => f.oid === folder)) delete dashboard.parentFolder;
  const taken = new Set(Object.values(ctx.state.widgets).flat().map((w) => w.oid));
  const widgetMap = new Map<string, string>();
  const widgets = ((rawWidgets ?? []) as JsonObject[]).map((w) => {
    const wid = typeof w.oid === 'string' && !duplicate && !taken.has(w.oid) ? w.oid : ctx.ids.hex24();
    if (typeof w.oid === 'string') widgetMap.set(w.oid, wid);
    return { ...w, _id: ctx.ids.hex24(), oid: wid, dashboardid: oid, owner: me, userId: me, instanceType: 'owner', lastUpdated: t };
  });
  if (duplicate && dashboard.layout) dashboard.layout = JSON.parse(JSON.stringify(dashboard.layout).replace(/"widgetid":"([0-9a-f]{24})"/g, (m, id: string) => `"widgetid":"${widgetMap.get(id) ?? id}"`));
  ctx.state.dashboards.push(dashboard);
  ctx.state.widgets[oid] = widgets;
  return dashboard;
}
