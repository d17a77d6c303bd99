import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, target } from '../../sisense.test-kit.js';

describe('sisense.dashboard: describe, scripts, can-be-owned, share-remove', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.dashboard.${id}`, input, target);
  const oid = (title: string) => sim.state.dashboards.find((d) => d.title === title)!.oid;
  const user = (email: string) => sim.state.users.find((u) => u.email === email)!;
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { maxRetries: 0 });
  });
  afterEach(() => sim.close());

  it('describe: reads the documented export once; filters with cascading levels, formula dims, jumps without commented-out targets', async () => {
    const d = PLANTED.dashboards;
    const r = output(await run('describe', { dashboard: d.scriptJumps }));
    const exports = sim.requests.filter((q) => q.path === '/api/v1/dashboards/export');
    expect(exports).toHaveLength(1);
    expect(exports[0].query.dashboardIds).toBe(oid(d.scriptJumps));
    expect(r.jumpTargets).toEqual([oid(d.scriptJumpTarget)]);
    expect(r.jumpTargets).not.toContain(oid(d.commentedJumpTarget));
    expect(r.filters.find((f: { levels: string[] }) => f.levels.length)).toMatchObject({ levels: ['[Stores.City]', '[Stores.Store]'] });
    const kpi = r.widgets.find((w: { title: string }) => w.title === 'Revenue per Customer');
    expect(kpi.formulaDims).toEqual(['[Customers.CustomerId]', '[Orders.Amount]']);
    expect(kpi.panels.find((p: { name: string }) => p.name === 'filters')).toMatchObject({ dims: ['[Products.Category]'] });
    expect(r.datasources.map((s: { title: string }) => s.title)).toEqual(['Retail Sales']);
  });

  it('columns: every column use counts (dashboard filters, cascading levels, formula contexts, widget filter panels), per model', async () => {
    const r = output(await run('columns', { dashboard: PLANTED.dashboards.scriptJumps }));
    const keys = r.columns.map((c: { model: string; table: string; column: string }) => `${c.model}/${c.table}.${c.column}`);
    const u = PLANTED.usedOnlyIn;
    for (const c of [u.dashboardFilter, ...u.cascadingLevels, u.formulaContext, u.widgetFilterPanel]) expect(keys).toContain(`${c.model}/${c.table}.${c.column}`);
  });

  it('script and widget-script: the dashboard script, the widgets that have one, a widget script by title', async () => {
    const s = output(await run('script', { dashboard: PLANTED.dashboards.plugins }));
    expect(s.script).toContain("dashboard.on('initialized'");
    expect(s.widgetsWithScripts.map((w: { title: string }) => w.title)).toContain('Revenue by Region');
    const w = output(await run('widget-script', { dashboard: PLANTED.dashboards.plugins, widget: 'revenue by region' }));
    expect(w).toMatchObject({ widget: { title: 'Revenue by Region' }, script: expect.stringContaining("widget.on('processresult'") });
    const none = output(await run('script', { dashboard: PLANTED.dashboards.empty }));
    expect(none).toMatchObject({ script: null, widgetsWithScripts: [] });
    expect(await run('widget-script', { dashboard: PLANTED.dashboards.plugins, widget: 'No Such Widget' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('can-be-owned: asks Sisense with the user\'s email', async () => {
    const ok = output(await run('can-be-owned', { dashboard: PLANTED.dashboards.brokenDatasource, user: 'dana.designer@acme.test' }));
    expect(ok).toMatchObject({ canBeOwned: true, user: { email: 'dana.designer@acme.test' } });
    const no = output(await run('can-be-owned', { dashboard: PLANTED.dashboards.brokenDatasource, user: PLANTED.users.inactive }));
    expect(no.canBeOwned).toBe(false);
    expect(sim.requests.some((q) => q.path.endsWith('/can_be_owned') && q.query.email === PLANTED.users.inactive)).toBe(true);
  });

  it('share-remove: writes the list back without the party, keeps every other share, refuses the owner', async () => {
    const title = PLANTED.dashboards.sharedWithInactive[1];
    const before = sim.state.dashboards.find((d) => d.title === title)!;
    const shares = (before.shares as Array<{ shareId: string; type: string; rule?: string }>).filter((s) => s.rule);
    const marketing = sim.state.groups.find((g) => g.name === 'Marketing')!;
    expect(shares.some((s) => s.shareId === marketing._id)).toBe(true);
    const planned = await host.invoker.invoke('sisense.dashboard.share-remove', { dashboard: title, groups: ['Marketing'] }, { ...target, mode: 'plan' });
    expect(planned).toMatchObject({ ok: true, plan: { changes: [{ action: 'delete' }] } });
    const r = output(await run('share-remove', { dashboard: title, groups: ['Marketing'], users: ['vic.viewer@acme.test'] }));
    // ivan.inactive@ was on the list: writing it back, Sisense drops that share silently, and the tool says so.
    const ivan = user(PLANTED.users.inactiveAll[2]);
    expect(r).toMatchObject({ removed: 1, unchanged: 1, dropped: [`user ${ivan._id}`] });
    const after = await host.invoker.invoke('sisense.dashboard.shares', { dashboard: title }, target);
    const ids = (output(after).shares as Array<{ id: string }>).map((s) => s.id);
    expect(ids).not.toContain(marketing._id);
    for (const s of shares.filter((x) => x.shareId !== marketing._id && ivan._id !== x.shareId)) expect(ids).toContain(s.shareId);
    const owner = sim.state.users.find((u) => u._id === before.owner)!;
    expect(await run('share-remove', { dashboard: title, users: [owner.email] })).toMatchObject({ ok: false, error: { code: 'SHARE_FAILED' } });
  });
});

describe('sisense.dashboard.share-add and inactive users', () => {
  it('refuses an inactive user before writing', async () => {
    const sim = await startSisenseSim({ seed: 'source' });
    try {
      const host = await hostOn(sim, { maxRetries: 0 });
      const before = sim.snapshot();
      const r = await host.invoker.invoke('sisense.dashboard.share-add', { dashboard: PLANTED.dashboards.overview, shares: [{ user: PLANTED.users.inactive }] }, target);
      expect(r).toMatchObject({ ok: false, error: { code: 'SHARE_FAILED', message: expect.stringContaining('inactive') } });
      expect(sim.snapshot()).toBe(before);
    } finally {
      await sim.close();
    }
  });
});

describe('sisense.dashboard.delete', () => {
  it('plans with the recipients, deletes another owner\'s dashboard with adminAccess, then skips', async () => {
    const sim = await startSisenseSim({ seed: 'source' });
    try {
      const host = await hostOn(sim, { maxRetries: 0 });
      const title = PLANTED.dashboards.sharedWithInactive[0];
      const d = sim.state.dashboards.find((x) => x.title === title)!;
      const admin = sim.state.users.find((u) => u.email === 'admin@acme.test')!;
      expect(d.owner).not.toBe(admin._id);
      const planned = await host.invoker.invoke('sisense.dashboard.delete', { dashboard: title }, { ...target, mode: 'plan' });
      expect(planned).toMatchObject({ ok: true, plan: { changes: [{ action: 'delete', detail: expect.stringMatching(/shared with [1-9]\d* user/) }] } });
      expect(sim.state.dashboards.some((x) => x.oid === d.oid)).toBe(true);
      const r = output(await host.invoker.invoke('sisense.dashboard.delete', { dashboard: d.oid }, target));
      expect(r).toMatchObject({ deleted: true, dashboard: { oid: d.oid } });
      expect(sim.state.dashboards.some((x) => x.oid === d.oid)).toBe(false);
      expect(sim.requests.some((q) => q.method === 'DELETE' && q.path === `/api/dashboards/${d.oid}` && q.query.adminAccess === 'true')).toBe(true);
      expect(output(await host.invoker.invoke('sisense.dashboard.delete', { dashboard: d.oid }, target))).toEqual({ deleted: false, dashboard: null, recipients: 0 });
    } finally {
      await sim.close();
    }
  });
});
