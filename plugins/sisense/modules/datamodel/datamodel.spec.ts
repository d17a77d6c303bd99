import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import type { ProgressUpdate } from '../../../../src/plugins/plugin-api.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.datamodel', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object, h = host) => h.invoker.invoke(`sisense.datamodel.${id}`, input, target);
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.datamodel.${id}`, input);
  const hostWith = (settings: Record<string, unknown>) => hostOn(sim, { retryBaseMs: 5, retryMaxMs: 10 }, settings);
  const model = (title: string) => sim.state.datamodels.find((m) => m.title === title) as Record<string, any>;
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source', builds: { pollsToFinish: 2 } });
    host = await hostWith({ buildPollMs: 10 });
  });
  afterEach(() => sim.close());

  it('list: type and build state; filters', async () => {
    const all = output(await run('list', {}));
    expect(all.datamodels.map((m: { title: string; type: string; built: boolean }) => [m.title, m.type, m.built])).toEqual([
      ['Live Sales', 'live', true],
      ['Retail Sales', 'extract', true],
      ['Sample ECommerce', 'extract', true],
      ['Unbuilt Draft', 'extract', false],
    ]);
    expect(output(await run('list', { type: 'live' })).count).toBe(1);
    expect(output(await run('list', { search: 'sales' })).count).toBe(2);
  });

  it('schema: datasets, tables with columns, custom tables and import queries, relations by name', async () => {
    const s = output(await run('schema', { datamodel: 'retail sales' }));
    expect(s.datamodel).toEqual({ oid: model('Retail Sales').oid, title: 'Retail Sales', type: 'extract', lastBuildTime: expect.any(String) });
    expect(s.datasets).toEqual([{ name: 'Warehouse (PostgreSQL)', provider: 'PostgreSQL', database: 'retail', schema: 'sales', type: 'extract' }]);
    const orders = s.tables.find((t: { name: string }) => t.name === 'Orders');
    expect(orders).toMatchObject({ dataset: 'Warehouse (PostgreSQL)', importQuery: true, custom: false });
    expect(orders.columns.slice(0, 4)).toEqual([{ name: 'OrderId', type: 'int', hidden: false }, { name: 'CustomerId', type: 'int', hidden: false }, { name: 'ProductId', type: 'int', hidden: false }, { name: 'Order Date', type: 'datetime', hidden: false }]);
    expect(s.tables.find((t: { name: string }) => t.name === 'All Regions')).toMatchObject({ custom: true });
    expect(s.relations).toContainEqual({ columns: [{ table: 'Orders', column: 'Promo Code' }, { table: 'Promotions', column: 'Promo Code' }] });
    expect(s.raw).toBeUndefined();
    expect(await run('schema', { datamodel: 'Nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', detail: { kind: 'data model' } } });
    expect(await run('schema', { datamodel: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('shares and data security, for extract and live models', async () => {
    // Shares: every entry of the model (keyed partyId), named by email or group name, with the documented letter meanings.
    const LETTERS: Record<string, string> = { r: 'use', w: 'edit', a: 'read' };
    for (const title of ['Sample ECommerce', 'Live Sales']) {
      const m = sim.state.datamodels.find((x) => x.title === title)! as { shares: Array<{ partyId: string; type: string; permission: string }> };
      const expected = m.shares.map((x) => ({
        type: x.type,
        id: x.partyId,
        name: x.type === 'group' ? sim.state.groups.find((g) => g._id === x.partyId)!.name : sim.state.users.find((u) => u._id === x.partyId)!.email,
        permission: x.permission,
        access: LETTERS[x.permission],
      }));
      expect(output(await run('shares', { datamodel: title })).shares).toEqual(expected);
    }
    // Data security: rule shares keyed party, named; "default" is everyone else.
    const rls = output(await run('data-security', { datamodel: 'Retail Sales' }));
    expect(rls.rules).toEqual(
      expect.arrayContaining([
        { table: 'Customers', column: 'Region', datatype: 'text', members: ['EMEA'], allMembers: false, exclusionary: false, appliesTo: [{ type: 'group', id: expect.any(String), name: 'EMEA Analysts' }] },
        expect.objectContaining({ table: 'Customers', column: 'Region', appliesTo: [{ type: 'default', id: null, name: 'everyone else' }] }),
      ]),
    );
    const live = output(await run('data-security', { datamodel: 'Live Sales' }));
    expect(live.rules).toContainEqual(expect.objectContaining({ table: 'REGIONS', column: 'REGION', appliesTo: [expect.objectContaining({ type: 'user', name: 'fred.finance@acme.test' })] }));
    expect(output(await run('data-security', { datamodel: 'Retail Sales', table: 'Orders' })).count).toBe(0);
  });

  it('connections: never a password', async () => {
    const c = output(await run('connections', {}));
    const warehouse = c.connections.find((x: { name: string }) => x.name === 'Warehouse (PostgreSQL)');
    expect(warehouse).toMatchObject({ provider: 'PostgreSQL', server: 'warehouse.internal', database: 'retail', enabled: true, modelTypes: ['EXTRACT'] });
    expect(Object.keys(warehouse.parameters)).not.toContain('Password');
    expect(JSON.stringify(c)).not.toMatch(/password/i);
    expect(output(await run('connections', { provider: 'snowflake' })).connections.map((x: { name: string }) => x.name)).toEqual(['Snowflake Analytics']);
  });

  it('build: plans without writing, waits with progress, or returns at once; refuses a second build while one runs', async () => {
    expect(await plan('build', { datamodel: 'Unbuilt Draft' })).toMatchObject({ changes: [{ action: 'update', target: `data model ${model('Unbuilt Draft').oid} "Unbuilt Draft"`, detail: 'full build' }] });
    const seen: ProgressUpdate[] = [];
    const done = await host.invoker.invoke('sisense.datamodel.build', { datamodel: 'Unbuilt Draft' }, { ...target, progress: (p) => seen.push(p) });
    expect(output(done)).toMatchObject({ waited: true, build: { status: 'done', buildType: 'full', datamodelId: model('Unbuilt Draft').oid } });
    expect(seen.map((p) => p.message)).toEqual([expect.stringMatching(/: building$/), expect.stringMatching(/: building$/)]);
    expect(model('Unbuilt Draft').lastBuildTime).not.toBeNull();

    const started = output(await run('build', { datamodel: 'Retail Sales', buildType: 'by_table', wait: false }));
    expect(started).toMatchObject({ waited: false, build: { status: 'building', buildType: 'by_table' } });
    expect(await plan('build', { datamodel: 'Retail Sales' })).toMatchObject({ wouldFail: true, changes: [{ action: 'fail', detail: expect.stringMatching(/^BUILD_IN_PROGRESS: a build of "Retail Sales" is already building/) }] });
    expect(await run('build', { datamodel: 'Retail Sales' })).toMatchObject({ ok: false, error: { code: 'BUILD_IN_PROGRESS', detail: { buildId: started.build.oid } } });
    expect(output(await run('build-status', { build: started.build.oid })).builds).toMatchObject([{ oid: started.build.oid, status: 'building' }]);
    expect(output(await run('build-status', { build: started.build.oid })).builds).toMatchObject([{ status: 'done' }]);
    expect(output(await run('build-status', { datamodel: 'Retail Sales' })).builds).toMatchObject([{ oid: started.build.oid, status: 'done' }]);
    expect(await run('build-status', { build: 'no-such-build' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await run('build-status', {})).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
  });

  it('build: BUILD_FAILED, BUILD_TIMEOUT, and a build type that does not fit the model', async () => {
    sim.builds.failTitles.push('Sample ECommerce');
    expect(await run('build', { datamodel: 'Sample ECommerce' })).toMatchObject({ ok: false, error: { code: 'BUILD_FAILED', detail: { status: 'failed' } } });
    sim.builds.pollsToFinish = 1_000;
    const slow = await hostWith({ buildPollMs: 50, buildTimeoutMs: 1000 });
    expect(await run('build', { datamodel: 'Retail Sales' }, slow)).toMatchObject({ ok: false, error: { code: 'BUILD_TIMEOUT', detail: { status: 'building' } } });
    expect(await plan('build', { datamodel: 'Live Sales', buildType: 'full' })).toMatchObject({ wouldFail: true, changes: [{ detail: expect.stringMatching(/^BUILD_TYPE_INVALID: /) }] });
    expect(await plan('build', { datamodel: 'Live Sales' })).toMatchObject({ changes: [{ action: 'update', detail: 'publish build' }] });
  });

  it('row-counts: per table through the SQL endpoint; an unbuilt model or an unknown table is refused', async () => {
    expect(output(await run('row-counts', { datamodel: 'Retail Sales' }))).toMatchObject({
      total: 25,
      tables: [
        { table: 'Orders', rows: 6, error: null },
        { table: 'Customers', rows: 5 },
        { table: 'Products', rows: 4 },
        { table: 'Promotions', rows: 5 },
        { table: 'Stores', rows: 2 },
        { table: 'All Regions', rows: 3 },
      ],
    });
    expect(output(await run('row-counts', { datamodel: 'Live Sales', tables: ['REGIONS'] }))).toMatchObject({ total: 3, tables: [{ table: 'REGIONS', rows: 3 }] });
    expect(await run('row-counts', { datamodel: 'Unbuilt Draft' })).toMatchObject({ ok: false, error: { code: 'DATAMODEL_NOT_BUILT' } });
    expect(await run('row-counts', { datamodel: 'Retail Sales', tables: ['Orders', 'Ghosts'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('no table "Ghosts"') } });
    sim.faults.push({ path: /^\/api\/datasources\/[^/]+\/sql$/, query: { query: 'SELECT COUNT(*) FROM [Stores]' }, status: 500 });
    expect(output(await run('row-counts', { datamodel: 'Retail Sales', tables: ['Stores', 'Orders'] })).tables).toEqual([
      { table: 'Stores', rows: null, error: '500 Injected failure' },
      { table: 'Orders', rows: 6, error: null },
    ]);
  });
});
