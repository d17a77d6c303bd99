import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ProgressUpdate } from '../../../../src/plugins/plugin-api.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';

const roles = { environments: { source: 'src', target: 'dst' } };
const fast = { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 };

describe('sisense.migration: groups and users (two simulated tenants)', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let host: TestHost;
  beforeEach(async () => {
    [src, dst] = await Promise.all([startSisenseSim({ seed: 'source' }), startSisenseSim({ seed: 'target' })]);
    host = await createTestHost({
      environments: { src: { kind: 'sisense', url: src.url, token: src.token, options: fast }, dst: { kind: 'sisense', url: dst.url, token: dst.token, options: fast } },
    });
  });
  afterEach(async () => {
    await Promise.all([src.close(), dst.close()]);
  });
  const groupNames = () => dst.state.groups.map((g) => g.name).sort();
  const user = (email: string) => dst.state.users.find((u) => u.email === email);
  const groupsOf = (email: string) => (user(email)?.groups ?? []).map((id) => dst.state.groups.find((g) => g._id === id)?.name).sort();
  const roleOf = (email: string) => dst.state.roles.find((r) => r._id === user(email)?.roleId)?.name;

  it('groups: the plan writes nothing; the run creates the missing ones, skips the rest and never migrates system groups; a second run changes nothing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.groups', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { summary: 'migrate groups: 1 skip, 3 create', wouldChange: true, wouldFail: false } });
    expect(dst.snapshot()).toBe(before);

    const seen: ProgressUpdate[] = [];
    const run = await host.invoker.invoke('sisense.migration.groups', {}, { ...roles, progress: (p) => seen.push(p) });
    expect(run).toMatchObject({ ok: true, output: { summary: { succeeded: 3, skipped: 1, failed: 0 } } });
    const results = run.ok && run.mode === 'execute' ? (run.output as { results: Array<{ asset: string; status: string }> }).results : [];
    expect(results.map((r) => [r.asset, r.status]).sort()).toEqual([['Data Team', 'succeeded'], ['EMEA Analysts', 'succeeded'], ['Finance', 'succeeded'], ['Sales', 'skipped']]);
    expect(groupNames()).toEqual(['Admins', 'All users in system', 'Data Team', 'EMEA Analysts', 'Everyone', 'Finance', 'Sales']);
    expect(seen.at(-1)).toMatchObject({ progress: 4, total: 4 });

    const again = await host.invoker.invoke('sisense.migration.groups', {}, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { succeeded: 0, skipped: 4, failed: 0 } } });
    const named = await host.invoker.invoke('sisense.migration.groups', { groups: ['Admins'] }, roles);
    expect(named).toMatchObject({ ok: true, output: { results: [{ asset: 'Admins', status: 'skipped', reason: 'a system group: every deployment has its own' }] } });
  });

  it('users: a target lacking their groups is refused before anything is written, naming what is missing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.users', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldFail: true } });
    const fails = plan.ok && plan.mode === 'plan' ? plan.plan!.changes.filter((c) => c.action === 'fail').map((c) => c.target) : [];
    expect(fails.sort()).toEqual(['user dora.data@acme.test', 'user fred.finance@acme.test']);

    const run = await host.invoker.invoke('sisense.migration.users', {}, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PREREQUISITES', detail: { missing: ['group "Data Team"', 'group "Finance"'] } } });
    expect(dst.snapshot()).toBe(before);
  });

  it('users: expect (plan only) counts the groups an earlier step creates; the run ignores it and still refuses', async () => {
    const before = dst.snapshot();
    const expect_ = { groups: ['Data Team', 'Finance'] };
    const plan = await host.invoker.invoke('sisense.migration.users', { expect: expect_ }, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldChange: true, wouldFail: false } });
    const run = await host.invoker.invoke('sisense.migration.users', { expect: expect_ }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PREREQUISITES' } });
    expect(dst.snapshot()).toBe(before);
  });

  it('users: matched by email, role and groups remapped by name, existing and inactive users skipped; update brings an existing user in line', async () => {
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true });
    const run = await host.invoker.invoke('sisense.migration.users', { batchSize: 2 }, roles);
    expect(run).toMatchObject({ ok: true, output: { summary: { succeeded: 4, skipped: 3, failed: 0 } } });
    const byAsset = Object.fromEntries((run.ok && run.mode === 'execute' ? (run.output as { results: Array<{ asset: string; status: string; reason?: string }> }).results : []).map((r) => [r.asset, r]));
    expect(byAsset['ian.inactive@acme.test']).toMatchObject({ status: 'skipped', reason: 'inactive in the source (includeInactive is false)' });
    expect(byAsset['dana.designer@acme.test']).toMatchObject({ status: 'skipped', reason: 'already in the target' });
    expect([roleOf('dora.data@acme.test'), groupsOf('dora.data@acme.test')]).toEqual(['dataDesigner', ['Data Team']]);
    expect([roleOf('vic.viewer@acme.test'), groupsOf('vic.viewer@acme.test')]).toEqual(['consumer', ['Sales']]);
    expect(user('ian.inactive@acme.test')).toBeUndefined();
    expect(groupsOf('dana.designer@acme.test')).toEqual(['Sales']);

    // A membership only the target knows stays.
    await host.invoker.invoke('sisense.migration.groups', { groups: ['Finance'] }, roles);
    const local = dst.state.groups.find((g) => g.name === 'Sales')!;
    dst.state.groups.push({ ...local, _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Target Only' });
    user('dana.designer@acme.test')!.groups.push('aaaaaaaaaaaaaaaaaaaaaaaa');
    const update = await host.invoker.invoke('sisense.migration.users', { users: ['dana.designer@acme.test', 'vic.viewer@acme.test'], existing: 'update' }, roles);
    expect(update).toMatchObject({ ok: true, output: { results: [{ asset: 'dana.designer@acme.test', action: 'update', status: 'succeeded' }, { asset: 'vic.viewer@acme.test', status: 'skipped', reason: 'already up to date in the target' }] } });
    expect(groupsOf('dana.designer@acme.test')).toEqual(['EMEA Analysts', 'Sales', 'Target Only']);

    const inactive = await host.invoker.invoke('sisense.migration.users', { users: ['ian.inactive@acme.test'], includeInactive: true }, roles);
    expect(inactive).toMatchObject({ ok: true, output: { results: [{ asset: 'ian.inactive@acme.test', action: 'create', status: 'succeeded' }] } });
    expect(groupsOf('ian.inactive@acme.test')).toEqual(['Finance']);
  });

  it('an unknown reference fails the plan and the run before anything is written; the same environment twice is refused', async () => {
    const before = dst.snapshot();
    expect(await host.invoker.invoke('sisense.migration.users', { users: ['nobody@acme.test'] }, { ...roles, mode: 'plan' })).toMatchObject({ ok: true, plan: { wouldFail: true, changes: [{ action: 'fail', detail: expect.stringContaining('NOT_FOUND') }] } });
    expect(await host.invoker.invoke('sisense.migration.users', { users: ['nobody@acme.test'] }, roles)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await host.invoker.invoke('sisense.migration.groups', {}, { environments: { source: 'dst', target: 'dst' } })).toMatchObject({ ok: false, error: { code: 'SAME_ENVIRONMENT' } });
    expect(await host.invoker.invoke('sisense.migration.groups', { groups: [] }, roles)).toMatchObject({ ok: true, output: { results: [], summary: { succeeded: 0, skipped: 0, failed: 0 } } });
    expect(dst.snapshot()).toBe(before);
  });
});
