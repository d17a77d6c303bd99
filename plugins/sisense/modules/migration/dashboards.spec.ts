import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ProgressUpdate } from '../../../../src/plugins/plugin-api.js';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { until } from '../../../../test/helpers/wait.js';
import type { SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { AssetResult } from './migration.types.js';
import { hostOnTenants, migrationOutputOf as outputOf, roles, startTenants } from '../../sisense.test-kit.js';

const SELECTED = ['ECommerce Overview', 'Sales Deep Dive', '_drill Order Detail'];
/** The target has no Retail Sales: these dashboards use its Sample ECommerce instead. */
const REMAP = { 'Retail Sales': 'Sample ECommerce' };

const byAsset = (r: ToolResult): Record<string, AssetResult> => Object.fromEntries(outputOf(r).results.map((x) => [`${x.kind}:${x.asset}`, x]));

describe('sisense.migration.dashboards (two simulated tenants)', () => {
  let src: SisenseSim;
  let dst: SisenseSim;
  let host: TestHost;
  beforeEach(async () => {
    [src, dst] = await startTenants();
    host = await hostOnTenants(src, dst, { dstTimeoutMs: 1500 });
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

  const visible = (email: string, title: string) => dstDashes(title).some((d) => dst.visibleTo(email, d.oid));
  const resultOf = (r: ToolResult, title: string) => byAsset(r)[`dashboard:${title}`];

  it('a dashboard whose owner, shared users or groups, or data model the target lacks fails on its own with the reason; the plan says so and writes nothing', async () => {
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.dashboards', {}, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldFail: true } });
    const failed = plan.ok && plan.mode === 'plan' ? plan.plan!.changes.filter((c) => c.action === 'fail') : [];
    expect(failed.find((c) => c.target.includes('"Sales Deep Dive"'))?.detail).toBe('the target lacks group "EMEA Analysts", user vic.viewer@acme.test, data model "Retail Sales" (to migrate the rest without it: exclude "Sales Deep Dive")');
    expect(failed.find((c) => c.target.includes('"Finance KPIs"'))?.detail).toMatch(/^the target lacks user fred\.finance@acme\.test \(the owner\), group "Finance", .*data model "Live Sales" \(to migrate the rest without it: exclude "Finance KPIs"\)$/);
    expect(dst.snapshot()).toBe(before);
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive', 'Admin Scratchpad', 'No Such Dashboard'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultOf(run, 'No Such Dashboard')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^NOT_FOUND: no dashboard matches "No Such Dashboard"/) });
    expect(resultOf(run, 'Sales Deep Dive')).toMatchObject({ status: 'failed', reason: 'the target lacks group "EMEA Analysts", user vic.viewer@acme.test, data model "Retail Sales"' });
    expect(resultOf(run, 'Admin Scratchpad')).toMatchObject({ status: 'succeeded', action: 'create' });
    expect(dstDashes('Sales Deep Dive')).toHaveLength(0);
  });

  it('restores owner, folders by path (root folders made without a parent) and shares, republishes so recipients see it, and reads it back; a second run writes nothing', async () => {
    await people();
    const chosen = [...SELECTED, 'Regional Performance', 'Quarterly Report Q1', 'Quarterly Report Q2'];
    const before = dst.snapshot();
    const plan = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen, datasources: REMAP }, { ...roles, mode: 'plan' });
    expect(plan).toMatchObject({ ok: true, plan: { wouldFail: false } });
    expect(dst.snapshot()).toBe(before);

    const seen: ProgressUpdate[] = [];
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen, datasources: REMAP, batchSize: 2 }, { ...roles, progress: (p) => seen.push(p) });
    expect(run).toMatchObject({ ok: true, output: { summary: { failed: 0 } } });
    expect(byAsset(run)['folder:Finance']).toMatchObject({ action: 'create', status: 'succeeded' });
    expect(byAsset(run)['folder:Sales/Deep Dives/Regional']).toMatchObject({ action: 'create', status: 'succeeded' });
    expect(seen.some((p) => /batch \d of \d imported/.test(p.message ?? ''))).toBe(true);

    const deep = dstDashes('Sales Deep Dive');
    expect(deep.map((d) => d.oid)).toEqual([srcDash('Sales Deep Dive').oid]);
    expect(deep[0].owner).toBe(dstUser('dana.designer@acme.test'));
    expect(sharesOf(deep[0])).toEqual(
      [`user:${dstUser('dana.designer@acme.test')}:owner`, `group:${dstGroup('Sales')}:view`, `group:${dstGroup('EMEA Analysts')}:edit`, `user:${dstUser('vic.viewer@acme.test')}:view`].sort(),
    );
    expect(visible('vic.viewer@acme.test', 'Sales Deep Dive')).toBe(true);
    expect(visible('fred.finance@acme.test', 'Quarterly Report Q1')).toBe(true);
    expect(folderPath(deep[0].parentFolder)).toBe('Sales');
    expect(folderPath(dstDashes('_drill Order Detail')[0].parentFolder)).toBe('Sales/Deep Dives');
    expect(folderPath(dstDashes('Regional Performance')[0].parentFolder)).toBe('Sales/Deep Dives/Regional');
    expect(folderPath(dstDashes('Quarterly Report Q1')[0].parentFolder)).toBe('Finance/Quarterly');
    expect(dstDashes('Quarterly Report Q2')).toHaveLength(1);
    expect(dst.state.widgets[deep[0].oid].every((w) => (w.datasource as { title: string }).title === 'Sample ECommerce')).toBe(true);

    const settled = dst.snapshot();
    const again = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen, datasources: REMAP }, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { succeeded: 0, failed: 0 } } });
    expect(resultOf(again, 'Sales Deep Dive')).toMatchObject({ status: 'skipped', reason: 'in the target already (same oid), with its owner, folder and shares' });
    expect(dst.snapshot()).toBe(settled);
  });

  it('a re-run repairs a half-migrated dashboard (owner, shares, publication) instead of skipping it', async () => {
    await people();
    await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive'], datasources: REMAP }, roles);
    const there = dstDashes('Sales Deep Dive')[0];
    const admin = dstUser('admin@acme.test');
    // As an import leaves it: owned by the importing admin, shared with nobody, published to nobody.
    there.owner = admin;
    there.shares = [{ shareId: admin, type: 'user' }];
    delete dst.state.publishedShares[there.oid];
    expect(visible('vic.viewer@acme.test', 'Sales Deep Dive')).toBe(false);

    const again = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive'], datasources: REMAP }, roles);
    expect(resultOf(again, 'Sales Deep Dive')).toMatchObject({ status: 'succeeded', action: 'update', reason: 'in the target already (same oid): repaired its owner, shares' });
    expect(dstDashes('Sales Deep Dive')[0].owner).toBe(dstUser('dana.designer@acme.test'));
    expect(visible('vic.viewer@acme.test', 'Sales Deep Dive')).toBe(true);

    // Shares right but never published: recipients see nothing, and the re-run publishes it.
    delete dst.state.publishedShares[there.oid];
    expect(visible('vic.viewer@acme.test', 'Sales Deep Dive')).toBe(false);
    const third = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Sales Deep Dive'], datasources: REMAP }, roles);
    expect(resultOf(third, 'Sales Deep Dive')).toMatchObject({ status: 'succeeded', action: 'update', reason: 'in the target already (same oid): repaired its publication to its recipients' });
    expect(visible('vic.viewer@acme.test', 'Sales Deep Dive')).toBe(true);
  });

  it('a title the target has under another oid is a conflict: skip reports it, overwrite replaces that dashboard in place, duplicate says it made a second one', async () => {
    await people();
    const theirs = dstDashes('ECommerce Overview')[0].oid;
    const skip = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['ECommerce Overview'] }, roles);
    expect(resultOf(skip, 'ECommerce Overview')).toMatchObject({ status: 'skipped', reason: `title conflict: the target has "ECommerce Overview" under another oid (${theirs}); action skip leaves it` });
    expect(dstDashes('ECommerce Overview').map((d) => d.oid)).toEqual([theirs]);

    const over = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['ECommerce Overview'], action: 'overwrite' }, roles);
    expect(resultOf(over, 'ECommerce Overview')).toMatchObject({ status: 'succeeded', action: 'overwrite', targetId: theirs });
    expect(dstDashes('ECommerce Overview').map((d) => d.oid)).toEqual([theirs]);
    expect(dst.state.widgets[theirs].map((w) => w.title)).toEqual(src.state.widgets[srcDash('ECommerce Overview').oid].map((w) => w.title));

    const dup = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['ECommerce Overview'], action: 'duplicate' }, roles);
    expect(resultOf(dup, 'ECommerce Overview')).toMatchObject({ status: 'succeeded', action: 'duplicate', reason: `title conflict: imported beside ${theirs}, which has the same title` });
    expect(dstDashes('ECommerce Overview')).toHaveLength(2);
    // A conflict that also lacks something fails for that reason, before anything is imported.
    const clash = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Campaign Tracker 01'], action: 'duplicate' }, roles);
    expect(resultOf(clash, 'Campaign Tracker 01')).toMatchObject({ status: 'failed', reason: 'the target lacks user no.first.name@acme.test' });
    expect(dstDashes('Campaign Tracker 01')).toHaveLength(1);
  });

  it('shares with inactive users are not kept (Sisense drops them) and said so; a dashboard whose owner is inactive fails before it is imported', async () => {
    await people();
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Irene Pipeline', 'Quarterly Report Q1'] }, roles);
    expect(resultOf(run, 'Irene Pipeline')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^its owner irene\.inactive@acme\.test is inactive, and Sisense does not let an inactive user own a dashboard/) });
    expect(dstDashes('Irene Pipeline')).toHaveLength(0);
    expect(resultOf(run, 'Quarterly Report Q1')).toMatchObject({ status: 'succeeded' });
    const kpis = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Finance KPIs'], datasources: { 'Live Sales': 'Sample ECommerce' } }, roles);
    expect(resultOf(kpis, 'Finance KPIs')).toMatchObject({ status: 'succeeded' });
    expect(resultOf(kpis, 'Finance KPIs').reason ?? '').toMatch(/share with ian\.inactive@acme\.test not kept: the user is inactive/);
  });

  it('each dashboard ends with its own outcome on 403, 422, 429, 500, a reset or a hang on any write; a re-run converges', async () => {
    await people();
    const chosen = ['Quarterly Report Q1', 'Quarterly Report Q2', 'Quarterly Report Q3', 'Fred Budget', 'Dana Notes', 'Olga Draft', 'Archive 2024'];
    const oid = (t: string) => srcDash(t).oid;
    dst.faults.push({ method: 'POST', path: `/api/v1/dashboards/${oid('Quarterly Report Q1')}/change_owner`, status: 403, times: 1 });
    dst.faults.push({ method: 'POST', path: `/api/shares/dashboard/${oid('Quarterly Report Q2')}`, status: 500, times: 1 });
    dst.faults.push({ method: 'POST', path: `/api/v1/dashboards/${oid('Quarterly Report Q3')}/publish`, status: 422, times: 1 });
    dst.faults.push({ method: 'PATCH', path: `/api/v1/dashboards/${oid('Fred Budget')}`, status: 429, retryAfter: 0, times: 1 });
    dst.faults.push({ method: 'POST', path: `/api/shares/dashboard/${oid('Dana Notes')}`, drop: true, times: 1 });
    dst.faults.push({ method: 'POST', path: `/api/v1/dashboards/${oid('Olga Draft')}/change_owner`, delayMs: 3000, times: 1 });
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen, batchSize: 3 }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    const reason = (t: string) => resultOf(run, t).reason ?? '';
    expect(reason('Quarterly Report Q1')).toMatch(/^imported as [0-9a-f]{24}, but giving it to its owner fred\.finance@acme\.test failed: .* refused POST .*change_owner/);
    expect(reason('Quarterly Report Q2')).toMatch(/sharing it failed: .*500/);
    expect(reason('Quarterly Report Q3')).toMatch(/republishing it failed: .*422/);
    expect(reason('Fred Budget')).toMatch(/putting it in its folder failed: .*429/);
    expect(reason('Dana Notes')).toMatch(/sharing it failed: cannot reach/);
    expect(reason('Olga Draft')).toMatch(/giving it to its owner olga\.orphan@acme\.test failed: .*(did not answer|cannot reach)/);
    expect(resultOf(run, 'Archive 2024')).toMatchObject({ status: 'succeeded' });
    for (const t of chosen.slice(0, 6)) expect(resultOf(run, t)).toMatchObject({ status: 'failed', targetId: expect.stringMatching(/^[0-9a-f]{24}$/) });

    // The hung change of owner still applies on the server once its delay is over (the client gave up on it).
    await until('the hung change_owner to apply', () => (dstDashes('Olga Draft')[0]?.owner === dstUser('olga.orphan@acme.test') ? true : undefined));
    const again = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen }, roles);
    expect(again).toMatchObject({ ok: true, output: { summary: { failed: 0 } } });
    for (const t of chosen.slice(0, 6)) expect(resultOf(again, t).status).not.toBe('failed');
    expect(visible('vic.viewer@acme.test', 'Quarterly Report Q2') || visible('fred.finance@acme.test', 'Quarterly Report Q2')).toBe(true);
    const third = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: chosen }, roles);
    expect(third).toMatchObject({ ok: true, output: { summary: { succeeded: 0, failed: 0 } } });
  });

  it('a bulk import refused as a whole (400) is split until the refused dashboard is alone: only it fails', async () => {
    await people();
    dst.faults.push({ method: 'POST', path: '/api/v1/dashboards/import/bulk', status: 400, times: 2 });
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: ['Dana Notes', 'Archive 2024'] }, roles);
    expect(run).toMatchObject({ ok: false, error: { code: 'MIGRATION_PARTIAL' } });
    expect(resultOf(run, 'Dana Notes')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^the bulk import failed: .*400/) });
    expect(resultOf(run, 'Archive 2024')).toMatchObject({ status: 'succeeded' });
    expect(dst.requests.filter((r) => r.path === '/api/v1/dashboards/import/bulk').map((r) => r.status)).toEqual([400, 400, 201]);
  });

  it('stops when cancelled: the dashboards that jump to the first ones are never sent', async () => {
    await people();
    dst.latencyMs = 50;
    const controller = new AbortController();
    const started = Date.now();
    const run = await host.invoker.invoke('sisense.migration.dashboards', { dashboards: SELECTED, datasources: REMAP, batchSize: 1 }, { ...roles, signal: controller.signal, progress: (p) => /batch 1 of/.test(p.message ?? '') && controller.abort() });
    expect(run).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 300));
    // The first level (the drill target) went out; Sales Deep Dive, which jumps to it, did not.
    expect(dst.requests.filter((r) => r.path === '/api/v1/dashboards/import/bulk')).toHaveLength(1);
    expect(dst.state.dashboards.some((d) => d.title === 'Sales Deep Dive')).toBe(false);
  });
});
