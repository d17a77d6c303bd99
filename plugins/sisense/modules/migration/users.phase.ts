import type { SisenseUser } from '../../shared/deps.js';
import { asArray } from '../../shared/errors.js';
import { label } from '../../shared/plan.js';
import type { MigrationReport, PlannedItem } from './migration.report.js';
import { chunks, reasonOf, type Session } from './migration.session.js';
import { select, type Prepared } from './phase.js';
import { emptyOverlay, groupIdsOf, IMPLICIT_GROUPS, PrincipalMap, Principals, type Overlay } from './principals.js';

export interface UsersInput {
  /** Emails or ids; omitted: every user. */
  users?: string[];
  existing: 'skip' | 'update';
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
}

interface UserItem extends PlannedItem {
  body: UserBody;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Users, matched by email. The role is mapped by name and the groups by name (the implicit Everyone and All users in
 * system are left out); a user the target has already is skipped, or with `existing: update` given the source's
 * names, role and groups (memberships of groups the source does not have are kept).
 */
export async function prepareUsers(s: Session, input: UsersInput, overlay: Overlay = emptyOverlay()): Promise<Prepared<UserItem>> {
  const [srcDir, dstDir] = await Promise.all([s.source.directory(), s.target.directory()]);
  const src = new Principals(srcDir);
  const dst = new Principals(dstDir);
  const map = new PrincipalMap(src, dst, overlay);
  const chosen = select('user', srcDir.users, input.users, (u) => u._id, (u) => u.email);

  const items = chosen.map((u): UserItem => {
    const missing: string[] = [];
    const notes: string[] = [];
    const roleName = src.roleNameOf(u.roleId);
    const role = roleName ? dst.role(roleName) : undefined;
    if (!role) missing.push(roleName ? `role "${roleName}"` : `a role for ${u.email} (none in the source)`);
    const groups: string[] = [];
    for (const id of groupIdsOf(u)) {
      const m = map.groupById(id);
      if (m.kind === 'unknown') notes.push(`${m.what} dropped: unknown in the source`);
      else if (m.kind === 'missing') missing.push(m.what);
      else if (!IMPLICIT_GROUPS.has(m.name) && m.id) groups.push(m.id);
    }
    const body: UserBody = { email: u.email, userName: typeof u.userName === 'string' ? u.userName : u.email, firstName: u.firstName ?? '', lastName: u.lastName ?? '', ...(role && { roleId: role._id }), groups };
    const base = { kind: 'user' as const, asset: u.email, label: label.user(u), sourceId: u._id, missing, body, ...(notes.length && { note: notes.join('; ') }) };
    if (u.active === false && !input.includeInactive) return { ...base, missing: [], action: 'skip', note: 'inactive in the source (includeInactive is false)' };
    const there = dst.user(u.email);
    if (!there) return { ...base, action: 'create' };
    if (input.existing === 'skip') return { ...base, missing: [], action: 'skip', note: 'already in the target', targetId: there._id };
    // Memberships of groups the source does not know stay: the migration does not own them.
    const kept = groupIdsOf(there).filter((id) => {
      const name = dst.groupNameOf(id);
      return name !== undefined && !src.group(name) && !IMPLICIT_GROUPS.has(name);
    });
    body.groups = [...new Set([...groups, ...kept])];
    const unchanged = there.roleId === body.roleId && there.firstName === body.firstName && there.lastName === body.lastName && sameSet(groupIdsOf(there), body.groups);
    return unchanged ? { ...base, missing: [], action: 'skip', note: 'already up to date in the target', targetId: there._id } : { ...base, action: 'update', targetId: there._id };
  });

  return { items, extra: [], execute: (report) => executeUsers(s, items, input.batchSize, report) };
}

async function executeUsers(s: Session, items: UserItem[], batchSize: number, report: MigrationReport): Promise<void> {
  const work = report.settle(items);
  const creates = work.filter((i) => i.action === 'create');
  const updates = work.filter((i) => i.action === 'update');
  report.progress(`users: ${creates.length} to create, ${updates.length} to update`);
  const createBatch = async (batch: UserItem[]) => {
    try {
      const created = asArray<SisenseUser>(await s.target.post('/api/v1/users/bulk', batch.map((i) => i.body)), 'created users');
      const byEmail = new Map(created.map((u) => [u.email?.toLowerCase(), u]));
      for (const item of batch) {
        const u = byEmail.get(item.asset.toLowerCase());
        if (u) report.succeed(item, { targetId: u._id });
        else report.fail(item, 'the target did not report the user as created');
      }
    } catch (e) {
      for (const item of batch) report.fail(item, `creating the user failed: ${reasonOf(e)}`);
    }
    report.progress(`users: created a batch of ${batch.length}`);
  };
  const update = async (item: UserItem) => {
    const { firstName, lastName, roleId, groups } = item.body;
    try {
      await s.target.patch(`/api/v1/users/${item.targetId}`, { firstName, lastName, roleId, groups });
      report.succeed(item);
    } catch (e) {
      report.fail(item, `updating the user failed: ${reasonOf(e)}`);
    }
  };
  await Promise.all([...chunks(creates, batchSize).map(createBatch), ...updates.map(update)]);
  if (updates.length) report.progress(`users: updated ${updates.length}`);
}
