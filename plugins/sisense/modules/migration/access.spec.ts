import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ProgressUpdate } from '../../../../src/plugins/plugin-api.js';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import type { SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOnTenants, roles, startTenants } from '../../sisense.test-kit.js';

describe('sisense.migration: groups and users (two simulated tenants)', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let host: TestHost;
  beforeEach(async () => {
    [src, dst] = await startTenants();
    host = await hostOnTenants(src, dst);
  });
  afterEach(async () => {
    await Promise.all([src.close(), dst.close()]);
  });
  const groupNames = () => dst.state.groups.map((g) => g.name).sort();
  const user = (email: string) => dst.state.users.find((u) => u.email === email);
  const groupsOf = (email: string) => (user(email)?.groups ?? []).map((id) => dst.state.groups.find((g) => g._id === id)?.name).sort();
  const roleOf = (email: string) => dst.state.roles.find((r) => r._id === user(email)?.roleId)?.name;

  const resultsOf = (r: Awaited<ReturnType<TestHost['invoker']['invoke']>>) => {
    const out = r.ok && r.mode === 'execute' ? r.output : !r.ok && r.error.code === 'MIGRATION_PARTIAL' ? r.error.detail : undefined;
    return Object.fromEntries(((out as { results?: Array<{ asset: string; status: string; action: string; reason?: string }> } | undefined)?.results ?? []).map((x) => [x.asset, x]));
  };

  it('groups: system groups and other tenants\' groups are reported skipped with the reason; the plan writes nothing; a second run changes nothing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.groups', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { summary: 'migrate groups: 5 skip, 4 create', wouldChange: true, wouldFail: false } });
    expect(dst.snapshot()).toBe(before);

    const seen: ProgressUpdate[] = [];
    const run = await host.invoker.invoke('sisense.migration.groups', { batchSize: 2 }, { ...roles, progress: (p) => seen.push(p) });
    expect(run).toMatchObject({ ok: true, output: { summary: { succeeded: 4, skipped: 5, failed: 0 } } });
    const r = resultsOf(run);
    for (const g of ['Admins', 'Everyone', 'All users in system']) expect(r[g]).toMatchObject({ status: 'skipped', reason: 'a system group: every deployment has its own' });
    expect(r['EMEA Partners']).toMatchObject({ status: 'skipped', reason: 'of another tenant ("emea"): only the system tenant is migrated' });
    expect(r['Sales']).toMatchObject({ status: 'skipped', reason: 'already in the target' });
    expect(groupNames()).not.toContain('EMEA Partners');
    expect(groupNames()).toEqual(expect.arrayContaining(['Data Team', 'EMEA Analysts', 'Finance', 'Marketing', 'Sales']));
    expect(seen.some((p) => /created a batch of 2/.test(p.message ?? ''))).toBe(true);

    const settled = dst.snapshot();
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true, output: { summary: { succeeded: 0, skipped: 9, failed: 0 } } });
    expect(dst.snapshot()).toBe(settled);
  });

  it('users: super users, other tenants and records without a first name are skipped with the reason; inactive users are created inactive; roles and groups by name; a re-run changes nothing', async () => {
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true });
    const run = await host.invoker.invoke('sisense.migration.users', { batchSize: 3 }, roles);
    expect(run).toMatchObject({ ok: true, output: { summary: { failed: 0 } } });
    const r = resultsOf(run);
    for (const email of ['admin@acme.test', 'sam.super@acme.test']) expect(r[email]).toMatchObject({ status: 'skipped', reason: 'a super user (Sys. Admin): every deployment has its own' });
    expect(r['tina.tenant@emea.acme.test']).toMatchObject({ status: 'skipped', reason: 'of another tenant ("emea"): only the system tenant is migrated' });
    expect(r['no.first.name@acme.test']).toMatchObject({ status: 'skipped', reason: 'no first name: Sisense requires one' });
    // Compared, not assumed done: the target's dana lacks a group the source gives her.
    expect(r['dana.designer@acme.test']).toMatchObject({ status: 'skipped', reason: "already in the target, but its groups differ from the source's (existing: update brings it in line)" });
    for (const email of ['ian.inactive@acme.test', 'irene.inactive@acme.test', 'ivan.inactive@acme.test']) {
      expect(r[email]).toMatchObject({ status: 'succeeded', action: 'create', reason: 'inactive in the source: created inactive' });
      expect(user(email)?.active).toBe(false);
    }
    expect(user('sam.super@acme.test')).toBeUndefined();
    expect(user('tina.tenant@emea.acme.test')).toBeUndefined();
    expect(user('no.first.name@acme.test')).toBeUndefined();
    expect([roleOf('dora.data@acme.test'), groupsOf('dora.data@acme.test')]).toEqual(['dataDesigner', ['Data Team']]);
    expect([roleOf('vic.viewer@acme.test'), groupsOf('vic.viewer@acme.test')]).toEqual(['consumer', ['Sales']]);
    expect(user('vic.viewer@acme.test')?.active).not.toBe(false);

    const settled = dst.snapshot();
    const again = await host.invoker.invoke('sisense.migration.users', {}, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { succeeded: 0, failed: 0 } } });
    expect(dst.snapshot()).toBe(settled);
  });

  it('users: includeInactive false leaves inactive users out, with the reason', async () => {
    await host.invoker.invoke('sisense.migration.groups', {}, roles);
    const run = await host.invoker.invoke('sisense.migration.users', { users: ['ian.inactive@acme.test', 'vic.viewer@acme.test'], includeInactive: false }, roles);
    expect(resultsOf(run)['ian.inactive@acme.test']).toMatchObject({ status: 'skipped', reason: 'inactive in the source (includeInactive is false)' });
    expect(user('ian.inactive@acme.test')).toBeUndefined();
    expect(user('vic.viewer@acme.test')).toBeDefined();
  });

  it('users: a user whose role or groups the target lacks fails on its own with the reason; the others are migrated', async () => {
    dst.state.roles = dst.state.roles.filter((x) => x.name !== 'dataDesigner');
    const plan = await host.invoker.invoke('sisense.migration.users', { users: ['dora.data@acme.test', 'fred.finance@acme.test', 'olga.orphan@acme.test'] }, { ...roles, mode: 'plan' });
    const fails = plan.ok && plan.mode === 'plan' ? plan.plan!.changes.filter((c) => c.action === 'fail').map((c) => `${c.target}: ${c.detail}`) : [];
    // Each failed change says how to leave the asset out (exclude) so the rest can be approved.
    expect(fails.sort()).toEqual([
      'user dora.data@acme.test: the target lacks role "dataDesigner", group "Data Team" (to migrate the rest without it: exclude "dora.data@acme.test")',
      'user fred.finance@acme.test: the target lacks group "Finance" (to migrate the rest without it: exclude "fred.finance@acme.test")',
    ]);
    const run = await host.invoker.invoke('sisense.migration.users', { users: ['dora.data@acme.test', 'fred.finance@acme.test', 'olga.orphan@acme.test'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    const r = resultsOf(run);
    expect(r['dora.data@acme.test']).toMatchObject({ status: 'failed', reason: 'the target lacks role "dataDesigner", group "Data Team"' });
    expect(r['fred.finance@acme.test']).toMatchObject({ status: 'failed', reason: 'the target lacks group "Finance"' });
    expect(r['olga.orphan@acme.test']).toMatchObject({ status: 'succeeded', action: 'create' });
    expect(user('dora.data@acme.test')).toBeUndefined();
    expect(user('olga.orphan@acme.test')).toBeDefined();
  });

  it('users: expect (plan only) counts the groups an earlier step creates; the run reads the target as it is', async () => {
    const expect_ = { groups: ['Data Team', 'Finance', 'Marketing', 'EMEA Analysts'] };
    const plan = await host.invoker.invoke('sisense.migration.users', { expect: expect_ }, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldChange: true, wouldFail: false } });
    const run = await host.invoker.invoke('sisense.migration.users', { expect: expect_ }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultsOf(run)['fred.finance@acme.test']).toMatchObject({ status: 'failed', reason: 'the target lacks group "Finance"' });
  });

  it('users: existing update brings an existing user in line and keeps memberships only the target knows', async () => {
    await host.invoker.invoke('sisense.migration.groups', {}, roles);
    await host.invoker.invoke('sisense.migration.users', { users: ['vic.viewer@acme.test'] }, roles);
    // A membership only the target knows stays.
    const local = dst.state.groups.find((g) => g.name === 'Sales')!;
    dst.state.groups.push({ ...local, _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Target Only' });
    user('dana.designer@acme.test')!.groups.push('aaaaaaaaaaaaaaaaaaaaaaaa');
    const planned = await host.invoker.invoke('sisense.migration.users', { users: ['dana.designer@acme.test', 'vic.viewer@acme.test'], existing: 'update' }, { ...roles, mode: 'plan' });
    // The plan lists the fields the update changes; the membership only the target knows is kept on both sides.
    expect(planned).toMatchObject({ ok: true, plan: { changes: [{ action: 'update', kind: 'user', target: 'user dana.designer@acme.test', fields: [{ field: 'groups', before: expect.arrayContaining(['Target Only']), after: ['EMEA Analysts', 'Sales', 'Target Only'] }] }, { action: 'update', kind: 'user', target: 'user vic.viewer@acme.test' }] } });
    expect(planned.ok && planned.mode === 'plan' && planned.plan?.changes[1].fields).toBeUndefined();
    const update = await host.invoker.invoke('sisense.migration.users', { users: ['dana.designer@acme.test', 'vic.viewer@acme.test'], existing: 'update' }, roles);
    expect(update).toMatchObject({ ok: true, output: { results: [{ asset: 'dana.designer@acme.test', action: 'update', status: 'succeeded' }, { asset: 'vic.viewer@acme.test', status: 'skipped', reason: 'already up to date in the target' }] } });
    expect(groupsOf('dana.designer@acme.test')).toEqual(['EMEA Analysts', 'Sales', 'Target Only']);

  });

  it('users: a user created in the target between the plan and the run fails on its own (the bulk create refused as a whole is split); the run reuses the plan\'s reads', async () => {
    await host.invoker.invoke('sisense.migration.groups', {}, roles);
    const input = { users: ['vic.viewer@acme.test', 'fred.finance@acme.test', 'mia.marketing@acme.test'] };
    expect(await host.invoker.invoke('sisense.migration.users', input, { ...roles, mode: 'plan' })).toMatchObject({ ok: true, plan: { summary: 'migrate users: 3 create' } });
    const reads = dst.requests.length;
    // Someone else creates vic in the target meanwhile.
    const dana = dst.state.users.find((u) => u.email === 'dana.designer@acme.test')!;
    dst.state.users.push({ ...dana, _id: 'cccccccccccccccccccccccc', email: 'vic.viewer@acme.test', userName: 'vic.viewer@acme.test' });
    const run = await host.invoker.invoke('sisense.migration.users', input, roles);
    expect(dst.requests.slice(reads).filter((r) => r.method === 'GET' && r.path === '/api/v1/users')).toEqual([]);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    const r = resultsOf(run);
    expect(r['vic.viewer@acme.test']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^creating the user failed: .*400/) });
    expect(r['fred.finance@acme.test']).toMatchObject({ status: 'succeeded' });
    expect(r['mia.marketing@acme.test']).toMatchObject({ status: 'succeeded' });
  });

  it('an unknown reference fails the plan, and fails on its own in the run; the same environment twice is refused', async () => {
    const before = dst.snapshot();
    expect(await host.invoker.invoke('sisense.migration.users', { users: ['nobody@acme.test'] }, { ...roles, mode: 'plan' })).toMatchObject({ ok: true, plan: { wouldFail: true, changes: [{ action: 'fail', detail: expect.stringContaining('NOT_FOUND') }] } });
    expect(dst.snapshot()).toBe(before);
    // The run: the unknown reference fails on its own, the others are migrated.
    const run = await host.invoker.invoke('sisense.migration.users', { users: ['nobody@acme.test', 'olga.orphan@acme.test'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultsOf(run)['nobody@acme.test']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^NOT_FOUND: no user matches "nobody@acme.test"/) });
    expect(resultsOf(run)['olga.orphan@acme.test']).toMatchObject({ status: 'succeeded' });
    const written = dst.snapshot();
    expect(await host.invoker.invoke('sisense.migration.groups', {}, { environments: { source: 'dst', target: 'dst' } })).toMatchObject({ ok: false, error: { code: 'SAME_ENVIRONMENT' } });
    expect(await host.invoker.invoke('sisense.migration.groups', { groups: [] }, roles)).toMatchObject({ ok: true, output: { results: [], summary: { succeeded: 0, skipped: 0, failed: 0 } } });
    expect(dst.snapshot()).toBe(written);
  });
});
