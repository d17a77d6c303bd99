import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import type { JsonObject } from '../../../../test/sisense-sim/sim.types.js';
import type { SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { AssetResult } from './migration.types.js';
import { hostOnTenants, migrationOutputOf as outputOf, roles, startTenants } from '../../sisense.test-kit.js';

const resultFor = (r: ToolResult, asset: string): AssetResult | undefined => outputOf(r).results.find((x) => x.asset === asset);

describe('sisense.migration.datamodels (two simulated tenants)', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let host: TestHost;
  beforeEach(async () => {
    [src, dst] = await startTenants();
    host = await hostOnTenants(src, dst, { settings: { buildPollMs: 10 } });
  });
  afterEach(async () => {
    await Promise.all([src.close(), dst.close()]);
  });

  const people = async () => {
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.users', {}, roles)).toMatchObject({ ok: true });
  };
  const models = (title: string) => dst.state.datamodels.filter((m) => m.title === title);
  const connectionsOf = (m: JsonObject) => (m.datasets as JsonObject[]).map((d) => (d.connection as JsonObject).oid);
  const dstConnection = (name: string) => dst.state.connections.find((c) => c.name === name)!.oid;
  const partyIds = (m: JsonObject) => (m.shares as Array<{ partyId: string; permission: string }>).map((s) => `${s.partyId}:${s.permission}`).sort();
  const id = (kind: 'user' | 'group', name: string) => (kind === 'user' ? dst.state.users.find((u) => u.email === name)!._id : dst.state.groups.find((g) => g.name === name)!._id);

  it('a model whose users, groups or connection the target lacks fails on its own with the reason; the plan writes nothing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.datamodels', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldFail: true } });
    const detail = (title: string) => (plan.ok && plan.mode === 'plan' ? plan.plan!.changes.find((c) => c.target.endsWith(`"${title}"`))?.detail : undefined);
    expect(detail('Unbuilt Draft')).toBe('the target lacks connection "Draft Targets", user dora.data@acme.test (to migrate the rest without it: exclude "Unbuilt Draft")');
    expect(detail('Sample ECommerce')).toBe("a data model with this title is in the target already, but its users and groups are not all in the target yet: action overwrite replaces it with the source's");
    expect(dst.snapshot()).toBe(before);
    const run = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Unbuilt Draft', 'Sample ECommerce'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultFor(run, 'Unbuilt Draft')).toMatchObject({ status: 'failed', reason: 'the target lacks connection "Draft Targets", user dora.data@acme.test' });
    expect(resultFor(run, 'Sample ECommerce')).toMatchObject({ status: 'skipped' });
    expect(models('Unbuilt Draft')).toHaveLength(0);
  });

  it('imports with connections mapped by name (or as given), shares and data security remapped, then builds or publishes', async () => {
    await people();
    const before = dst.snapshot();
    const input = { datamodels: ['Retail Sales', 'Live Sales', 'Unbuilt Draft'], connections: { 'Draft Targets': 'Sample Brand' }, build: true };
    expect(await host.invoker.invoke('sisense.migration.datamodels', input, { ...roles, mode: 'plan' })).toMatchObject({ ok: true, plan: { summary: 'migrate data models: 3 create', wouldFail: false } });
    expect(dst.snapshot()).toBe(before);

    const run = await host.invoker.invoke('sisense.migration.datamodels', input, roles);
    expect(run).toMatchObject({ ok: true, output: { summary: { succeeded: 3, skipped: 0, failed: 0 } } });
    const [retail] = models('Retail Sales');
    expect(resultFor(run, 'Retail Sales')).toMatchObject({ action: 'create', status: 'succeeded', targetId: retail.oid });
    expect(connectionsOf(retail)).toEqual([dstConnection('Warehouse (PostgreSQL)')]);
    expect(connectionsOf(models('Unbuilt Draft')[0])).toEqual([dstConnection('Sample Brand')]);
    expect(partyIds(retail)).toEqual([`${id('user', 'dora.data@acme.test')}:w`, `${id('group', 'Sales')}:r`, `${id('group', 'EMEA Analysts')}:r`].sort());
    const rules = dst.state.dataSecurity.filter((r) => r.elasticube === 'Retail Sales').map((r) => (r.shares as Array<{ party: string | null; type: string }>).map((s) => `${s.type}:${s.party}`));
    expect(rules.sort()).toEqual([['default:null'], [`group:${id('group', 'EMEA Analysts')}`]]);
    // Live: published before its permissions and data security were written (they 404 before); rule shares keyed `party`.
    const live = dst.state.dataSecurity.filter((r) => r.elasticube === 'Live Sales');
    expect(live.map((r) => [r.column, (r.shares as Array<{ party: string }>)[0].party]).sort()).toEqual([
      ['ORDER_ID', id('group', 'Finance')],
      ['REGION', id('user', 'fred.finance@acme.test')],
    ]);
    const publishedAt = dst.requests.findIndex((r) => r.method === 'POST' && r.path === '/api/v2/builds' && r.status === 201);
    const liveWrites = dst.requests.map((r, i) => [r, i] as const).filter(([r]) => r.method !== 'GET' && /elasticubes\/live\//.test(r.path));
    expect(liveWrites.length).toBeGreaterThan(0);
    for (const [r, i] of liveWrites) expect([r.path, r.status, i > publishedAt]).toEqual([r.path, 200, true]);
    expect(retail.lastSuccessfulBuildTime).toEqual(expect.any(String));
    expect(models('Live Sales')[0].lastPublishTime).toEqual(expect.any(String));
    expect(dst.state.builds.map((b) => [b.datamodelTitle, b.buildType, b.status]).sort()).toEqual([
      ['Live Sales', 'publish', 'done'],
      ['Retail Sales', 'full', 'done'],
      ['Unbuilt Draft', 'full', 'done'],
    ]);

    // Live rules are added, not replaced: a second import adds none twice.
    await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Live Sales'], action: 'overwrite' }, roles);
    expect(dst.state.dataSecurity.filter((r) => r.elasticube === 'Live Sales')).toHaveLength(2);
  });

  it('a title clash: skip leaves the target model, overwrite replaces it in place, duplicate imports "<title> (copy)"', async () => {
    await people();
    const [original] = models('Sample ECommerce');
    const skip = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Sample ECommerce'] }, roles);
    expect(skip).toMatchObject({ ok: true, output: { results: [{ asset: 'Sample ECommerce', action: 'skip', status: 'skipped', targetId: original.oid }] } });
    // Compared with the source, not assumed done: the target's own model lacks the source's shares and rules.
    expect(resultFor(skip, 'Sample ECommerce')?.reason).toMatch(/^a data model with this title is in the target already, but 2 of the source's shares missing; \d+ of the source's data security rules missing: action overwrite replaces it/);

    const over = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Sample ECommerce'], action: 'overwrite' }, roles);
    expect(over).toMatchObject({ ok: true, output: { results: [{ action: 'overwrite', status: 'succeeded', targetId: original.oid }] } });
    const again = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Sample ECommerce'] }, roles);
    expect(resultFor(again, 'Sample ECommerce')?.reason).toBe("a data model with this title is in the target already, with the source's shares and data security");
    const [replaced] = models('Sample ECommerce');
    expect(replaced.oid).toBe(original.oid);
    expect(connectionsOf(replaced)).toEqual(['Sample Country', 'Sample Commerce', 'Sample Category', 'Sample Brand'].map(dstConnection));
    expect(partyIds(replaced)).toEqual([`${id('user', 'admin@acme.test')}:w`, `${id('user', 'dora.data@acme.test')}:w`, `${id('group', 'Sales')}:r`, `${id('group', 'Marketing')}:a`].sort());

    const dup = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Sample ECommerce'], action: 'duplicate' }, roles);
    expect(dup).toMatchObject({ ok: true, output: { results: [{ action: 'duplicate', status: 'succeeded', targetTitle: 'Sample ECommerce (copy)', reason: 'imported as "Sample ECommerce (copy)"' }] } });
    expect(models('Sample ECommerce (copy)')).toHaveLength(1);
    expect(models('Sample ECommerce')).toHaveLength(1);
  });

  it('a failed import is reported for that model only and fails the call with MIGRATION_PARTIAL', async () => {
    await people();
    dst.faults.push({ method: 'POST', path: '/api/v2/datamodel-imports/schema', query: { newTitle: 'Sample ECommerce (copy)' }, status: 500, times: 1 });
    const run = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Sample ECommerce', 'Retail Sales'], action: 'duplicate' }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL', message: expect.stringContaining('1 of 2 assets failed: datamodel Sample ECommerce: importing the schema failed') } });
    expect(outputOf(run).results.map((r) => [r.asset, r.status])).toEqual([
      ['Sample ECommerce', 'failed'],
      ['Retail Sales', 'succeeded'],
    ]);
    expect(models('Retail Sales')).toHaveLength(1);
  });

  it('a share whose party cannot be mapped fails that model rather than succeeding without it', async () => {
    await people();
    const m = src.state.datamodels.find((x) => x.title === 'Retail Sales')!;
    (m.shares as JsonObject[]).push({ partyId: 'bbbbbbbbbbbbbbbbbbbbbbbb', type: 'user', permission: 'r' });
    const run = await host.invoker.invoke('sisense.migration.datamodels', { datamodels: ['Retail Sales', 'Live Sales'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultFor(run, 'Retail Sales')).toMatchObject({ status: 'failed', reason: 'the target lacks user bbbbbbbbbbbbbbbbbbbbbbbb (unknown in the source)' });
    expect(resultFor(run, 'Live Sales')).toMatchObject({ status: 'succeeded' });
  });
});
