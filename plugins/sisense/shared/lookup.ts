import { ToolError } from '../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../client/sisense.client.js';
import type { Query } from '../client/sisense.types.js';
import { asArray, asObject, isStatus } from './errors.js';
import type { DashboardSummary, DatamodelSummary, Directory, SisenseFolder, SisenseGroup, SisenseRole, SisenseUser } from './sisense.models.js';

export const HEX24 = /^[0-9a-f]{24}$/i;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CANDIDATES = 20;

export type ListAll = <T = Record<string, unknown>>(client: SisenseClient, path: string, query?: Query) => Promise<T[]>;

/** One asset a reference could mean, as a NOT_FOUND / AMBIGUOUS error lists it. */
export interface Candidate {
  id: string;
  name: string;
  [key: string]: unknown;
}

export function notFound(kind: string, ref: string, hint?: string): ToolError {
  return new ToolError('NOT_FOUND', `no ${kind} matches "${ref}"${hint ? ` (${hint})` : ''}`, { kind, ref, candidates: [] });
}

export function ambiguous(kind: string, ref: string, candidates: Candidate[]): ToolError {
  const shown = candidates.slice(0, MAX_CANDIDATES);
  const list = shown.map((c) => `${c.id} "${c.name}"`).join(', ');
  return new ToolError('AMBIGUOUS', `${candidates.length} ${kind}s match "${ref}": ${list}${candidates.length > shown.length ? ', …' : ''}; use an id`, { kind, ref, candidates: shown });
}

/**
 * The one item a reference names: an exact match of `key` wins, else a case-insensitive one; several matches are
 * AMBIGUOUS, none NOT_FOUND.
 */
export function pickOne<T>(kind: string, ref: string, items: T[], key: (t: T) => string | undefined, candidate: (t: T) => Candidate): T {
  const exact = items.filter((t) => key(t) === ref);
  const loose = exact.length ? exact : items.filter((t) => key(t)?.toLowerCase() === ref.trim().toLowerCase());
  if (loose.length === 1) return loose[0];
  if (loose.length > 1) throw ambiguous(kind, ref, loose.map(candidate));
  throw notFound(kind, ref);
}

/** A GET that answers 404 (or 400/422 for an id of the wrong form) as undefined. */
async function getOrUndefined<T>(client: SisenseClient, path: string, query?: Query): Promise<T | undefined> {
  try {
    return await client.get<T>(path, { query });
  } catch (e) {
    if (isStatus(e, 404, 400, 422)) return undefined;
    throw e;
  }
}

const DASHBOARD_FIELDS = 'oid,title,owner,userId,parentFolder,datasource,lastUpdated,created';
const dashboardCandidate = (d: DashboardSummary): Candidate => ({ id: d.oid, name: d.title, owner: d.owner ?? null, folder: d.parentFolder ?? null });

/**
 * A dashboard by oid or title. With `admin` (default) it searches every dashboard through the admin paths and marks
 * the result `adminAccess: true`; a token that is not an administrator's falls back to the dashboards it can see.
 */
export async function resolveDashboard(listAll: ListAll, client: SisenseClient, ref: string, admin = true): Promise<DashboardSummary & { adminAccess: boolean }> {
  for (const useAdmin of admin ? [true, false] : [false]) {
    try {
      if (HEX24.test(ref)) {
        const found = useAdmin ? await ownerCopy(client, ref, DASHBOARD_FIELDS) : await getOrUndefined<unknown>(client, `/api/v1/dashboards/${ref}`);
        if (found === undefined) throw notFound('dashboard', ref);
        return { ...asObject<DashboardSummary>(found, 'a dashboard'), adminAccess: useAdmin };
      }
      const path = useAdmin ? '/api/v1/dashboards/admin' : '/api/v1/dashboards';
      const query = { fields: DASHBOARD_FIELDS, ...(useAdmin && { dashboardType: 'owner' }) };
      const all = await listAll<DashboardSummary>(client, path, query);
      return { ...pickOne('dashboard', ref, all, (d) => d.title, dashboardCandidate), adminAccess: useAdmin };
    } catch (e) {
      if (!(useAdmin && isStatus(e, 403))) throw e;
    }
  }
  throw notFound('dashboard', ref);
}

/**
 * An administrator's read of any dashboard by oid: the admin listing `GET /api/v1/dashboards/admin?id=<oid>
 * &dashboardType=owner` (api.md §1.2, H: still an array), not `GET /api/v1/dashboards/{oid}?adminAccess=true`, whose
 * flag no reference shows on that route. Undefined when no dashboard has that oid.
 */
export async function ownerCopy(client: SisenseClient, oid: string, fields?: string): Promise<DashboardSummary | undefined> {
  const rows = asArray<DashboardSummary>(await client.get('/api/v1/dashboards/admin', { query: { id: oid, dashboardType: 'owner', asObject: false, ...(fields && { fields }) } }), 'dashboards');
  return rows.find((d) => d?.oid === oid);
}

/**
 * A dashboard's widgets: for the token's own or shared dashboards `GET /api/v1/dashboards/{oid}/widgets` (H); for an
 * administrator on anyone's, the documented export (`GET /api/v1/dashboards/export?dashboardIds=<oid>&adminAccess=true`,
 * H), which carries them inline — pysisense reads widgets from the export for that reason (api.md §1.2).
 */
