import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import type { SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { Dependencies } from './dependencies.js';
import type { MigrationOutput } from './migration.types.js';
import { hostOnTenants, migrationOutputOf, roles, startTenants } from '../../sisense.test-kit.js';

/** The target has no "Draft Targets" CSV connection: the draft model's dataset goes to another one. */
const CONNECTIONS = { 'Draft Targets': 'Sample Brand' };

const output = <T>(r: ToolResult): T => {
  if (r.ok && r.mode === 'execute') return r.output as T;
  throw new Error(`unexpected result: ${JSON.stringify(r).slice(0, 2000)}`);
};

describe('sisense.migration.everything and .dependencies (two simulated tenants)', () => {
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

  const byAsset = (out: MigrationOutput) => Object.fromEntries(out.results.map((r) => [`${r.kind}:${r.asset}`, r]));
  const partial = migrationOutputOf;
  /** What cannot be migrated from the source seed as it is, whatever the target: each fails with its reason. */
  const UNMIGRATABLE = ['dashboard:Irene Pipeline', 'dashboard:Super Admin Console'];

  it('plans every phase as if the earlier ones had run; the run migrates every asset that can be, each other one fails with its reason', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.everything', {}, { ...roles, mode: 'plan' });
    const changes = plan.ok && plan.mode === 'plan' ? plan.plan!.changes : [];
    const fails = Object.fromEntries(changes.filter((c) => c.action === 'fail').map((c) => [c.target.replace(/ [0-9a-f-]{24,36} /, ' '), c.detail]));
    expect(fails).toEqual({
      'data model "Unbuilt Draft"': 'the target lacks connection "Draft Targets" (to migrate the rest without it: exclude "Unbuilt Draft")',
      'dashboard "Irene Pipeline"': expect.stringMatching(/^its owner irene\.inactive@acme\.test is inactive.* \(to migrate the rest without it: exclude "Irene Pipeline"\)$/),
      'dashboard "Super Admin Console"': 'the target lacks user sam.super@acme.test (the owner) (to migrate the rest without it: exclude "Super Admin Console")',
    });
    expect(dst.snapshot()).toBe(before);
    const run = await host.invoker.invoke('sisense.migration.everything', {}, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    const out = partial(run);
    expect(out.results.filter((r) => r.status === 'failed').map((r) => `${r.kind}:${r.asset}`).sort()).toEqual([...UNMIGRATABLE, 'datamodel:Unbuilt Draft'].sort());
    expect(byAsset(out)['datamodel:Unbuilt Draft'].reason).toBe('the target lacks connection "Draft Targets"');
    expect(dst.state.datamodels.map((m) => m.title)).not.toContain('Unbuilt Draft');
  });

  it('migrates groups, users, data models and dashboards as an admin expects; a second run converges and writes nothing; with duplicate, dashboards follow the duplicated models', async () => {
    const run = await host.invoker.invoke('sisense.migration.everything', { connections: CONNECTIONS }, roles);
    const out = partial(run);
    const r = byAsset(out);
    expect(out.results.filter((x) => x.status === 'failed').map((x) => `${x.kind}:${x.asset}`).sort()).toEqual(UNMIGRATABLE);
    const first = (kind: string) => out.results.findIndex((x) => x.kind === kind);
    expect(first('group')).toBe(0);
    expect(first('user')).toBeGreaterThan(first('group'));
    expect(first('datamodel')).toBeGreaterThan(first('user'));
    expect(first('dashboard')).toBeGreaterThan(first('datamodel'));
    expect(r['user:sam.super@acme.test']).toMatchObject({ status: 'skipped', reason: 'a super user (Sys. Admin): every deployment has its own' });
    expect(r['group:EMEA Partners'].status).toBe('skipped');
    expect(dst.state.users.find((u) => u.email === 'ian.inactive@acme.test')?.active).toBe(false);
    for (const t of ['ECommerce Overview', 'Campaign Tracker 01']) expect(r[`dashboard:${t}`]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^title conflict/) });
    expect(dst.state.dashboards.filter((d) => d.title === 'ECommerce Overview')).toHaveLength(1);
    expect(dst.state.datamodels.map((m) => m.title).sort()).toEqual(['Live Sales', 'Retail Sales', 'Sample ECommerce', 'Unbuilt Draft']);
    const fred = dst.state.users.find((u) => u.email === 'fred.finance@acme.test')!;
    const kpis = dst.state.dashboards.find((d) => d.title === 'Finance KPIs')!;
    expect(kpis.owner).toBe(fred._id);
    expect(dst.visibleTo('fred.finance@acme.test', kpis.oid)).toBe(true);
    const q1 = dst.state.dashboards.find((d) => d.title === 'Quarterly Report Q1')!;
    expect(dst.visibleTo('dana.designer@acme.test', q1.oid)).toBe(true);

    const settled = dst.snapshot();
    const again = partial(await host.invoker.invoke('sisense.migration.everything', { connections: CONNECTIONS }, roles));
    expect(again.summary.succeeded).toBe(0);
    expect(again.results.filter((x) => x.status === 'failed').map((x) => `${x.kind}:${x.asset}`).sort()).toEqual(UNMIGRATABLE);
    expect(dst.snapshot()).toBe(settled);

    const dup = partial(await host.invoker.invoke('sisense.migration.everything', { connections: CONNECTIONS, action: 'duplicate' }, roles));
    expect(dup.results.find((x) => x.asset === 'Sample ECommerce')).toMatchObject({ action: 'duplicate', targetTitle: 'Sample ECommerce (copy)' });
    const copy = dup.results.find((x) => x.asset === 'Admin Scratchpad')!;
    const imported = dst.state.dashboards.find((d) => d.oid === copy.targetId)!;
    expect((imported.datasource as { title: string }).title).toBe('Sample ECommerce (copy)');
  });

  it('exclude: the assets named are skipped "excluded by input" in the plan and the run (kind prefixes name one kind only); nothing is written for them; the rest is migrated', async () => {
    const exclude = ['Irene Pipeline', 'dashboard:super admin console', 'datamodel:Unbuilt Draft', 'user:vic.viewer@acme.test', 'group:Sales Deep Dive'];
    const plan = await host.invoker.invoke('sisense.migration.everything', { exclude }, { ...roles, mode: 'plan' });
    const changes = plan.ok && plan.mode === 'plan' ? plan.plan!.changes : [];
    // What still fails is what the excluded user is needed for (dashboards shared with vic), each saying so.
    const fails = changes.filter((c) => c.action === 'fail');
    expect(fails.length).toBeGreaterThan(0);
    for (const c of fails) expect({ target: c.target, detail: c.detail }).toEqual({ target: c.target, detail: expect.stringContaining('user vic.viewer@acme.test') });
    const skipped = (target: string) => changes.find((c) => c.target.includes(target) && c.action === 'skip')?.detail;
    for (const t of ['"Irene Pipeline"', '"Super Admin Console"', '"Unbuilt Draft"', 'user vic.viewer@acme.test']) expect({ t, detail: skipped(t) }).toEqual({ t, detail: 'excluded by input' });
    // "group:Sales Deep Dive" names no group: the dashboard of that title is migrated.
    expect(changes.find((c) => c.target.includes('"Sales Deep Dive"'))?.action).not.toBe('skip');

    const run = partial(await host.invoker.invoke('sisense.migration.everything', { exclude, connections: CONNECTIONS }, roles));
    const r = byAsset(run);
    for (const key of ['dashboard:Irene Pipeline', 'dashboard:Super Admin Console', 'datamodel:Unbuilt Draft', 'user:vic.viewer@acme.test']) {
      expect({ key, ...r[key] }).toMatchObject({ key, status: 'skipped', action: 'skip', reason: 'excluded by input' });
    }
    // A dashboard shared with the excluded user fails with the reason (the admin excludes it too, or migrates the user).
    expect(r['dashboard:Sales Deep Dive']).toMatchObject({ status: 'failed', reason: expect.stringContaining('vic.viewer@acme.test') });
    for (const title of ['Irene Pipeline', 'Super Admin Console']) expect(dst.state.dashboards.some((d) => d.title === title)).toBe(false);
    expect(dst.state.datamodels.some((m) => m.title === 'Unbuilt Draft')).toBe(false);
    expect(dst.state.users.some((u) => u.email === 'vic.viewer@acme.test')).toBe(false);
    expect(r['dashboard:Admin Scratchpad']).toMatchObject({ status: 'succeeded' });
  });

  it('dependencies: a dashboard with its drill target, models, users and groups; the four tools fed in order migrate them', async () => {
    const deps = output<Dependencies>(await host.invoker.invoke('sisense.migration.dependencies', { dashboards: ['Sales Deep Dive'] }, { environments: { source: 'src' } }));
    expect(deps).toEqual({
      dashboards: [
        { oid: src.state.dashboards.find((d) => d.title === 'Sales Deep Dive')!.oid, title: 'Sales Deep Dive' },
        { oid: src.state.dashboards.find((d) => d.title === '_drill Order Detail')!.oid, title: '_drill Order Detail' },
      ],
      datamodels: ['Retail Sales'],
      users: ['dana.designer@acme.test', 'dora.data@acme.test', 'vic.viewer@acme.test'],
      groups: ['Data Team', 'EMEA Analysts', 'Sales'],
      notes: [],
    });
    expect(await host.invoker.invoke('sisense.migration.groups', { groups: deps.groups }, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.users', { users: deps.users }, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.datamodels', { datamodels: deps.datamodels }, roles)).toMatchObject({ ok: true, output: { summary: { succeeded: 1 } } });
    expect(await host.invoker.invoke('sisense.migration.dashboards', { dashboards: deps.dashboards.map((d) => d.oid) }, roles)).toMatchObject({ ok: true, output: { summary: { failed: 0 } } });
    expect(dst.state.dashboards.map((d) => d.title).sort()).toEqual(['Campaign Tracker 01', 'ECommerce Overview', 'Sales Deep Dive', 'Target Home', '_drill Order Detail']);
  });

  it('dependencies: a jump target named only in commented-out script is not a dependency', async () => {
    const deps = output<Dependencies>(await host.invoker.invoke('sisense.migration.dependencies', { dashboards: ['Regional Performance'] }, { environments: { source: 'src' } }));
    const titles = deps.dashboards.map((d) => d.title);
    expect(titles).toContain('_drill Customer Detail');
    expect(titles).not.toContain('_drill Legacy Detail');
  });
});
