import { v1Error } from '../errors.js';
import { HEX24 } from '../ids.js';
import { q, qBool, qList, route, type Route, type RouteCtx } from '../router.js';
import type { JsonObject, SimDashboard, SimShare } from '../sim.types.js';
import { bodyArray, bodyObject, canSee, clone, shares } from '../views.js';
import { findDashboard } from './dashboards.routes.js';

/** Fields a dashboard export leaves out: identity in the deployment, sharing, placement. */
const NOT_EXPORTED = ['_id', 'shares', 'userId', 'tenantId', 'lastOpened', 'parentFolder', 'instanceType'];
const WIDGET_NOT_EXPORTED = ['_id', 'userId', 'instanceType'];

/** Shares (full replacement on POST), export, and bulk import. */
export const dashboardTransferRoutes: Route[] = [
  route('GET', '/api/shares/dashboard/:id', (ctx) => ({ status: 200, body: sharesView(ctx, findDashboard(ctx)) })),
  route('POST', '/api/shares/dashboard/:id', (ctx) => {
    const d = findDashboard(ctx, 'edit');
    const list = bodyObject(ctx).sharesTo;
    if (!Array.isArray(list)) throw v1Error(400, 'sharesTo must be an array.');
    const next: SimShare[] = [{ shareId: d.owner, type: 'user' }];
    for (const raw of list as Array<Record<string, unknown>>) {
      const { shareId, type } = raw;
      if (shareId === d.owner) continue;
      const known = type === 'user' ? ctx.state.users.some((u) => u._id === shareId) : type === 'group' && ctx.state.groups.some((g) => g._id === shareId);
      if (!known) throw v1Error(400, `Unknown ${String(type)} ${String(shareId)} in sharesTo.`);
      if (next.some((s) => s.shareId === shareId)) continue;
      next.push({ shareId: shareId as string, type: type as 'user' | 'group', rule: raw.rule === 'edit' ? 'edit' : 'view', subscribe: raw.subscribe === true });
    }
    d.shares = next as unknown as JsonObject[];
    d.lastUpdated = ctx.clock.now();
    return { status: 200, body: sharesView(ctx, d) };
  }),

  route('GET', '/api/v1/dashboards/export', (ctx) => {
    const ids = qList(ctx.query, 'dashboardIds');
    if (!ids.length) throw v1Error(400, 'dashboardIds is required.');
    const out = ids.map((id) => {
      if (!HEX24.test(id)) throw v1Error(400, `Invalid dashboard id ${id}.`);
      const d = ctx.state.dashboards.find((x) => x.oid === id);
      if (!d) throw v1Error(404, `Dashboard ${id} not found.`);
      if (!canSee(ctx.state, ctx.user, d) && !ctx.adminAccess) throw v1Error(403, `No access to dashboard ${id}.`);
      return exportDashboard(ctx, d);
    });
    return { status: 200, body: out };
  }),

  route('POST', '/api/v1/dashboards/import/bulk', (ctx) => {
    const action = q(ctx.query, 'action') ?? 'skip';
    if (!['skip', 'overwrite', 'duplicate'].includes(action)) throw v1Error(400, `Unknown action ${action}.`);
    const items = bodyArray(ctx);
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
      const imported = importOne(ctx, item, existing && action === 'overwrite' ? existing : undefined, !!existing && action === 'duplicate');
      if (qBool(ctx.query, 'republish')) ctx.state.published[imported.oid] = ctx.clock.now();
      result.succeded.push({ oid: imported.oid, title: imported.title });
    }
    return { status: 201, body: result };
  }),
];

function sharesView(ctx: RouteCtx, d: SimDashboard): JsonObject {
  const owner = ctx.state.users.find((u) => u._id === d.owner);
  const sharesTo = (shares(d) as SimShare[]).map((s) => {
    if (s.type === 'group') return { ...s, name: ctx.state.groups.find((g) => g._id === s.shareId)?.name ?? null };
    const u = ctx.state.users.find((x) => x._id === s.shareId);
    return { ...s, userName: u?.userName ?? null, email: u?.email ?? null };
  });
  return clone({
    sharesTo,
    owner: owner ? { _id: owner._id, userName: owner.userName, email: owner.email, firstName: owner.firstName, lastName: owner.lastName } : null,
  }) as JsonObject;
}

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
 * Imports one exported dashboard, owned by the importing user, at the root folder. Its oid (and its widgets')
 * are kept unless `duplicate` makes a copy; overwrite replaces the existing one in place. Shares keep only the
 * users and groups that exist here.
 */
function importOne(ctx: RouteCtx, item: JsonObject, replace: SimDashboard | undefined, duplicate: boolean): SimDashboard {
  const t = ctx.clock.now();
  const oid = duplicate ? ctx.ids.hex24() : (item.oid as string);
  const me = ctx.user._id;
  const kept = ((Array.isArray(item.shares) ? item.shares : []) as unknown as SimShare[]).filter(
    (s) => s.shareId !== me && (s.type === 'user' ? ctx.state.users.some((u) => u._id === s.shareId) : ctx.state.groups.some((g) => g._id === s.shareId)),
  );
  const { widgets: rawWidgets, ...fields } = clone(item);
  const dashboard = {
    ...fields,
    _id: replace?._id ?? ctx.ids.hex24(),
    oid,
    title: item.title as string,
    shares: [{ shareId: me, type: 'user' }, ...kept.map((s) => ({ shareId: s.shareId, type: s.type, rule: s.rule ?? 'view', subscribe: s.subscribe ?? false }))],
    owner: me,
    userId: me,
    tenantId: ctx.state.tenant._id,
    instanceType: 'owner',
    created: replace ? (replace.created as string) : t,
    lastUpdated: t,
    lastOpened: null,
  } as SimDashboard;
  delete dashboard.parentFolder;
  const taken = new Set(Object.values(ctx.state.widgets).flat().map((w) => w.oid));
  if (replace) for (const w of ctx.state.widgets[replace.oid] ?? []) taken.delete(w.oid);
  const widgetMap = new Map<string, string>();
  const widgets = ((rawWidgets ?? []) as JsonObject[]).map((w) => {
    const wid = typeof w.oid === 'string' && !duplicate && !taken.has(w.oid) ? w.oid : ctx.ids.hex24();
    if (typeof w.oid === 'string') widgetMap.set(w.oid, wid);
    return { ...w, _id: ctx.ids.hex24(), oid: wid, dashboardid: oid, owner: me, userId: me, instanceType: 'owner', lastUpdated: t };
  });
  if (duplicate && dashboard.layout) dashboard.layout = JSON.parse(JSON.stringify(dashboard.layout).replace(/"widgetid":"([0-9a-f]{24})"/g, (m, id: string) => `"widgetid":"${widgetMap.get(id) ?? id}"`));
  if (replace) ctx.state.dashboards = ctx.state.dashboards.map((d) => (d === replace ? dashboard : d));
  else ctx.state.dashboards.push(dashboard);
  ctx.state.widgets[oid] = widgets;
  return dashboard;
}