export async function widgetsOf(client: SisenseClient, d: { oid: string; adminAccess: boolean }): Promise<Array<Record<string, unknown>>> {
  if (!d.adminAccess) return asArray<Record<string, unknown>>(await client.get(`/api/v1/dashboards/${d.oid}/widgets`), 'widgets');
  const [doc] = asArray<{ oid?: unknown; widgets?: unknown }>(await client.get('/api/v1/dashboards/export', { query: { dashboardIds: d.oid, adminAccess: true } }), 'exported dashboards');
  if (!doc || doc.oid !== d.oid) throw notFound('dashboard', d.oid, 'the export did not include it');
  return asArray<Record<string, unknown>>(doc.widgets ?? [], 'widgets');
}

export async function resolveDatamodel(listAll: ListAll, client: SisenseClient, ref: string): Promise<DatamodelSummary> {
  if (UUID.test(ref)) {
    const found = await getOrUndefined<unknown>(client, `/api/v2/datamodels/${ref}/schema`);
    if (found === undefined) throw notFound('data model', ref);
    return asObject<DatamodelSummary>(found, 'a data model');
  }
  const all = await listAll<DatamodelSummary>(client, '/api/v2/datamodels/schema', { fields: 'oid,title,type,server,lastBuildTime,lastSuccessfulBuildTime,lastPublishTime,lastUpdated' });
  return pickOne('data model', ref, all, (m) => m.title, (m) => ({ id: m.oid, name: m.title, type: m.type ?? null }));
}

export async function resolveUser(listAll: ListAll, client: SisenseClient, ref: string): Promise<SisenseUser> {
  const query = { expand: 'groups,role' };
  if (HEX24.test(ref)) {
    const found = await getOrUndefined<unknown>(client, `/api/v1/users/${ref}`, query);
    if (found === undefined) throw notFound('user', ref);
    return asObject<SisenseUser>(found, 'a user');
  }
  const key = ref.includes('@') ? 'email' : 'userName';
  const exact = asArray<SisenseUser>(await client.get(`/api/v1/users`, { query: { ...query, [key]: ref } }), 'users');
  if (exact.length === 1) return exact[0];
  const all = exact.length ? exact : await listAll<SisenseUser>(client, '/api/v1/users', query);
  return pickOne('user', ref, all, (u) => (key === 'email' ? u.email : u.userName), (u) => ({ id: u._id, name: u.email }));
}

export async function resolveGroup(listAll: ListAll, client: SisenseClient, ref: string): Promise<SisenseGroup> {
  if (HEX24.test(ref)) {
    // v0.9 `GET /api/groups/{idOrName}` (api.md §1.8 — H); no reference documents a v1 route for one group.
    const found = await getOrUndefined<unknown>(client, `/api/groups/${ref}`);
    if (found !== undefined) return asObject<SisenseGroup>(found, 'a group');
  }
  const all = await listAll<SisenseGroup>(client, '/api/v1/groups');
  return pickOne('group', ref, all, (g) => g.name, (g) => ({ id: g._id, name: g.name }));
}

export async function resolveRole(client: SisenseClient, ref: string): Promise<SisenseRole> {
  const roles = asArray<SisenseRole>(await client.get('/api/roles'), 'roles');
  const byId = roles.find((r) => r._id === ref);
  if (byId) return byId;
  const byName = roles.filter((r) => r.name.toLowerCase() === ref.toLowerCase());
  if (byName.length) return pickOne('role', ref, byName, (r) => r.name, (r) => ({ id: r._id, name: r.name }));
  return pickOne('role', ref, roles, (r) => r.displayName, (r) => ({ id: r._id, name: r.displayName ?? r.name }));
}

/** `Sales/Deep Dives` for a folder, from the flat listing. */
export function folderPath(folder: SisenseFolder, byOid: ReadonlyMap<string, SisenseFolder>): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let f: SisenseFolder | undefined = folder; f && !seen.has(f.oid); f = f.parentId ? byOid.get(f.parentId) : undefined) {
    seen.add(f.oid);
    names.unshift(f.name);
  }
  return names.join('/');
}

export async function listFolders(listAll: ListAll, client: SisenseClient): Promise<{ folders: SisenseFolder[]; byOid: Map<string, SisenseFolder> }> {
  const folders = (await listAll<SisenseFolder>(client, '/api/v1/folders')).filter((f) => typeof f?.oid === 'string');
  return { folders, byOid: new Map(folders.map((f) => [f.oid, f])) };
}

/** A folder by oid, by path (`Sales/Deep Dives`) or by name alone when that is unique. */
export async function resolveFolder(listAll: ListAll, client: SisenseClient, ref: string): Promise<SisenseFolder & { path: string }> {
  const { folders, byOid } = await listFolders(listAll, client);
  const withPath = folders.map((f) => ({ ...f, path: folderPath(f, byOid) }));
  const byId = withPath.find((f) => f.oid === ref || f._id === ref);
  if (byId) return byId;
  const wanted = ref.replace(/^\/+|\/+$/g, '');
  const candidate = (f: { oid: string; path: string }) => ({ id: f.oid, name: f.path });
  if (wanted.includes('/')) return pickOne('folder', ref, withPath, (f) => f.path, candidate);
  return pickOne('folder', ref, withPath, (f) => f.name, candidate);
}

export async function loadDirectory(listAll: ListAll, client: SisenseClient): Promise<Directory> {
  const [users, groups, roles] = await Promise.all([
    listAll<SisenseUser>(client, '/api/v1/users'),
    listAll<SisenseGroup>(client, '/api/v1/groups'),
    client.get('/api/roles').then((r) => asArray<SisenseRole>(r, 'roles')),
  ]);
  return {
    users,
    groups,
    roles,
    userById: new Map(users.map((u) => [u._id, u])),
    groupById: new Map(groups.map((g) => [g._id, g])),
    roleById: new Map(roles.map((r) => [r._id, r])),
  };
}
