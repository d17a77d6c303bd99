import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import { hostOn, outputOf as output, target } from '../../sisense.test-kit.js';

describe('sisense.query (against the simulator)', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object) => host.invoker.invoke(`sisense.query.${id}`, input, target);
  beforeAll(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostOn(sim, { maxRetries: 0 });
  });
  afterAll(() => sim.close());

  it('jaql: groups and aggregates, posted to the documented JAQL route with a row cap', async () => {
    const before = sim.snapshot();
    const r = output(await run('jaql', { datamodel: 'Retail Sales', metadata: [{ jaql: { dim: '[Customers.Region]' } }, { jaql: { dim: '[Customers.CustomerId]', agg: 'count', title: 'Customers' } }] }));
    expect(r).toMatchObject({ datamodel: { title: 'Retail Sales' }, headers: ['Region', 'Customers'], truncated: false, rowCount: 3 });
    expect(new Map(r.rows.map((row: [string, number]) => [row[0], row[1]]))).toEqual(new Map([['EMEA', 2], ['AMER', 2], ['APAC', 1]]));
    expect(sim.requests.filter((q) => q.method === 'POST' && decodeURIComponent(q.path) === '/api/datasources/Retail Sales/jaql')).toHaveLength(1);
    // A query reads: nothing in the deployment changed.
    expect(sim.snapshot()).toBe(before);
  });

  it('jaql: maxRows cuts the answer and says so', async () => {
    const r = output(await run('jaql', { datamodel: 'Retail Sales', metadata: [{ jaql: { dim: '[Orders.OrderId]' } }], maxRows: 2 }));
    expect(r).toMatchObject({ rowCount: 2, truncated: true });
    expect(r.rows).toHaveLength(2);
  });

  it('jaql: an unbuilt extract model and a malformed dim answer Sisense errors', async () => {
    expect(await run('jaql', { datamodel: 'Unbuilt Draft', metadata: [{ jaql: { dim: '[T.C]' } }] })).toMatchObject({ ok: false, error: { code: 'SISENSE_HTTP_400' } });
    expect(await run('jaql', { datamodel: 'Retail Sales', metadata: [{ jaql: { dim: 'Orders.OrderId' } }] })).toMatchObject({ ok: false, error: { code: 'SISENSE_HTTP_400' } });
    expect(await run('jaql', { datamodel: 'No Such Model', metadata: [{ jaql: { dim: '[T.C]' } }] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('sql: one SELECT, a LIMIT of maxRows + 1 added, rows capped', async () => {
    const r = output(await run('sql', { datamodel: 'Retail Sales', query: 'SELECT * FROM [Customers]', maxRows: 3 }));
    expect(r).toMatchObject({ query: 'SELECT * FROM [Customers] LIMIT 4', rowCount: 3, truncated: true });
    expect(r.headers).toEqual(expect.arrayContaining(['CustomerId', 'Region']));
    const all = output(await run('sql', { datamodel: 'Retail Sales', query: 'SELECT * FROM [Customers];' }));
    expect(all).toMatchObject({ rowCount: 5, truncated: false });
  });

  it('sql: anything but one SELECT is refused before a request is sent', async () => {
    const sent = sim.requests.length;
    expect(await run('sql', { datamodel: 'Retail Sales', query: 'DELETE FROM [Customers]' })).toMatchObject({ ok: false, error: { code: 'BAD_QUERY' } });
    expect(await run('sql', { datamodel: 'Retail Sales', query: 'SELECT * FROM [Customers]; DROP TABLE [Customers]' })).toMatchObject({ ok: false, error: { code: 'BAD_QUERY' } });
    expect(sim.requests.length).toBe(sent);
    // A ";" inside a quoted string is not a second statement: the query is sent (the simulator knows no WHERE: 400).
    expect(await run('sql', { datamodel: 'Retail Sales', query: "SELECT * FROM [Customers] WHERE [Region] = 'a;b'", maxRows: 1 })).toMatchObject({ ok: false, error: { code: 'SISENSE_HTTP_400' } });
    expect(sim.requests.length).toBe(sent + 2);
  });
});
