import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.datamodel: describe, table, connection, dashboards, shares and data security writes', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.datamodel.${id}`, input, target);
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.datamodel.${id}`, input);
  const model = (title: string) => sim.state.datamodels.find((m) => m.title === title)! as Record<string, any>;
  const group = (name: string) => sim.state.groups.find((g) => g.name === name)!;
  const user = (email: string) => sim.state.users.find((u) => u.email === email)!;
  const rulesOn = (m: string, table: string, column: string) => sim.state.dataSecurity.filter((r) => r.elasticube === m && r.table === table && r.column === column);
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { maxRetries: 0 });
  });
  afterEach(() => sim.close());

  it('describe, table, connection, dashboards: read-only views', async () => {
    const before = sim.snapshot();
    const d = output(await run('describe', { datamodel: PLANTED.datamodels.retail }));
    expect(d.datamodel).toMatchObject({ title: 'Retail Sales', type: 'extract', published: true });
    expect(d.counts).toMatchObject({ shares: model('Retail Sales').shares.length, customTables: 1 });
    expect(d.counts.securityRules).toBeGreaterThan(0);
    const t = output(await run('table', { datamodel: 'Retail Sales', table: 'orders' }));
    expect(t.table).toMatchObject({ name: 'Orders', importQuery: expect.any(String), relatedTables: expect.arrayContaining(['Customers', 'Products', 'Promotions']) });
    expect(t.columns.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['OrderId', 'Amount', 'Legacy Flag']));
    expect(sim.requests.some((q) => /^\/api\/v2\/datamodels\/[^/]+\/schema\/datasets\/[^/]+\/tables\/[^/]+$/.test(q.path))).toBe(true);
    const c = output(await run('connection', { connection: 'warehouse (postgresql)' }));
    expect(c.connection).toMatchObject({ name: 'Warehouse (PostgreSQL)', server: 'warehouse.internal', database: 'retail' });
    expect(Object.keys(c.connection.parameters)).not.toContain('Password');
    expect(c.datamodels.map((m: { title: string }) => m.title)).toEqual(['Retail Sales']);
    const shallow = output(await run('dashboards', { datamodel: 'Retail Sales' }));
    const deep = output(await run('dashboards', { datamodel: 'Retail Sales', deep: true }));
    const onRetail = sim.state.dashboards.filter((x) => (x.datasource as { title?: string } | undefined)?.title === 'Retail Sales').map((x) => x.title).sort((a, b) => a.localeCompare(b));
    expect(shallow.dashboards.map((x: { title: string }) => x.title)).toEqual(onRetail);
    expect(deep.count).toBeGreaterThanOrEqual(shallow.count);
    expect(sim.snapshot()).toBe(before);
  });

  it('share-set (extract): merges, writes entries keyed partyId, reads back; revokes', async () => {
    const finance = group('Finance');
    expect(model('Retail Sales').shares.some((s: { partyId: string }) => s.partyId === finance._id)).toBe(false);
    const p = await plan('share-set', { datamodel: 'Retail Sales', shares: [{ group: 'Finance', permission: 'use' }] });
    expect(p.changes).toEqual([expect.objectContaining({ action: 'create' })]);
    const before = model('Retail Sales').shares.length;
    const r = output(await run('share-set', { datamodel: 'Retail Sales', shares: [{ group: 'Finance', permission: 'use' }] }));
    expect(r).toMatchObject({ created: 1, unchanged: 0 });
    expect(model('Retail Sales').shares).toHaveLength(before + 1);
    expect(model('Retail Sales').shares).toContainEqual({ partyId: finance._id, type: 'group', permission: 'r' });
    expect(sim.requests.some((q) => q.method === 'PUT' && q.path.endsWith('/permissions'))).toBe(true);
    // Again: nothing to do, nothing written.
    const writes = sim.requests.filter((q) => q.method !== 'GET').length;
    expect(output(await run('share-set', { datamodel: 'Retail Sales', shares: [{ group: 'Finance', permission: 'use' }] }))).toMatchObject({ created: 0, unchanged: 1 });
    expect(sim.requests.filter((q) => q.method !== 'GET').length).toBe(writes);
    expect(output(await run('share-set', { datamodel: 'Retail Sales', shares: [{ group: 'Finance', permission: 'none' }] }))).toMatchObject({ deleted: 1 });
    expect(model('Retail Sales').shares).toHaveLength(before);
    expect(await run('share-set', { datamodel: 'Retail Sales', shares: [{ user: PLANTED.users.inactive, permission: 'use' }] })).toMatchObject({ ok: false, error: { code: 'SHARE_FAILED' } });
  });

  it('share-set (live): PATCH by oid once published; an unpublished live model is MODEL_NOT_PUBLISHED', async () => {
    const r = output(await run('share-set', { datamodel: PLANTED.datamodels.live, shares: [{ user: 'vic.viewer@acme.test', permission: 'use' }] }));
    expect(r).toMatchObject({ created: 1, datamodel: { type: 'live' } });
    expect(model('Live Sales').shares).toContainEqual({ partyId: user('vic.viewer@acme.test')._id, type: 'user', permission: 'r' });
    expect(sim.requests.some((q) => q.method === 'PATCH' && q.path === `/api/v1/elasticubes/live/${model('Live Sales').oid}/permissions`)).toBe(true);
    model('Live Sales').lastPublishTime = null;
    expect(await run('share-set', { datamodel: 'Live Sales', shares: [{ group: 'Finance', permission: 'use' }] })).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_PUBLISHED' } });
  });

  it('data-security-add: rules keyed party for users, groups and everyone else; read back; a second rule for a party is refused', async () => {
    const p = await plan('data-security-add', { datamodel: 'Retail Sales', table: 'Products', column: 'Category', rules: [{ group: 'Finance', members: ['Tools'] }, { everyoneElse: true, members: [] }] });
    expect(p.changes.map((c) => c.action)).toEqual(['create', 'create']);
    const r = output(await run('data-security-add', { datamodel: 'Retail Sales', table: 'Products', column: 'Category', rules: [{ group: 'Finance', members: ['Tools'] }, { everyoneElse: true, members: [] }] }));
    expect(r).toMatchObject({ added: 2, rules: 2 });
    const rules = rulesOn('Retail Sales', 'Products', 'Category');
    expect(rules.flatMap((x) => x.shares as Array<Record<string, unknown>>)).toEqual(expect.arrayContaining([expect.objectContaining({ party: group('Finance')._id, type: 'group' }), expect.objectContaining({ type: 'default' })]));
    expect(rules.every((x) => x.datatype === 'text')).toBe(true);
    expect(await run('data-security-add', { datamodel: 'Retail Sales', table: 'Products', column: 'Category', rules: [{ group: 'Finance', members: ['Bolt'] }] })).toMatchObject({ ok: false, error: { code: 'DATA_SECURITY_FAILED' } });
    expect(await run('data-security-add', { datamodel: 'Retail Sales', table: 'Products', column: 'Nope', rules: [{ group: 'Finance', members: [] }] })).toMatchObject({ ok: false, error: { code: 'DATA_SECURITY_FAILED' } });
    // Live: addMany.
    const live = PLANTED.dataSecurity.liveUserRule;
    const l = output(await run('data-security-add', { datamodel: live.model, table: 'SALES', column: 'REGION', rules: [{ user: 'dana.designer@acme.test', members: ['EMEA'] }] }));
    expect(l.added).toBe(1);
    expect(sim.requests.some((q) => q.method === 'POST' && q.path.endsWith('/datasecurity/addMany'))).toBe(true);
  });

  it('data-security-delete: deletes one column\'s rules of an extract model; refuses live models', async () => {
    const rls = PLANTED.rlsTextColumn;
    const n = rulesOn(rls.model, rls.table, rls.column).length;
    expect(n).toBeGreaterThan(0);
    expect((await plan('data-security-delete', { datamodel: rls.model, table: rls.table, column: rls.column })).changes).toEqual([expect.objectContaining({ action: 'delete', detail: `${n} rule(s)` })]);
    expect(output(await run('data-security-delete', { datamodel: rls.model, table: rls.table, column: rls.column }))).toMatchObject({ deleted: n });
    expect(rulesOn(rls.model, rls.table, rls.column)).toHaveLength(0);
    expect(output(await run('data-security-delete', { datamodel: rls.model, table: rls.table, column: rls.column }))).toMatchObject({ deleted: 0 });
    const live = PLANTED.dataSecurity.liveUserRule;
    expect(await run('data-security-delete', { datamodel: live.model, table: live.table, column: live.column })).toMatchObject({ ok: false, error: { code: 'DATA_SECURITY_FAILED' } });
  });
});
