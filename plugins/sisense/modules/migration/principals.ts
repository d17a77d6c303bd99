import type { Directory, SisenseGroup, SisenseRole, SisenseUser } from '../../shared/deps.js';
import { excluded } from './phase.js';

/** Built-in groups: every deployment has them, so they are matched by name but never migrated. */
export const SYSTEM_GROUPS: ReadonlySet<string> = new Set(['Admins', 'Everyone', 'All users in system']);
/** Groups every user belongs to implicitly: never written as a membership. */
export const IMPLICIT_GROUPS: ReadonlySet<string> = new Set(['Everyone', 'All users in system']);

export function isSystemGroup(g: SisenseGroup): boolean {
  return SYSTEM_GROUPS.has(g.name) || g.isSystem === true || g.type === 'system';
}

/** The group ids of a user, whether the answer carried ids or `{_id, name}` objects. */
export function groupIdsOf(u: SisenseUser): string[] {
  return (Array.isArray(u.groups) ? u.groups : []).map((g) => (typeof g === 'string' ? g : String((g as { _id?: unknown })?._id ?? ''))).filter(Boolean);
}

/** A deployment's users, groups and roles by what stays the same across deployments: email and name. */
export class Principals {
  private readonly byEmail = new Map<string, SisenseUser>();
  private readonly byGroupName = new Map<string, SisenseGroup>();
  private readonly byRoleName = new Map<string, SisenseRole>();

  private readonly userIds = new Map<string, SisenseUser>();
  private readonly groupIds = new Map<string, SisenseGroup>();

  constructor(readonly dir: Directory) {
    for (const u of dir.users) this.addUser(u);
    for (const g of dir.groups) this.addGroup(g);
    for (const r of dir.roles) this.byRoleName.set(r.name, r);
  }

  /** Records a user (one the migration just created): later phases map to it. */
  addUser(u: SisenseUser): void {
    if (typeof u.email === 'string' && !this.byEmail.has(u.email.toLowerCase())) this.byEmail.set(u.email.toLowerCase(), u);
    if (typeof u._id === 'string') this.userIds.set(u._id, u);
  }

  /** Records a group (one the migration just created). */
  addGroup(g: SisenseGroup): void {
    if (typeof g.name === 'string' && !this.byGroupName.has(g.name)) this.byGroupName.set(g.name, g);
    if (typeof g._id === 'string') this.groupIds.set(g._id, g);
  }

  userById(id: string): SisenseUser | undefined {
    return this.userIds.get(id);
  }

  /** The users whose groups include this one (explicit members only). */
  membersOf(groupId: string): SisenseUser[] {
    return [...this.userIds.values()].filter((u) => groupIdsOf(u).includes(groupId));
  }

  user(email: string): SisenseUser | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  group(name: string): SisenseGroup | undefined {
    return this.byGroupName.get(name);
  }

  role(name: string): SisenseRole | undefined {
    return this.byRoleName.get(name);
  }

  emailOf(userId: string): string | undefined {
    return this.userIds.get(userId)?.email;
  }

  groupNameOf(groupId: string): string | undefined {
    return this.groupIds.get(groupId)?.name;
  }

  roleNameOf(roleId: string | undefined): string | undefined {
    return roleId ? this.dir.roleById.get(roleId)?.name : undefined;
  }
}

/** Names the target will have when a phase runs, because an earlier phase of the same migration creates them. */
export interface Overlay {
  groups: Set<string>;
  /** Lower-case emails. */
  users: Set<string>;
  /** Data model titles. */
  models: Set<string>;
}

export const emptyOverlay = (): Overlay => ({ groups: new Set(), users: new Set(), models: new Set() });

/** The overlay a plan-only `expect` input describes (emails lower-cased). */
/**
 * What earlier steps will have created (`expect`, plan only), less what `exclude` names: a playbook passes the same
 * `exclude` to every step, so an excluded group, user or model is not created by the step before.
 */
export const overlayOf = (expect: { groups?: readonly string[]; users?: readonly string[]; datamodels?: readonly string[] } | undefined, exclude?: readonly string[]): Overlay => ({
  groups: new Set((expect?.groups ?? []).filter((g) => !excluded(exclude, 'group', undefined, g))),
  users: new Set((expect?.users ?? []).filter((u) => !excluded(exclude, 'user', undefined, u)).map((e) => e.toLowerCase())),
  models: new Set((expect?.datamodels ?? []).filter((m) => !excluded(exclude, 'datamodel', undefined, m))),
});

/**
 * A source principal as the target knows it: `found` (its target id, or none yet when an earlier phase creates it),
 * `missing` in the target, or `unknown` even in the source (a dangling reference, dropped with a note).
 */
export type Mapped = { kind: 'found'; id?: string; name: string } | { kind: 'missing'; name: string; what: string } | { kind: 'unknown'; what: string };

/** Maps users by email and groups by name from one deployment to the other. */
export class PrincipalMap {
  constructor(
    readonly src: Principals,
    readonly dst: Principals,
    readonly overlay: Overlay,
  ) {}

  userById(sourceId: string): Mapped {
    const email = this.src.emailOf(sourceId);
    return email ? this.userByEmail(email) : { kind: 'unknown', what: `user ${sourceId}` };
  }

  userByEmail(email: string): Mapped {
    const there = this.dst.user(email);
    if (there) return { kind: 'found', id: there._id, name: email };
    if (this.overlay.users.has(email.toLowerCase())) return { kind: 'found', name: email };
    return { kind: 'missing', name: email, what: `user ${email}` };
  }

  groupById(sourceId: string): Mapped {
    const name = this.src.groupNameOf(sourceId);
    return name ? this.groupByName(name) : { kind: 'unknown', what: `group ${sourceId}` };
  }

  groupByName(name: string): Mapped {
    const there = this.dst.group(name);
    if (there) return { kind: 'found', id: there._id, name };
    if (this.overlay.groups.has(name)) return { kind: 'found', name };
    return { kind: 'missing', name, what: `group "${name}"` };
  }

  party(type: unknown, sourceId: string): Mapped {
    return type === 'group' ? this.groupById(sourceId) : this.userById(sourceId);
  }
}
