import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ProgressUpdate } from '../../../../src/plugins/plugin-api.js';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { AssetResult, MigrationOutput } from './migration.types.js';

const roles = { environments: { source: 'src', target: 'dst' } };
const fast = { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 };
const SELECTED = ['ECommerce Overview', 'Sales Deep Dive', '_drill Order Detail'];
/** The target has no Retail Sales: these dashboards use its Sample ECommerce instead. */
const REMAP = { 'Retail Sales': 'Sample ECommerce' };

function outputOf(r: ToolResult): MigrationOutput {
  if (r.ok && r.mode === 'execute') return r.output as MigrationOutput;
  if (!r.ok && r.error.code === 'MIGRATION_PARTIAL') return r.error.detail as MigrationOutput;
  throw new Error(`unexpected result: ${JSON.stringify(r)}`);
}
const byAsset = (r: ToolResult): Record<string, AssetResult> => Object.fromEntries(outputOf(r).results.map((x) => [`${x.kind}:${x.asset}`, x]));

describe('sisense.migration.dashboards (two simulated tenants)', () => {
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

  const people = async () => {
    expect(await host.invoker.invoke('sisense.migration.groups', {}, roles)).toMatchObject({ ok: true });
    expect(await host.invoker.invoke('sisense.migration.users', {}, roles)).toMatchObject({ ok: true });
  };
  const srcDash = (title: string) => src.state.dashboards.find((d) => d.title === title)!;
  const dstDashes = (title: string) => dst.state.dashboards.filter((d) => d.title === title);
  const dstUser = (email: string) => dst.state.users.find((u) => u.email === email)!._id;
  const dstGroup = (name: string) => dst.state.groups.find((g) => g.name === name)!._id;
  const folderPath = (oid: unknown): string => {
    const f = dst.state.folders.find((x) => x.oid === oid);
    return f ? [folderPath(f.parentId), f.name].filter(Boolean).join('/') : '';
  };
  const sharesOf = (d: Record<string, unknown>) => (d.shares as Array<{ shareId: string; type: string; rule?: string }>).map((s) => `${s.type}:${s.shareId}:${s.rule ?? 'owner'}`).sort();

  it('refuses before writing when the target lacks owners, shared users and groups, or data models; the plan says so and writes nothing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.dashboards', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldFail: true } });
    const failed = plan.ok && plan.mode === 'plan' ? plan.plan!.changes.filter((c) => c.action === 'fail') : [];
    expect(failed.find((c) => c.target.includes('"Sales Deep Dive"'))?.detail).toBe('the target lacks group "EMEA Analysts", user vic.viewer@acme.test, data model "Retail Sales"');
    expect(failed.find((c) => c.target.includes('"Finance KPIs"'))?.detail).toBe('the target lacks user fred.finance@acme.test (the owner), group "Finance", data model "Live Sales"');
    const run = await host.invoker.invoke('sisense.migration.dashboards', {}, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PREREQUISITES' } });
    expect(dst.snapshot()).toBe(before);
  });

  it('skip: imports with the same oids, restores owner, shares and folder, points at the mapped model; a second run writes nothing', async () => {
    await people();
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP }, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { summary: 'migrate dashboards: 4 create', wouldFail: false } });
    expect(dst.snapshot()).toBe(before);

    const seen: ProgressUpdate[] = [];
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP, batchSize: 1 }, { ...roles, progress: (p) => seen.push(p) });
    expect(run).toMatchObject({ ok: true, output: { summary: { succeeded: 4, skipped: 0, failed: 0 } } });
    expect(byAsset(run)['folder:Sales/Deep Dives']).toMatchObject({ action: 'create', status: 'succeeded' });
    expect(seen.filter((p) => /batch \d of 3 imported/.test(p.message ?? ''))).toHaveLength(3);

    const deep = dstDashes('Sales Deep Dive');
    expect(deep.map((d) => d.oid)).toEqual([srcDash('Sales Deep Dive').oid]);
    expect(deep[0].owner).toBe(dstUser('dana.designer@acme.test'));
    expect(sharesOf(deep[0])).toEqual(
      [`user:${dstUser('dana.designer@acme.test')}:owner`, `group:${dstGroup('Sales')}:view`, `group:${dstGroup('EMEA Analysts')}:edit`, `user:${dstUser('vic.viewer@acme.test')}:view`].sort(),
    );
    expect(folderPath(deep[0].parentFolder)).toBe('Sales');
    expect(folderPath(dstDashes('_drill Order Detail')[0].parentFolder)).toBe('Sales/Deep Dives');
    expect(dstDashes('ECommerce Overview')[0]).toMatchObject({ owner: dstUser('admin@acme.test') });
    expect(dstDashes('ECommerce Overview')[0].parentFolder).toBeUndefined();
    expect(dst.state.widgets[deep[0].oid].map((w) => (w.datasource as { title: string }).title)).toEqual(Array(5).fill('Sample ECommerce'));
    expect(dst.state.published[deep[0].oid]).toBeDefined();

    const settled = dst.snapshot();
    const again = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP }, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { succeeded: 0, skipped: 3, failed: 0 } } });
    expect(dst.snapshot()).toBe(settled);
  });

  it('overwrite replaces in place and restores owner and shares; duplicate adds copies whose jumps point at the copied drill target', async () => {
    await people();
    await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP }, roles);
    const oid = srcDash('Sales Deep Dive').oid;
    const there = dst.state.dashboards.find((d) => d.oid === oid)!;
    there.title = 'Renamed in the target';
    there.shares = [{ shareId: there.owner, type: 'user' }];

    const over = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive'], action: 'overwrite', datasources: REMAP }, roles);
    expect(over).toMatchObject({ ok: true, output: { results: [{ asset: 'Sales Deep Dive', action: 'overwrite', status: 'succeeded', targetId: oid }] } });
    const replaced = dst.state.dashboards.find((d) => d.oid === oid)!;
    expect([replaced.title, replaced.owner, sharesOf(replaced).length]).toEqual(['Sales Deep Dive', dstUser('dana.designer@acme.test'), 4]);

    const dup = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive', '_drill Order Detail'], action: 'duplicate', datasources: REMAP }, roles);
    const results = byAsset(dup);
    expect(results['dashboard:Sales Deep Dive']).toMatchObject({ action: 'duplicate', status: 'succeeded' });
    const copy = dst.state.dashboards.find((d) => d.oid === results['dashboard:Sales Deep Dive'].targetId)!;
    const drillCopy = results['dashboard:_drill Order Detail'].targetId;
    expect(copy.oid).not.toBe(oid);
    expect(drillCopy).not.toBe(srcDash('_drill Order Detail').oid);
    expect(dstDashes('Sales Deep Dive')).toHaveLength(2);
    expect(copy.owner).toBe(dstUser('dana.designer@acme.test'));
    const jumps = dst.state.widgets[copy.oid].flatMap((w) => ((w.drillToDashboardConfig as { dashboardIds?: Array<{ id: string }> } | undefined)?.dashboardIds ?? []).map((x) => x.id));
    expect(jumps).toEqual([drillCopy]);
  });

  it('a fault mid-migration is reported per asset and fails the call with MIGRATION_PARTIAL; the other dashboards are migrated', async () => {
    await people();
    dst.faults.push({ method: 'POST', path: '/api/v1/dashboards/import/bulk', status: 500, times: 1, after: 1 });
    dst.faults.push({ method: 'POST', path: /^\/api\/shares\/dashboard\//, status: 500, times: 1, after: 2 });
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['ECommerce Overview', 'Empty Dashboard', 'Sales Deep Dive', '_drill Order Detail'], datasources: REMAP, batchSize: 1, concurrency: 1 }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL', message: expect.stringMatching(/^2 of 5 assets failed: /) } });
    const out = outputOf(run);
    expect(out.summary).toEqual({ succeeded: 3, skipped: 0, failed: 2 });
    const failed = out.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^the bulk import failed: .*500/), expect.stringMatching(/^imported as [0-9a-f]{24}, but sharing it failed: .*500/)]));
    expect(failed.find((r) => r.reason?.startsWith('imported'))?.targetId).toMatch(/^[0-9a-f]{24}$/);
  });

  it('stops when cancelled: the dashboards that jump to the first ones are never sent', async () => {
    await people();
    dst.latencyMs = 50;
    const controller = new AbortController();
    const started = Date.now();
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP, batchSize: 1 }, { ...roles, signal: controller.signal, progress: (p) => /batch 1 of/.test(p.message ?? '') && controller.abort() });
    expect(run).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 300));
    // The first level (ECommerce Overview, the drill target) went out in parallel; Sales Deep Dive, which jumps to it, did not.
    expect(dst.requests.filter((r) => r.path === '/api/v1/dashboards/import/bulk')).toHaveLength(2);
    expect(dst.state.dashboards.some((d) => d.title === 'Sales Deep Dive')).toBe(false);
  });
});
