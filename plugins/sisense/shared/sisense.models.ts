/**
 * The Sisense objects the tools read, as the REST API answers them: only the fields the tools rely on are typed,
 * everything else is kept (index signature) so a tool can pass it on.
 */

export type SisenseObject = Record<string, unknown>;

export interface SisenseUser extends SisenseObject {
  _id: string;
  email: string;
  userName?: string;
  firstName?: string;
  lastName?: string;
  roleId?: string;
  /** Group ids (or `{_id, name}` with `expand=groups`). */
  groups?: unknown[];
  active?: boolean;
  lastLogin?: string | null;
}

export interface SisenseGroup extends SisenseObject {
  _id: string;
  name: string;
}

export interface SisenseRole extends SisenseObject {
  _id: string;
  name: string;
  displayName?: string;
}

export interface SisenseFolder extends SisenseObject {
  oid: string;
  _id?: string;
  name: string;
  parentId?: string | null;
  owner?: string;
}

/** A dashboard share: the owner's entry has no rule. */
export interface SisenseShare {
  shareId: string;
  type: 'user' | 'group';
  rule?: 'view' | 'edit';
  subscribe?: boolean;
}

/** A dashboard as the listings answer it (no widgets). */
export interface DashboardSummary extends SisenseObject {
  oid: string;
  title: string;
  owner?: string;
  parentFolder?: string;
  datasource?: { title?: string; fullname?: string; id?: string; address?: string; live?: boolean };
  shares?: SisenseShare[];
}

/** A data model as `GET /api/v2/datamodels/schema` lists it. */
export interface DatamodelSummary extends SisenseObject {
  oid: string;
  title: string;
  /** `extract` or `live`. */
  type?: string;
  server?: string;
  lastBuildTime?: string | null;
}

/** Users, groups and roles read once, with id lookups. */
export interface Directory {
  users: SisenseUser[];
  groups: SisenseGroup[];
  roles: SisenseRole[];
  userById: ReadonlyMap<string, SisenseUser>;
  groupById: ReadonlyMap<string, SisenseGroup>;
  roleById: ReadonlyMap<string, SisenseRole>;
}
