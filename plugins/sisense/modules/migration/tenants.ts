import { statusOf, type Side } from './migration.session.js';

export interface Tenant {
  _id: string;
  name: string;
}

export interface Tenants {
  system: Tenant;
  byId: ReadonlyMap<string, Tenant>;
}

/**
 * The source's system tenant (`GET /api/v1/tenants`, the one named `system`; api.md §1.9): users and groups of
 * other tenants are not migrated. Undefined when the deployment has no tenants route (404), the token may not list
 * them (403), or there is no system tenant: then nobody is excluded for their tenant.
 */
export function systemTenantOf(side: Side): Promise<Tenants | undefined> {
  return side.once('tenants', async () => {
    try {
      const all = await side.get<unknown>('/api/v1/tenants');
      const list = Array.isArray(all) ? (all as Tenant[]).filter((t) => typeof t?._id === 'string') : [];
      const system = list.find((t) => t.name === 'system');
      return system && { system, byId: new Map(list.map((t) => [t._id, t])) };
    } catch (e) {
      // No tenants route (404), or a token that may not list tenants (403: it sees its own tenant's users only).
      if (statusOf(e) === 404 || statusOf(e) === 403) return undefined;
      throw e;
    }
  });
}

/** Why a user or group is left out for its tenant, or undefined (system tenant, or no tenant known). */
export function tenantExclusion(x: Record<string, unknown>, tenants: Tenants | undefined): string | undefined {
  if (!tenants) return undefined;
  const id = typeof x.tenantId === 'string' ? x.tenantId : typeof (x.tenant as { _id?: unknown } | undefined)?._id === 'string' ? (x.tenant as { _id: string })._id : undefined;
  if (id === undefined || id === tenants.system._id) return undefined;
  const name = tenants.byId.get(id)?.name;
  return `of another tenant (${name ? `"${name}"` : id}): only the system tenant is migrated`;
}
