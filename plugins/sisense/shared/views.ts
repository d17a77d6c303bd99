import type { SisenseClient } from '../client/sisense.client.js';
import type { SisenseDeps } from './deps.js';
import { isStatus } from './errors.js';
import { folderPath } from './lookup.js';
import type { DashboardSummary, SisenseFolder, SisenseGroup, SisenseRole, SisenseUser } from './sisense.models.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const idOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { _id?: unknown })._id === 'string' ? (v as { _id: string })._id : undefined);

export interface UserView {
  id: string;
  email: string;
  userName: string | null;
  firstName: string | null;
  lastName: string | null;
  role: string | null;
  groups: string[];
  active: boolean;
  lastLogin: string | null;
}

/** A user with role and group names, whether the answer carried ids or `expand`ed objects. */
export function userView(u: SisenseUser, roleById: ReadonlyMap<string, SisenseRole>, groupById: ReadonlyMap<string, SisenseGroup>): UserView {
  const role = u.role && typeof u.role === 'object' ? (u.role as SisenseRole) : u.roleId ? roleById.get(u.roleId) : undefined;
  const groups = (Array.isArray(u.groups) ? u.groups : []).map((g) => (g && typeof g === 'object' && typeof (g as SisenseGroup).name === 'string' ? (g as SisenseGroup).name : groupById.get(idOf(g) ?? '')?.name ?? idOf(g) ?? '?'));
  return {
    id: u._id,
    email: u.email,
    userName: str(u.userName),
    firstName: str(u.firstName),
    lastName: str(u.lastName),
    role: role?.name ?? str(u.roleName) ?? null,
    groups: groups.sort(),
    active: u.active !== false,
    lastLogin: str(u.lastLogin),
  };
}

export interface DashboardView {
  oid: string;
  title: string;
  ownerId: string | null;
  ownerEmail: string | null;
  folderId: string | null;
  folderPath: string | null;
  datasource: string | null;
  live: boolean;
  lastUpdated: string | null;
}

export function dashboardView(d: DashboardSummary, emails: ReadonlyMap<string, string>, folders: ReadonlyMap<string, SisenseFolder>): DashboardView {
  const owner = str(d.owner) ?? str(d.userId);
  const folder = d.parentFolder ? folders.get(d.parentFolder) : undefined;
  return {
    oid: d.oid,
    title: d.title,
    ownerId: owner,
    ownerEmail: owner ? (emails.get(owner) ?? null) : null,
    folderId: str(d.parentFolder),
    folderPath: folder ? folderPath(folder, folders) : null,
    datasource: str(d.datasource?.title),
    live: d.datasource?.live === true,
    lastUpdated: str(d.lastUpdated),
  };
}

/** user id -> email; empty when the token may not list users (403). */
export async function userEmails(deps: SisenseDeps, client: SisenseClient): Promise<Map<string, string>> {
  try {
    return new Map((await deps.listAll<SisenseUser>(client, '/api/v1/users', { fields: '_id,email' })).map((u) => [u._id, u.email]));
  } catch (e) {
    if (isStatus(e, 403)) return new Map();
    throw e;
  }
}

/** folder oid -> folder; empty when the listing is refused (403). */
export async function foldersByOid(deps: SisenseDeps, client: SisenseClient): Promise<Map<string, SisenseFolder>> {
  try {
    return (await deps.listFolders(client)).byOid;
  } catch (e) {
    if (isStatus(e, 403)) return new Map();
    throw e;
  }
}

/**
 * Dashboards (owner copies): `all` through the admin listing, `visible` those the token's user owns or is shared.
 * `all` falls back to `visible` for a token that is not an administrator's; `scope` says which one answered.
 */
export async function listDashboards(deps: SisenseDeps, client: SisenseClient, scope: 'all' | 'visible', query: Record<string, string> = {}): Promise<{ scope: 'all' | 'visible'; dashboards: DashboardSummary[] }> {
  if (scope === 'all') {
    try {
      return { scope, dashboards: await deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', ...query }) };
    } catch (e) {
      if (!isStatus(e, 403)) throw e;
    }
  }
  return { scope: 'visible', dashboards: await deps.listAll<DashboardSummary>(client, '/api/v1/dashboards', query) };
}

/** The dashboards a user owns (admin listing: deleting the user would delete these). */
export async function ownedBy(deps: SisenseDeps, client: SisenseClient, userId: string): Promise<DashboardSummary[]> {
  const all = await deps.listAll<DashboardSummary>(client, '/api/v1/dashboards/admin', { dashboardType: 'owner', fields: 'oid,title,owner,parentFolder' });
  return all.filter((d) => d.owner === userId);
}

/** `adminAccess=true` when the dashboard was found through the admin paths. */
export const access = (d: { adminAccess?: boolean }): Record<string, boolean> => (d.adminAccess ? { adminAccess: true } : {});
