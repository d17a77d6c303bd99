import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import type { SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOnTenants, migrationOutputOf as outputOf, roles, startTenants } from '../../sisense.test-kit.js';

const CHOSEN = ['Quarterly Report Q1', 'Fred Budget', 'Dana Notes'];

describe('sisense.migration.reconcile (two simulated tenants)', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let host: TestHost;
  beforeEach(async () => {
    [src, dst] = await startTenants();
    host = await hostOnTenants(src, dst);
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.users', {}, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.dashboards', { dashboards: CHOSEN }, roles)).toMatchObject({ ok: true });
  });
  afterEach(async () => {
    await Promise.all([src.close(), dst.close()]);
  });
  const there = (title: string) => dst.state.dashboards.find((d) => d.title === title)!;
  const user = (email: string) => dst.state.users.find((u) => u.email === email)!._id;

  it('plans the repairs each dashboard needs, makes them (owner, shares, folder, publication), and a second run finds nothing to do', async () => {
    const admin = user('admin@acme.test');
    const q1 = there('Quarterly Report Q1');
    q1.owner = admin;
    q1.shares = [{ shareId: admin, type: 'user' }];
    delete dst.state.publishedShares[q1.oid];
    const budget = there('Fred Budget');
    delete budget.parentFolder;
    delete dst.state.publishedShares[there('Dana Notes').oid];
    expect(dst.visibleTo('dana.designer@acme.test', q1.oid)).toBe(false);

    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.reconcile', { dashboards: [...CHOSEN, 'Olga Draft'] }, { ...roles, mode: 'plan' });
    expect(dst.snapshot()).toBe(before);
    const changes = plan.ok && plan.mode === 'plan' ? Object.fromEntries(plan.plan!.changes.map((c) => [c.target.replace(/^dashboard [0-9a-f]{24} /, ''), [c.action, c.detail]])) : {};
    expect(changes).toEqual({
      '"Quarterly Report Q1"': ['update', 'repairs its owner, shares'],
      '"Fred Budget"': ['update', 'repairs its folder'],
      '"Dana Notes"': ['skip', 'owner, folder, shares and publication match'],
      '"Olga Draft"': ['fail', 'the target has no dashboard with its oid or title: migrate it first'],
    });
    // The updates say what changes, before → after, in names people read.
    const fieldsOf = (title: string) => (plan.ok && plan.mode === 'plan' ? plan.plan!.changes.find((c) => c.target.endsWith(`"${title}"`))?.fields : undefined);
    expect(fieldsOf('Quarterly Report Q1')).toEqual([
      { field: 'owner', before: 'admin@acme.test', after: expect.stringMatching(/@acme\.test$/) },
      { field: 'shares', before: [], after: expect.arrayContaining([expect.stringMatching(/^(user \S+@acme\.test|group "[^"]+"): (view|edit)$/)]) },
    ]);
    expect(fieldsOf('Fred Budget')).toEqual([{ field: 'folder', before: '/', after: expect.stringMatching(/^\/.+/) }]);
    expect(plan.ok && plan.mode === 'plan' && plan.plan!.changes.find((c) => c.action === 'skip')).toMatchObject({ kind: 'dashboard', reason: 'owner, folder, shares and publication match' });

    const run = await host.invoker.invoke('sisense.migration.reconcile', { dashboards: [...CHOSEN, 'Olga Draft'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    const r = Object.fromEntries(outputOf(run).results.map((x) => [x.asset, x]));
    expect(r['Quarterly Report Q1']).toMatchObject({ status: 'succeeded', action: 'update', reason: 'repaired its owner, shares' });
    expect(r['Fred Budget']).toMatchObject({ status: 'succeeded', reason: 'repaired its folder' });
    expect(r['Olga Draft']).toMatchObject({ status: 'failed' });
    expect(there('Quarterly Report Q1').owner).toBe(user('fred.finance@acme.test'));
    expect(dst.visibleTo('dana.designer@acme.test', q1.oid)).toBe(true);
    expect(dst.state.folders.find((f) => f.oid === there('Fred Budget').parentFolder)?.name).toBe('Finance');

    const again = await host.invoker.invoke('sisense.migration.reconcile', { dashboards: CHOSEN }, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { succeeded: 0, skipped: 3, failed: 0 } } });
  });

  it('publishes a dashboard whose shares were never published to its recipients', async () => {
    const q1 = there('Quarterly Report Q1');
    delete dst.state.publishedShares[q1.oid];
    expect(dst.visibleTo('dana.designer@acme.test', q1.oid)).toBe(false);
    const run = await host.invoker.invoke('sisense.migration.reconcile', { dashboards: ['Quarterly Report Q1'] }, roles);
    expect(run).toMatchObject({ ok: true, output: { results: [{ action: 'update', status: 'succeeded', reason: 'repaired its publication to its recipients' }] } });
    expect(dst.visibleTo('dana.designer@acme.test', q1.oid)).toBe(true);
  });
});
