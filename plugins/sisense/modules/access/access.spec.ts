import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.access', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.access.${id}`, input, target);
  /** A dry run, checked to have written nothing. */
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.access.${id}`, input);
  const userOf = (email: string) => sim.state.users.find((u) => u.email === email);
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { retryBaseMs: 5, retryMaxMs: 10 });
  });
  afterEach(() => sim.close());

  it('users: role and group names, filters', async () => {
    const all = output(await run('users', {}));
    expect(all.count).toBe(sim.state.users.length);
    expect(all.users.find((u: { email: string }) => u.email === 'dana.designer@acme.test')).toEqual({
      id: userOf('dana.designer@acme.test')?._id,
      email: 'dana.designer@acme.test',
      userName: expect.any(String),
      firstName: 'Dana',
      lastName: 'Designer',
      role: 'contributor',
      groups: ['EMEA Analysts', 'Sales'],
      active: true,
      lastLogin: expect.any(String),
    });
    expect(output(await run('users', { role: 'Designer', group: 'sales' })).users.map((u: { email: string }) => u.email)).toEqual(['dana.designer@acme.test', 'irene.inactive@acme.test']);
    expect(output(await run('users', { active: false })).users.map((u: { email: string }) => u.email)).toEqual(['ian.inactive@acme.test', 'irene.inactive@acme.test', 'ivan.inactive@acme.test']);
    expect(output(await run('users', { search: 'orphan' })).count).toBe(1);
  });

  it('user: by email (any case) with owned dashboards; NOT_FOUND otherwise', async () => {
    expect(output(await run('user', { user: 'Olga.Orphan@acme.test' }))).toMatchObject({ user: { email: 'olga.orphan@acme.test', role: 'contributor' }, ownedDashboards: [{ title: 'Orphaned Report' }, { title: 'Olga Draft' }] });
    expect(await run('user', { user: 'nobody@acme.test' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'no user matches "nobody@acme.test"', detail: { kind: 'user' } } });
  });

  it('groups, group members, roles, whoami', async () => {
    const groups = output(await run('groups', {})).groups as Array<{ name: string; members: number; system: boolean }>;
    const salesId = sim.state.groups.find((g) => g.name === 'Sales')!._id;
    const sales = sim.state.users.filter((u) => u.groups.includes(salesId)).map((u) => u.email).sort();
    expect(groups.find((g) => g.name === 'Sales')).toMatchObject({ members: sales.length, system: false });
    expect(groups.find((g) => g.name === 'Everyone')).toMatchObject({ system: true });
    const members = output(await run('group-members', { group: 'sales' }));
    expect(members).toMatchObject({ group: { name: 'Sales' }, count: sales.length });
    expect(members.members.map((m: { email: string }) => m.email)).toEqual(sales);
    expect(members.members).toContainEqual(expect.objectContaining({ email: 'vic.viewer@acme.test', role: 'consumer' }));
    expect(await run('group-members', { group: 'Nobody Here' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(output(await run('roles', {})).roles).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'consumer' }), expect.objectContaining({ name: 'super' })]));
    expect(output(await run('whoami', {}))).toEqual({ environment: 'src', url: sim.url, user: expect.objectContaining({ email: 'admin@acme.test', role: 'super', groups: ['Admins'] }), admin: true });
    const viewer = await hostOn(sim, undefined, undefined, sim.tokens.viewer);
    expect(output(await viewer.invoker.invoke('sisense.access.whoami', {}, target))).toMatchObject({ user: { email: 'vic.viewer@acme.test' }, admin: false });
  });

  it('user-upsert: plans a create, creates with role and groups by name, then skips; updates only what differs', async () => {
    const input = { email: 'new.person@acme.test', firstName: 'New', role: 'Designer', groups: ['Sales', 'Finance'] };
    expect(await plan('user-upsert', input)).toMatchObject({ wouldChange: true, changes: [{ action: 'create', target: 'user new.person@acme.test', detail: 'role Designer, groups Sales, Finance' }] });
    expect(output(await run('user-upsert', input))).toMatchObject({ action: 'created', user: { email: 'new.person@acme.test', role: 'contributor', groups: ['Finance', 'Sales'] } });
    expect(await plan('user-upsert', input)).toMatchObject({ wouldChange: false, changes: [{ action: 'skip' }] });
    expect(output(await run('user-upsert', input)).action).toBe('unchanged');
    expect(await plan('user-upsert', { email: 'vic.viewer@acme.test', role: 'contributor', groups: [] })).toMatchObject({ changes: [{ action: 'update', detail: 'role → contributor; groups → none', fields: [{ field: 'role', before: 'consumer', after: 'contributor' }, { field: 'groups', after: [] }] }] });
    expect(output(await run('user-upsert', { email: 'vic.viewer@acme.test', role: 'contributor', groups: [] }))).toMatchObject({ action: 'updated', user: { role: 'contributor', groups: [] } });
  });

  it('user-upsert: an unknown group or role fails the plan and the call before anything is written', async () => {
    const input = { email: 'x@acme.test', groups: ['Sales', 'Nope'] };
    expect(await plan('user-upsert', input)).toMatchObject({ wouldFail: true, changes: [{ action: 'fail', detail: 'NOT_FOUND: no group matches "Nope"' }] });
    const before = sim.snapshot();
    expect(await run('user-upsert', input)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await run('user-upsert', { email: 'x@acme.test', role: 'wizard' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', detail: { kind: 'role' } } });
    expect(sim.snapshot()).toBe(before);
  });

  it('user-delete: refuses without transferTo; plans the transfers; transfers every owned dashboard, then deletes; then skips', async () => {
    expect(await run('user-delete', { user: 'olga.orphan@acme.test' })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
    const report = sim.state.dashboards.find((d) => d.title === 'Orphaned Report');
    const draft = sim.state.dashboards.find((d) => d.title === 'Olga Draft');
    const p = await plan('user-delete', { user: 'olga.orphan@acme.test', transferTo: 'dana.designer@acme.test' });
    expect(p.changes).toEqual([
      { action: 'update', kind: 'dashboard', target: `dashboard ${report?.oid} "Orphaned Report"`, detail: 'owner olga.orphan@acme.test → dana.designer@acme.test', fields: [{ field: 'owner', before: 'olga.orphan@acme.test', after: 'dana.designer@acme.test' }] },
      { action: 'update', kind: 'dashboard', target: `dashboard ${draft?.oid} "Olga Draft"`, detail: 'owner olga.orphan@acme.test → dana.designer@acme.test', fields: [{ field: 'owner', before: 'olga.orphan@acme.test', after: 'dana.designer@acme.test' }] },
      { action: 'delete', kind: 'user', target: 'user olga.orphan@acme.test', detail: 'after transferring 2 dashboard(s) to dana.designer@acme.test' },
    ]);
    const progress: unknown[] = [];
    const r = await host.invoker.invoke('sisense.access.user-delete', { user: 'olga.orphan@acme.test', transferTo: 'dana.designer@acme.test' }, { ...target, progress: (u) => progress.push(u) });
    expect(output(r)).toEqual({ deleted: true, email: 'olga.orphan@acme.test', transferTo: 'dana.designer@acme.test', transferred: [{ oid: report?.oid, title: 'Orphaned Report' }, { oid: draft?.oid, title: 'Olga Draft' }] });
    expect(progress).toHaveLength(3);
    expect(userOf('olga.orphan@acme.test')).toBeUndefined();
    expect(sim.state.dashboards.find((d) => d.oid === report?.oid)?.owner).toBe(userOf('dana.designer@acme.test')?._id);
    expect(await plan('user-delete', { user: 'olga.orphan@acme.test', transferTo: 'dana.designer@acme.test' })).toMatchObject({ wouldChange: false, changes: [{ action: 'skip', detail: 'no such user', reason: 'no such user' }] });
    expect(output(await run('user-delete', { user: 'olga.orphan@acme.test', transferTo: 'dana.designer@acme.test' }))).toMatchObject({ deleted: false, transferred: [] });
  });

  it('user-delete: refuses an unknown heir, a transfer to the same user, and the token\'s own user', async () => {
    const before = sim.snapshot();
    expect(await plan('user-delete', { user: 'fred.finance@acme.test', transferTo: 'ghost@acme.test' })).toMatchObject({ wouldFail: true, changes: [{ action: 'fail' }] });
    expect(await run('user-delete', { user: 'fred.finance@acme.test', transferTo: 'ghost@acme.test' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await run('user-delete', { user: 'fred.finance@acme.test', transferTo: 'FRED.finance@acme.test' })).toMatchObject({ ok: false, error: { code: 'TRANSFER_TO_SELF' } });
    expect(await run('user-delete', { user: 'admin@acme.test', transferTo: 'dana.designer@acme.test' })).toMatchObject({ ok: false, error: { code: 'DELETE_SELF' } });
    expect(sim.snapshot()).toBe(before);
  });

  it('user-delete: stops before deleting when a transfer did not take', async () => {
    const fred = userOf('fred.finance@acme.test');
    sim.faults.push({ method: 'POST', path: /\/change_owner$/, status: 200, body: {} });
    expect(await run('user-delete', { user: 'fred.finance@acme.test', transferTo: 'dana.designer@acme.test' })).toMatchObject({ ok: false, error: { code: 'TRANSFER_INCOMPLETE', detail: { left: expect.arrayContaining([expect.objectContaining({ title: 'Finance KPIs' })]) } } });
    expect(userOf('fred.finance@acme.test')).toBe(fred);
  });
});
