/**
 * Types of the Sisense simulator: its in-memory state (stored in the REST API's own shapes, so routes render by
 * copying), its faults and its request log. Ids: 24-hex for users, groups, roles, folders, dashboards and widgets,
 * UUIDs for data models and everything inside them, all derived from the tenant seed.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SimUser {
  _id: string;
  email: string;
  userName: string;
  /** Absent on some real records (a planted user has none). */
  firstName?: string;
  lastName: string;
  roleId: string;
  groups: string[];
  active: boolean;
  created: string;
  lastUpdated: string;
  lastLogin: string | null;
  tenantId: string;
  preferences: { localeId: string };
}

export interface SimGroup {
  _id: string;
  name: string;
  created: string;
  lastUpdated: string;
  tenantId: string;
  defaultRole: string | null;
  /** Built-in groups (Admins, Everyone, All users in system): never deleted, never migrated. */
  isSystem: boolean;
}

export interface SimRole {
  _id: string;
  name: string;
  displayName: string;
}

export interface SimFolder {
  _id: string;
  oid: string;
  name: string;
  owner: string;
  userId: string;
  parentId: string | null;
  created: string;
  lastUpdated: string;
  tenantId: string;
}

/** A dashboard share as the dashboard carries it: the owner's entry has no rule. */
export interface SimShare {
  shareId: string;
  type: 'user' | 'group';
  rule?: 'view' | 'edit' | 'co-owner';
  subscribe?: boolean;
}

/** A tenant as GET /api/v1/tenants lists it; the system tenant is named "system". */
export interface SimTenant {
  _id: string;
  name: string;
  default?: boolean;
  systemManagement?: boolean;
}

/** Dashboards and widgets are kept as the API's JSON objects; `widgets` is keyed by dashboard oid. */
export interface SimDashboard extends JsonObject {
  _id: string;
  oid: string;
  title: string;
  owner: string;
  userId: string;
}

export interface SimBuild {
  oid: string;
  datamodelId: string;
  datamodelTitle: string;
  datamodelType: string;
  buildType: string;
  status: 'pending' | 'building' | 'done' | 'failed' | 'cancelled';
  created: string;
  completed: string | null;
  /** Status reads left before the build finishes. */
  pollsLeft: number;
}

export interface SimState {
  /** The tenant this server's own objects belong to (the system tenant). */
  tenant: { _id: string; name: string };
  /** Every tenant of the deployment, the system tenant (name "system") first. */
  tenants: SimTenant[];
  /** The data models' `serverId` (one per deployment). */
  serverId: string;
  roles: SimRole[];
  users: SimUser[];
  groups: SimGroup[];
  folders: SimFolder[];
  dashboards: SimDashboard[];
  widgets: Record<string, JsonObject[]>;
  /** oid -> when the dashboard was last (re)published. */
  published: Record<string, string>;
  /** oid -> the share list as of the last publish: what recipients see (share changes need a publish). */
  publishedShares: Record<string, SimShare[]>;
  connections: JsonObject[];
  /** Data models in the shape of GET /api/v2/datamodels/schema. */
  datamodels: JsonObject[];
  /** Data security rules of every model (each names its model in `elasticube`). */
  dataSecurity: JsonObject[];
  builds: SimBuild[];
  /** token -> user id. */
  tokens: Record<string, string>;
}

export interface SimFault {
  method?: string;
  /** Matched against the URL path only (no query): a string must be equal, a RegExp must match. */
  path: RegExp | string;
  /** Every key here must be present in the query with this value. */
  query?: Record<string, string>;
  status?: number;
  /** Seconds, sent as Retry-After (with a 429 or 503). */
  retryAfter?: number;
  /** How many matching requests fail (default: every one until removed). */
  times?: number;
  /** Destroy the socket without an answer. */
  drop?: boolean;
  /** Hold the request this long first (longer than the client's timeout = a timeout). */
  delayMs?: number;
  /** Let this many matching requests through before failing. */
  after?: number;
  /** 'before' (default): fail without touching state; 'after': apply the request, then fail the answer. */
  phase?: 'before' | 'after';
  /** Body of the failed answer (default: per status, see faults.ts). */
  body?: unknown;
}

export interface SimRequestLog {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** 0 when the connection was dropped. */
  status: number;
}

export interface BuildBehaviour {
  /** Status reads answering `building` before a build is `done`. */
  pollsToFinish: number;
  /** Titles of models whose builds fail. */
  failTitles: string[];
}
