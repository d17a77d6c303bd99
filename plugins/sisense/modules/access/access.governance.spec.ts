import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.access: tenants, members, share audit, group create', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.access.${id}`, input, target);
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.access.${id}`, input);
  const group = (name: string) => sim.state.groups.find((g) => g.name === name)!;
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { maxRetries: 0 });
  });
  afterEach(() => sim.close());

  it('group-members reads the documented member listing (GET /api/v1/users?groupId=), never /api/v1/groups/{id}/users', async () => {
    const sales = group('Sales');
    const expected = sim.state.users.filter((u) => u.groups.includes(sales._id)).map((u) => u.email).sort();
    expect(expected.length).toBeGreaterThan(0);
    const r = output(await run('group-members', { group: 'sales' }));
    expect(r.members.map((m: { email: string }) => m.email)).toEqual(expected);
    expect(sim.requests.some((q) => q.path === '/api/v1/users' && q.query.groupId === sales._id)).toBe(true);
    expect(sim.requests.some((q) => /^\/api\/v1\/groups\/[^/]+\/users/.test(q.path))).toBe(false);
  });

  it('tenants: the system tenant first, with its users and groups counted', async () => {
    const r = output(await run('tenants', {}));
    const other = r.tenants.find((t: { name: string }) => t.name === PLANTED.tenants.other);
    expect(r.tenants[0]).toMatchObject({ name: 'system', system: true, default: true });
    expect(other).toMatchObject({ system: false, users: 1, groups: 1 });
    expect(r.tenants[0].users).toBe(PLANTED.counts.users - 1);
  });

  it('users-per-group: every group with its members, system groups left out unless asked', async () => {
    const r = output(await run('users-per-group', {}));
    const names = r.groups.map((g: { name: string }) => g.name);
    for (const g of PLANTED.groups.migratable) expect(names).toContain(g);
    for (const g of PLANTED.groups.system) expect(names).not.toContain(g);
    const sales = r.groups.find((g: { name: string }) => g.name === 'Sales');
    expect(sales.members).toEqual(sim.state.users.filter((u) => u.groups.includes(group('Sales')._id)).map((u) => u.email).sort());
    expect(sales.count).toBe(sales.members.length);
    const withSystem = output(await run('users-per-group', { includeSystem: true }));
    expect(withSystem.groups.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining([...PLANTED.groups.system]));
  });

  it('share-audit: inactive owners and recipients, and an owner the deployment no longer has', async () => {
    // A user removed without their dashboards (as after a direct database clean-up): the dashboard is orphaned.
    const olga = sim.state.users.find((u) => u.email === PLANTED.users.owner)!;
    sim.state.users = sim.state.users.filter((u) => u !== olga);
    const r = output(await run('share-audit', {}));
    const keys = r.problems.map((p: { issue: string; dashboard: { title: string }; party: string }) => `${p.issue} ${p.dashboard.title} ${p.party}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `orphaned-owner ${PLANTED.dashboards.brokenDatasource} ${olga._id}`,
        `inactive-owner ${PLANTED.dashboards.inactiveOwner} irene.inactive@acme.test`,
        `inactive-recipient Finance KPIs ian.inactive@acme.test`,
        `inactive-recipient Campaign Tracker 01 ivan.inactive@acme.test`,
      ]),
    );
    expect(r.dashboards).toBe(PLANTED.counts.dashboards);
    expect(r.byIssue['inactive-recipient']).toBe(r.problems.filter((p: { issue: string }) => p.issue === 'inactive-recipient').length);
    const only = output(await run('share-audit', { issues: ['inactive-owner'] }));
    expect(only.problems.map((p: { dashboard: { title: string } }) => p.dashboard.title)).toEqual([PLANTED.dashboards.inactiveOwner]);
  });

  it('group-create: plans, creates once, leaves an existing group, refuses system names', async () => {
    expect((await plan('group-create', { name: 'Partners' })).changes).toEqual([{ action: 'create', kind: 'group', target: 'group "Partners"' }]);
    const made = output(await run('group-create', { name: 'Partners' }));
    expect(made).toMatchObject({ created: true, group: { name: 'Partners' } });
    expect(sim.state.groups.filter((g) => g.name === 'Partners')).toHaveLength(1);
    expect(output(await run('group-create', { name: 'partners' }))).toEqual({ created: false, group: made.group });
    expect((await plan('group-create', { name: 'Everyone' })).changes[0]).toMatchObject({ action: 'fail' });
    expect(await run('group-create', { name: 'Everyone' })).toMatchObject({ ok: false, error: { code: 'GROUP_RESERVED' } });
  });
});
