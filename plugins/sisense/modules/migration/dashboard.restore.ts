import type { PlannedField } from '../../../../src/plugins/plugin-api.js';
import type { DashboardSummary, SisenseShare } from '../../shared/deps.js';
import { field } from '../../shared/plan.js';
import { asObject } from '../../shared/errors.js';
import { TargetFolders } from './dashboard.folders.js';
import type { MigrationReport } from './migration.report.js';
import { reasonOf, statusOf, type Side } from './migration.session.js';
import { IMPLICIT_GROUPS, type PrincipalMap, type Principals } from './principals.js';

/** What a migrated dashboard should look like in the target, in source terms (mapped when it is written). */
export interface SourceAccess {
  /** The owner's id in the source (undefined: unknown, the importing user keeps it). */
  owner?: string;
  /** Shares in the source, the owner's entry left out. */
  shares: SisenseShare[];
  /** Its folder path ([] the root). */
  folder: string[];
}

/** The same in target terms. */
export interface Wanted {
  ownerId?: string;
  ownerEmail?: string;
  shares: SisenseShare[];
  folder: string[];
  /** Shares Sisense would drop (inactive users): not sent, noted. */
  notes: string[];
}

/** A dashboard in the target as the admin listing answers it (owner copy). */
export type Current = Pick<DashboardSummary, 'oid' | 'owner' | 'parentFolder' | 'shares'>;

const shareKey = (s: { type: string; shareId: string; rule?: string }) => `${s.type}:${s.shareId}:${s.rule ?? 'view'}`;

/** The target's view of the source access, now (users and groups an earlier phase created included). Throws when a party is missing. */
export function wantedOf(access: SourceAccess, map: PrincipalMap, dst: Principals): Wanted {
  const notes: string[] = [];
  let ownerId: string | undefined;
  let ownerEmail: string | undefined;
  if (access.owner) {
    const m = map.userById(access.owner);
    if (m.kind !== 'found' || !m.id) throw new Error(`its owner ${m.kind === 'found' ? m.name : m.what} is not in the target`);
    ownerId = m.id;
    ownerEmail = m.name;
  }
  const shares: SisenseShare[] = [];
  for (const sh of access.shares) {
    const m = map.party(sh.type, sh.shareId);
    if (m.kind === 'missing' && sh.type === 'user' && map.src.userById(sh.shareId)?.active === false) {
      notes.push(inactiveLeftOut(m.name));
      continue;
    }
    if (m.kind !== 'found' || !m.id) throw new Error(`its share with ${m.kind === 'found' ? m.name : m.what} cannot be given: not in the target`);
    if (m.id === ownerId) continue;
    if (sh.type === 'user' && dst.userById(m.id)?.active === false) {
      notes.push(`share with ${m.name} not kept: the user is inactive in the target, and Sisense drops shares with inactive users`);
      continue;
    }
    if (!shares.some((x) => x.shareId === m.id)) shares.push({ shareId: m.id, type: sh.type, rule: sh.rule ?? 'view', subscribe: sh.subscribe === true });
  }
  return { ownerId, ownerEmail, shares, folder: access.folder, notes };
}

/**
 * A share with a user inactive in the source whom the migration left out (includeInactiveUsers: false): not a
 * missing party. Sisense drops shares with inactive users anyway (api.md §1.6, §4 #3), so nothing is lost.
 */
export const inactiveLeftOut = (email: string) => `share with ${email} not kept: the user is inactive in the source and not in the target, and Sisense drops shares with inactive users`;

/** The owner copy of one dashboard in the target (`GET /api/v1/dashboards/admin?id=`, an array), or undefined. */
export async function readCurrent(target: Side, id: string): Promise<Current | undefined> {
  const rows = await target.get<unknown>('/api/v1/dashboards/admin', { id, dashboardType: 'owner', asObject: false, fields: 'oid,owner,parentFolder,shares' });
  return Array.isArray(rows) ? (rows as Current[]).find((r) => r?.oid === id) : undefined;
}

/** What differs between a dashboard in the target and what it should be (empty: nothing to repair). */
export function differences(current: Current, wanted: Wanted, folderOid: string | undefined, me?: string): string[] {
  const out: string[] = [];
  if (wanted.ownerId && current.owner !== wanted.ownerId) out.push('owner');
  const owner = current.owner;
  const have = (current.shares ?? []).filter((s) => s.shareId !== owner && s.rule).map(shareKey).sort();
  const want = wanted.shares.filter((s) => s.shareId !== (wanted.ownerId ?? me)).map(shareKey).sort();
  if (JSON.stringify(have) !== JSON.stringify(want)) out.push('shares');
  if ((current.parentFolder ?? undefined) !== folderOid) out.push('folder');
  return out;
}

/**
 * The fields `differences` finds, before → after, as people read them: owner by email, folder by path ('/' the
 * root), shares as `user ann@x: view` / `group "Sales": edit`.
 */
export function accessFields(current: Current, wanted: Wanted, folderOid: string | undefined | null, dst: Principals, folderPath: (oid: string | undefined) => string[], me?: string): PlannedField[] {
  const fields: PlannedField[] = [];
  const who = (id: string | undefined) => (id ? (dst.emailOf(id) ?? id) : undefined);
  if (wanted.ownerId && current.owner !== wanted.ownerId) fields.push(field('owner', who(current.owner), wanted.ownerEmail ?? who(wanted.ownerId)));
  if (folderOid === null || (current.parentFolder ?? undefined) !== folderOid) fields.push(field('folder', `/${folderPath(current.parentFolder ?? undefined).join('/')}`, `/${wanted.folder.join('/')}`));
  const named = (sh: SisenseShare) => `${sh.type === 'group' ? `group "${dst.groupNameOf(sh.shareId) ?? sh.shareId}"` : `user ${who(sh.shareId)}`}: ${sh.rule ?? 'view'}`;
  const have = (current.shares ?? []).filter((sh) => sh.shareId !== current.owner && sh.rule).map(named).sort();
  const want = wanted.shares.filter((sh) => sh.shareId !== (wanted.ownerId ?? me)).map(named).sort();
  if (JSON.stringify(have) !== JSON.stringify(want)) fields.push(field('shares', have, want));
  return fields;
}

