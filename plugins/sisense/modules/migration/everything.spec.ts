import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { Dependencies } from './dependencies.js';
import type { MigrationOutput } from './migration.types.js';

const roles = { environments: { source: 'src', target: 'dst' } };
const fast = { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 };
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
    [src, dst] = await Promise.all([startSisenseSim({ seed: 'source' }), startSisenseSim({ seed: 'target' })]);
    host = await createTestHost({
      environments: { src: { kind: 'sisense', url: src.url, token: src.token, options: fast }, dst: { kind: 'sisense', url: dst.url, token: dst.token, options: fast } },
    });
  });
  afterEach(async () => {
    await Promise.all([src.close(), dst.close()]);
  });

  it('plans every phase as if the earlier ones had run, and refuses before writing anything when the target lacks a connection', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.everything', {}, { ...roles, mode: 'plan' });
    const changes = plan.ok && plan.mode === 'plan' ? plan.plan!.changes : [];
    expect(changes.filter((c) => c.action === 'fail')).toEqual([{ action: 'fail', target: expect.stringMatching(/^data model .* "Unbuilt Draft"$/), detail: 'the target lacks connection "Draft Targets"' }]);
    expect(changes.filter((c) => c.action === 'create' && c.target.startsWith('dashboard'))).toHaveLength(6);
    const run = await host.invoker.invoke('sisense.migration.everything', {}, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PREREQUISITES', detail: { missing: ['connection "Draft Targets"'] } } });
    expect(dst.snapshot()).toBe(before);
  });

  it('migrates groups, users, data models and dashboards in that order; with duplicate, dashboards follow the duplicated models', async () => {
    const run = await host.invoker.invoke('sisense.migration.everything', { connections: CONNECTIONS }, roles);
    const out = output<MigrationOutput>(run);
    expect(out.summary.failed).toBe(0);
    const first = (kind: string) => out.results.findIndex((r) => r.kind === kind);
    expect(first('group')).toBe(0);
    expect(first('user')).toBeGreaterThan(first('group'));
    expect(first('datamodel')).toBeGreaterThan(first('user'));
    expect(first('dashboard')).toBeGreaterThan(first('datamodel'));
    expect(out.results.filter((r) => r.kind === 'dashboard' && r.status === 'succeeded')).toHaveLength(6);
    expect(dst.state.datamodels.map((m) => m.title).sort()).toEqual(['Live Sales', 'Retail Sales', 'Sample ECommerce', 'Unbuilt Draft']);
    const fred = dst.state.users.find((u) => u.email === 'fred.finance@acme.test')!;
    expect(dst.state.dashboards.find((d) => d.title === 'Finance KPIs')!.owner).toBe(fred._id);

    const dup = await host.invoker.invoke('sisense.migration.everything', { connections: CONNECTIONS, action: 'duplicate' }, roles);
    const again = output<MigrationOutput>(dup);
    expect(again.results.find((r) => r.asset === 'Sample ECommerce')).toMatchObject({ action: 'duplicate', targetTitle: 'Sample ECommerce (copy)' });
    const copy = again.results.find((r) => r.asset === 'ECommerce Overview')!;
    const imported = dst.state.dashboards.find((d) => d.oid === copy.targetId)!;
    expect((imported.datasource as { title: string }).title).toBe('Sample ECommerce (copy)');
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
    expect(dst.state.dashboards.map((d) => d.title).sort()).toEqual(['Sales Deep Dive', 'Target Home', '_drill Order Detail']);
  });
});
