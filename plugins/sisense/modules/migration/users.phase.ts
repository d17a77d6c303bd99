import type { SisenseUser } from '../../shared/deps.js';
import type { PlannedField } from '../../../../src/plugins/plugin-api.js';
import { asArray } from '../../shared/errors.js';
import { field } from '../../shared/plan.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import { bulkCreate, chunks, reasonOf, type Session } from './migration.session.js';
import { EXCLUDED, excluded as isExcluded, selectEach, unresolvedItem, type Prepared } from './phase.js';
import { emptyOverlay, groupIdsOf, IMPLICIT_GROUPS, PrincipalMap, type Overlay } from './principals.js';
import { systemTenantOf, tenantExclusion } from './tenants.js';

export interface UsersInput {
  /** Emails or ids; omitted: every user. */
  users?: string[];
  /** Emails or ids left out (reported skipped, "excluded by input"). */
  exclude?: string[];
  existing: 'skip' | 'update';
  /** Inactive source users are migrated inactive (true) or left out (false). */
  includeInactive: boolean;
  batchSize: number;
}

interface UserBody {
  email: string;
  userName: string;
  firstName: string;
  lastName: string;
  roleId?: string;
  groups: string[];
  active: boolean;
}

interface UserItem extends PlannedItem {
  body: UserBody;
  /** Source group ids, mapped to the target's when the user is written (groups an earlier phase created included). */
  sourceGroups: string[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * What `existing: update` changes on a target user, in names: role, groups (memberships of groups the source does not
 * know stay, as the update keeps them), first and last name, active.
 */
function userFields(there: SisenseUser, body: UserBody, roleName: string | undefined, wantGroups: string[], roleBefore: string | undefined, groupName: (id: string) => string | undefined, inSource: (name: string) => boolean): PlannedField[] {
  const fields: PlannedField[] = [];
  if (body.roleId && there.roleId !== body.roleId) fields.push(field('role', roleBefore ?? there.roleId, roleName));
  const have = groupIdsOf(there).map((id) => groupName(id) ?? id).filter((n) => !IMPLICIT_GROUPS.has(n)).sort();
  const want = [...new Set([...wantGroups, ...have.filter((n) => !inSource(n))])].sort();
  if (!sameSet(have, want)) fields.push(field('groups', have, want));
  for (const k of ['firstName', 'lastName'] as const) if ((there[k] ?? '') !== body[k]) fields.push(field(k, there[k], body[k]));
  if ((there.active !== false) !== body.active) fields.push(field('active', there.active !== false, body.active));
  return fields;
}

/** Why a source user is never migrated (semantics.md §4.2), or undefined. */
function exclusion(u: SisenseUser, roleName: string | undefined, tenantReason: string | undefined): string | undefined {
  if (typeof u.email !== 'string' || !u.email.trim()) return 'no email: users are matched by email';
  if (roleName === 'super') return 'a super user (Sys. Admin): every deployment has its own';
  if (tenantReason) return tenantReason;
  if (typeof u.firstName !== 'string' || !u.firstName.trim()) return 'no first name: Sisense requires one';
  return undefined;
}

/**
 * Users, matched by email. Super users, users of another tenant than the system tenant, and records without an
 * email or first name are never migrated (each skipped with its reason). The role is mapped by name (a role the
 * target lacks fails that user), groups by name (Everyone and All users in system are implicit). An inactive user is
 * created inactive, or left out when `includeInactive` is false. A user the target has is skipped, or with
 * `existing: update` given the source's names, role, groups and active state.
 */
export async function prepareUsers(s: Session, input: UsersInput, overlay: Overlay = emptyOverlay()): Promise<Prepared<UserItem>> {
  const [srcDir, src, dst, systemTenant] = await Promise.all([s.source.directory(), s.source.principals(), s.target.principals(), systemTenantOf(s.source)]);
  const map = new PrincipalMap(src, dst, overlay);
  const { chosen, unresolved } = selectEach('user', srcDir.users, input.users, (u) => u._id, (u) => (typeof u.email === 'string' ? u.email : u._id));

  const items = chosen.map((u): UserItem => {
    const email = typeof u.email === 'string' ? u.email : '';
    const missing: string[] = [];
    const notes: string[] = [];
    const roleName = src.roleNameOf(u.roleId);
    const base = { kind: 'user' as const, asset: email || `user ${u._id}`, label: `user ${email || u._id}`, sourceId: u._id };
    const excluded = exclusion(u, roleName, tenantExclusion(u, systemTenant));
    const body: UserBody = { email, userName: typeof u.userName === 'string' ? u.userName : email, firstName: u.firstName ?? '', lastName: u.lastName ?? '', groups: [], active: u.active !== false };
    if (isExcluded(input.exclude, 'user', u._id, email, typeof u.userName === 'string' ? u.userName : undefined)) return { ...base, missing: [], action: 'skip', note: EXCLUDED, body, sourceGroups: [] };
    if (excluded) return { ...base, missing: [], action: 'skip', note: excluded, body, sourceGroups: [] };
    if (u.active === false && !input.includeInactive) return { ...base, missing: [], action: 'skip', note: 'inactive in the source (includeInactive is false)', body, sourceGroups: [] };
    const role = roleName ? dst.role(roleName) : undefined;
    if (role) body.roleId = role._id;
    else missing.push(roleName ? `role "${roleName}"` : `a role (none in the source)`);
    const sourceGroups: string[] = [];
    for (const id of groupIdsOf(u)) {
      const m = map.groupById(id);
      if (m.kind === 'unknown') missing.push(`${m.what} (unknown in the source)`);
      else if (m.kind === 'missing') missing.push(m.what);
      else if (!IMPLICIT_GROUPS.has(m.name)) sourceGroups.push(id);
    }
    if (u.active === false) notes.push('inactive in the source: created inactive');
    const note = notes.join('; ') || undefined;
    const item = { ...base, missing, body, sourceGroups, ...(note && { note }) };
    const there = dst.user(email);
    if (!there) return { ...item, action: 'create' };
    if (input.existing === 'skip') {
      // Compared, not assumed: what differs is reported (existing: update brings it in line).
      const differs: string[] = [];
      if (role && there.roleId !== role._id) differs.push('role');
      const want = new Set(sourceGroups.map((id) => map.groupById(id)).flatMap((m) => (m.kind === 'found' && m.id ? [m.id] : [])));
      if ([...want].some((id) => !groupIdsOf(there).includes(id)) || want.size < sourceGroups.length) differs.push('groups');
      if ((there.active !== false) !== body.active) differs.push(body.active ? 'active (inactive in the target)' : 'active (active in the target)');
      const note = differs.length ? `already in the target, but its ${differs.join(', ')} differ from the source's (existing: update brings it in line)` : 'already in the target';
      return { ...item, missing: [], action: 'skip', note, targetId: there._id };
    }
    const wantGroups = sourceGroups.flatMap((id) => {
      const m = map.groupById(id);
      return m.kind === 'found' ? [m.name] : [];
    });
    return { ...item, action: 'update', targetId: there._id, fields: userFields(there, body, roleName, wantGroups, dst.roleNameOf(there.roleId), (id) => dst.groupNameOf(id), (name) => !!src.group(name)) };
  });

  const empty: UserBody = { email: '', userName: '', firstName: '', lastName: '', groups: [], active: true };
  for (const u of unresolved) items.push({ ...unresolvedItem('user', u), body: empty, sourceGroups: [] });
  return { items, extra: [], excludable: true, execute: (report) => executeUsers(s, items, input.batchSize, report, overlay) };
}

/** The target group ids of a user's source groups, now (after any group the migration created). */
async function mapGroups(s: Session, item: UserItem, overlay: Overlay): Promise<string[]> {
  const map = new PrincipalMap(await s.source.principals(), await s.target.principals(), overlay);
  const ids: string[] = [];
  for (const id of item.sourceGroups) {
    const m = map.groupById(id);
    if (m.kind !== 'found' || !m.id) throw new Error(`its group ${m.kind === 'found' ? `"${m.name}"` : m.what} is not in the target`);
    ids.push(m.id);
  }
  return ids;
}

async function executeUsers(s: Session, items: UserItem[], batchSize: number, report: MigrationReport, overlay: Overlay): Promise<void> {
  const dst = await s.target.principals();
  const work = report.settle(items);
  const creates: UserItem[] = [];
  const updates: UserItem[] = [];
  for (const item of work) {
    try {
      item.body.groups = await mapGroups(s, item, overlay);
      (item.action === 'create' ? creates : updates).push(item);
    } catch (e) {
      report.fail(item, reasonOf(e));
    }
  }
  report.progress(`users: ${creates.length} to create, ${updates.length} to update`);
  const created = async (batch: readonly UserItem[], users: SisenseUser[]) => {
    const byEmail = new Map(users.map((u) => [u.email?.toLowerCase(), u]));
    await Promise.all(
      batch.map(async (item) => {
        const u = byEmail.get(item.asset.toLowerCase());
        if (!u) return report.fail(item, 'the target did not report the user as created');
        dst.addUser(u);
        // The bulk create may ignore `active`: an inactive source user must not end up active.
        if (!item.body.active && u.active !== false) {
          try {
            const after = await s.target.patch<SisenseUser>(`/api/v1/users/${u._id}`, { active: false });
            if (after && typeof after === 'object' && after.active !== false) throw new Error('the target kept it active');
          } catch (e) {
            return report.fail(item, `created as ${u._id}, but making it inactive failed: ${reasonOf(e)}`, { targetId: u._id });
          }
        }
        report.succeed(item, { targetId: u._id });
      }),
    );
  };
  const createBatch = async (batch: UserItem[]) => {
    const send = async (b: readonly UserItem[]) => asArray<SisenseUser>(await s.target.post('/api/v1/users/bulk', b.map((i) => i.body)), 'created users');
    await bulkCreate(batch, send, created, (item, e) => report.fail(item, `creating the user failed: ${reasonOf(e)}`));
    report.progress(`users: created a batch of ${batch.length}`);
  };
  const update = async (item: UserItem) => {
    const there = dst.user(item.asset)!;
    // Memberships of groups the source does not know stay: the migration does not own them.
    const src = await s.source.principals();
    const kept = groupIdsOf(there).filter((id) => {
      const name = dst.groupNameOf(id);
      return name !== undefined && !src.group(name) && !IMPLICIT_GROUPS.has(name);
    });
    const { firstName, lastName, roleId, active } = item.body;
    const groups = [...new Set([...item.body.groups, ...kept])];
    const unchanged = there.roleId === roleId && there.firstName === firstName && there.lastName === lastName && sameSet(groupIdsOf(there), groups) && (there.active !== false) === active;
    if (unchanged) return report.skip(item, 'already up to date in the target');
    try {
      await s.target.patch(`/api/v1/users/${item.targetId}`, { firstName, lastName, roleId, groups, active });
      report.succeed(item);
    } catch (e) {
      report.fail(item, `updating the user failed: ${reasonOf(e)}`);
    }
  };
  await Promise.all([...chunks(creates, batchSize).map(createBatch), ...updates.map(update)]);
  if (updates.length) report.progress(`users: updated ${updates.length}`);
}