/**
 * Whether the recipients of a dashboard have their copy (it was published since it was shared): the users it is
 * shared with and the active members of the groups it is shared with (the implicit Everyone / All users in system
 * left out). The admin listing without `dashboardType` answers one row per instance (the owner's, each recipient's
 * `user` copy, api.md §1.2); a deployment that answers no `instanceType` cannot tell, and counts as published.
 */
export async function publishedToRecipients(target: Side, id: string, shares: readonly SisenseShare[], dst: Principals, owner?: string): Promise<boolean> {
  const expected = new Set<string>();
  for (const s of shares) {
    if (s.type === 'user') expected.add(s.shareId);
    else if (!IMPLICIT_GROUPS.has(dst.groupNameOf(s.shareId) ?? '')) for (const u of dst.membersOf(s.shareId)) if (u.active !== false) expected.add(u._id);
  }
  if (owner) expected.delete(owner);
  if (!expected.size) return true;
  const rows = await target.get<unknown>('/api/v1/dashboards/admin', { id, asObject: false, fields: 'oid,userId,instanceType' });
  if (!Array.isArray(rows) || !rows.some((r) => typeof (r as { instanceType?: unknown })?.instanceType === 'string')) return true;
  const copies = new Set((rows as Array<{ instanceType?: string; userId?: string }>).filter((r) => r.instanceType === 'user').map((r) => r.userId));
  return [...expected].every((u) => copies.has(u));
}

const admin = { adminAccess: true };

/**
 * Gives a dashboard in the target its folder, owner and shares, then republishes it and reads it back. Order
 * (api.md §1.5–1.6, §4 #1–2): folder first (a non-owner's writes to a dashboard are refused), then the owner (after
 * asking whether the user can own it), then the whole share list (it replaces the list; the importing user's share
 * left by the owner change goes with it), then publish (recipients see nothing before), then one read of the owner
 * copy to confirm owner, folder and shares. Throws an Error naming the step that failed.
 */
export async function applyWanted(target: Side, id: string, wanted: Wanted, folders: TargetFolders, report: MigrationReport, options: { publish: boolean; current?: Current; me: string }): Promise<void> {
  let step = 'putting it in its folder';
  try {
    const folderOid = wanted.folder.length ? await folders.ensure(target, wanted.folder, report) : undefined;
    const moveFolder = options.current ? (options.current.parentFolder ?? undefined) !== folderOid : folderOid !== undefined;
    const owner = options.current?.owner ?? options.me;
    const changeOwner = !!wanted.ownerId && wanted.ownerId !== owner;
    const [, canBeOwned] = await Promise.all([
      moveFolder ? target.patch(`/api/v1/dashboards/${id}`, { parentFolder: folderOid ?? null }, admin) : undefined,
      changeOwner ? canOwn(target, id, wanted.ownerEmail!) : undefined,
    ]);
    if (changeOwner) {
      step = `giving it to its owner ${wanted.ownerEmail}`;
      if (canBeOwned !== true) throw new Error(`${wanted.ownerEmail} cannot own it: ${canBeOwned}`);
      await target.post(`/api/v1/dashboards/${id}/change_owner`, { ownerId: wanted.ownerId, originalOwnerRule: 'edit' }, admin);
    }
    step = 'sharing it';
    await target.post(`/api/shares/dashboard/${id}`, { sharesTo: wanted.shares.map(({ shareId, type, rule, subscribe }) => ({ shareId, type, rule, subscribe: subscribe === true })) }, admin);
    if (options.publish) {
      step = 'republishing it';
      await target.post(`/api/v1/dashboards/${id}/publish`, undefined, { force: false, ...admin });
    }
    step = 'reading it back';
    const after = await readCurrent(target, id);
    if (!after) throw new Error('the target does not list it');
    const wrong = differences(after, wanted, folderOid);
    if (wrong.length) throw new Error(`the target did not keep its ${wrong.join(', ')}${wrong.includes('shares') ? ` (${dropped(after, wanted)})` : ''}`);
  } catch (e) {
    throw new Error(`${step} failed: ${reasonOf(e)}`, { cause: e });
  }
}

function dropped(after: Current, wanted: Wanted): string {
  const have = new Set((after.shares ?? []).map(shareKey));
  const lost = wanted.shares.filter((s) => !have.has(shareKey(s))).map((s) => `${s.type} ${s.shareId}`);
  return lost.length ? `dropped: ${lost.join(', ')}` : 'shares differ';
}

/** `true`, or the reason the user cannot own the dashboard (`can_be_owned`, api.md §1.2; a deployment without the route: true). */
async function canOwn(target: Side, id: string, email: string): Promise<true | string> {
  try {
    const a = asObject<{ canBeOwned?: unknown; reasonMessage?: unknown }>(await target.get(`/api/v1/dashboards/${id}/can_be_owned`, { email, ...admin }), 'can_be_owned');
    if (a.canBeOwned !== false) return true;
    return typeof a.reasonMessage === 'string' && a.reasonMessage ? a.reasonMessage : 'the target says it cannot be owned by this user';
  } catch (e) {
    if (statusOf(e) === 404) return true;
    throw e;
  }
}

export { TargetFolders };
