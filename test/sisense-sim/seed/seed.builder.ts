import { SimClock, type IdSource } from '../ids.js';
import type { SimFolder, SimGroup, SimRole, SimState, SimTenant, SimUser } from '../sim.types.js';

/** The roles every Sisense deployment has (raw names; displayName is what the UI shows). */
export const DEFAULT_ROLES: Array<[string, string]> = [
  ['super', 'Sys. Admin'],
  ['admin', 'Admin'],
  ['dataAdmin', 'Data Admin'],
  ['contributor', 'Designer'],
  ['dataDesigner', 'Data Designer'],
  ['consumer', 'Viewer'],
];

/** The built-in groups: listed by GET /api/v1/groups, never migrated. */
export const SYSTEM_GROUPS = ['Admins', 'Everyone', 'All users in system'];

export interface UserSpec {
  email: string;
  /** Leave out for a record without a first name. */
  firstName?: string;
  lastName: string;
  role: string;
  groups?: string[];
  active?: boolean;
  /** Another tenant (from `b.tenant(name)`); default the system tenant. */
  tenant?: SimTenant;
}

/**
 * Builds a tenant's state: access (roles, groups, users, tokens) and folders here, dashboards and data models in
 * seed.dashboards.ts / seed.datamodels.ts. Ids come from the tenant's IdSource, timestamps from a seed clock
 * that starts in January 2026, so a seed is reproducible byte for byte.
 */
export class SeedBuilder {
  readonly state: SimState;
  readonly clock = new SimClock('2026-01-05T09:00:00.000Z');

  constructor(
    readonly ids: IdSource,
    tenantName: string,
  ) {
    const tenant = { _id: ids.hex24(), name: tenantName };
    this.state = {
      tenant,
      tenants: [{ _id: tenant._id, name: 'system', default: true, systemManagement: true }],
      serverId: ids.uuid(),
      roles: [],
      users: [],
      groups: [],
      folders: [],
      dashboards: [],
      widgets: {},
      published: {},
      publishedShares: {},
      connections: [],
      datamodels: [],
      dataSecurity: [],
      builds: [],
      tokens: {},
    };
    for (const [name, displayName] of DEFAULT_ROLES) this.state.roles.push({ _id: ids.hex24(), name, displayName });
    for (const name of SYSTEM_GROUPS) this.group(name, true);
  }

  role(name: string): SimRole {
    const role = this.state.roles.find((r) => r.name === name);
    if (!role) throw new Error(`seed: no role ${name}`);
    return role;
  }

  /** Another tenant of the deployment (GET /api/v1/tenants lists it). */
  tenant(name: string): SimTenant {
    const tenant: SimTenant = { _id: this.ids.hex24(), name, default: false, systemManagement: false };
    this.state.tenants.push(tenant);
    return tenant;
  }

  group(name: string, isSystem = false, tenant?: SimTenant): SimGroup {
    const t = this.clock.now();
    const group: SimGroup = { _id: this.ids.hex24(), name, created: t, lastUpdated: t, tenantId: tenant?._id ?? this.state.tenant._id, defaultRole: null, isSystem };
    this.state.groups.push(group);
    return group;
  }

  groupNamed(name: string): SimGroup {
    const group = this.state.groups.find((g) => g.name === name);
    if (!group) throw new Error(`seed: no group ${name}`);
    return group;
  }

  user(spec: UserSpec): SimUser {
    const t = this.clock.now();
    const user: SimUser = {
      _id: this.ids.hex24(),
      email: spec.email,
      userName: spec.email,
      ...(spec.firstName === undefined ? {} : { firstName: spec.firstName }),
      lastName: spec.lastName,
      roleId: this.role(spec.role)._id,
      groups: (spec.groups ?? []).map((g) => this.groupNamed(g)._id),
      active: spec.active ?? true,
      created: t,
      lastUpdated: t,
      lastLogin: spec.active === false ? null : this.clock.now(),
      tenantId: spec.tenant?._id ?? this.state.tenant._id,
      preferences: { localeId: 'en-US' },
    };
    this.state.users.push(user);
    return user;
  }

  /** A deterministic API token for a user, returned for sim.tokens[label]. */
  token(label: string, user: SimUser): string {
    const token = this.ids.token(`${this.state.tenant.name}-${label}`);
    this.state.tokens[token] = user._id;
    return token;
  }

  folder(name: string, owner: SimUser, parent?: SimFolder): SimFolder {
    const t = this.clock.now();
    const folder: SimFolder = { _id: this.ids.hex24(), oid: this.ids.hex24(), name, owner: owner._id, userId: owner._id, parentId: parent?.oid ?? null, created: t, lastUpdated: t, tenantId: this.state.tenant._id };
    this.state.folders.push(folder);
    return folder;
  }
}
