/**
 * ctx.records: a plugin's documents per environment with history, on both backends (PostgreSQL when
 * STEWARD_TEST_PG_URL is set), through the real invoker so scoping, dry-run read-only and errors are what tools see.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { definePlugin, defineTool, type PluginRecords, type ToolContext } from '../../src/plugins/plugin-api.js';
import { hostForDefinition, type TestHost } from '../../src/plugins/test-host.js';
import { openStore } from '../../src/store/store.factory.js';
import type { Store } from '../../src/store/store.types.js';
import { PG_URL, pgliteLeg, postgresLeg, type Leg } from './harness.js';

const LEGS: Leg[] = [pgliteLeg(), ...(PG_URL ? [postgresLeg(PG_URL)] : [])];

/** A tool that does with ctx.records what its input says, and returns the result. */
const recordsTool = defineTool<{ op: string; collection?: string; key?: string; value?: unknown; expectVersion?: number; search?: string; prefix?: string }>({
  id: 'rec.util.op',
  title: 'records op',
  description: 'test',
  inputSchema: { type: 'object', required: ['op'], properties: { op: { type: 'string' }, collection: { type: 'string' }, key: { type: 'string' }, value: {}, expectVersion: { type: 'integer' }, search: { type: 'string' }, prefix: { type: 'string' } } },
  effect: 'write',
  idempotent: false,
  examples: [{ title: 'read one', input: { op: 'get', key: 'public.orders' } }],
  handler: async (i, ctx: ToolContext) => run(ctx.records!(), i),
  plan: async (i, ctx) => {
    await run(ctx.records!(), i);
    return { summary: 'read', changes: [] };
  },
});

async function run(r: PluginRecords, i: { op: string; collection?: string; key?: string; value?: unknown; expectVersion?: number; search?: string; prefix?: string }): Promise<unknown> {
  const c = i.collection ?? 'table';
  switch (i.op) {
    case 'put':
      return { record: await r.put(c, i.key!, i.value, i.expectVersion === undefined ? {} : { expectVersion: i.expectVersion }) };
    case 'get':
      return { record: (await r.get(c, i.key!)) ?? null };
    case 'list':
      return { records: await r.list(c, { search: i.search, prefix: i.prefix }) };
    case 'delete':
      return { deleted: await r.delete(c, i.key!) };
    case 'history':
      return { history: await r.history(c, i.key!) };
    default:
      throw new Error(`no op ${i.op}`);
  }
}

describe.each(LEGS)('plugin records: $name', (leg) => {
  let store: Store;
  let host: TestHost;
  const call = async (input: object, opts: { env?: string; mode?: 'plan'; runId?: string } = {}) => {
    const r = await host.invoker.invoke('rec.util.op', input, { environments: { target: opts.env ?? 'db-a' }, mode: opts.mode, runId: opts.runId, stepId: opts.runId && 'catalog' });
    return r.ok ? ('output' in r ? r.output : r.plan) : { error: r.error };
  };
  beforeAll(async () => {
    await leg.setup();
    const t = await leg.fresh();
    store = await openStore(t.config, { baseDir: t.baseDir, logger: pino({ level: 'silent' }) });
    host = await hostForDefinition({ id: 'rec', kinds: ['demo'] }, definePlugin((api) => api.register(recordsTool as never)), { environments: { 'db-a': { kind: 'demo' }, 'db-b': { kind: 'demo' } }, store });
  });
  afterAll(async () => {
    await store?.close();
    await leg.teardown();
  });

  it('writes versions with the run that wrote them, keeps every version in history, and deletes', async () => {
    expect(await call({ op: 'put', key: 'public.orders', value: { rows: 10 } }, { runId: 'run_1' })).toMatchObject({ record: { collection: 'table', key: 'public.orders', value: { rows: 10 }, version: 1, runId: 'run_1', stepKey: 'catalog' } });
    expect(await call({ op: 'put', key: 'public.orders', value: { rows: 12, note: 'Orders of customers' } })).toMatchObject({ record: { version: 2, runId: null } });
    expect(await call({ op: 'get', key: 'public.orders' })).toMatchObject({ record: { value: { rows: 12 }, version: 2 } });
    expect(await call({ op: 'delete', key: 'public.orders' })).toEqual({ deleted: true });
    expect(await call({ op: 'delete', key: 'public.orders' })).toEqual({ deleted: false });
    expect(await call({ op: 'get', key: 'public.orders' })).toEqual({ record: null });
    const h = (await call({ op: 'history', key: 'public.orders' })) as { history: { version: number; deleted: boolean; value: unknown }[] };
    expect(h.history.map((v) => [v.version, v.deleted, v.value])).toEqual([[3, true, null], [2, false, { rows: 12, note: 'Orders of customers' }], [1, false, { rows: 10 }]]);
  });

  it('keeps each environment apart, lists by prefix and by text in the value (LIKE characters taken literally)', async () => {
    await call({ op: 'put', key: 'sales.customers', value: { comment: 'people who buy' } });
    await call({ op: 'put', key: 'sales.invoices', value: { comment: '100% paid' } });
    await call({ op: 'put', key: 'hr.staff', value: { comment: 'people who work here' } });
    await call({ op: 'put', key: 'sales.customers', value: { comment: 'another database' } }, { env: 'db-b' });
    const keys = async (q: object, env?: string) => ((await call({ op: 'list', ...q }, { env })) as { records: { key: string }[] }).records.map((r) => r.key);
    expect(await keys({ prefix: 'sales.' })).toEqual(['sales.customers', 'sales.invoices']);
    expect(await keys({ search: 'PEOPLE' })).toEqual(['hr.staff', 'sales.customers']);
    expect(await keys({ search: '100%' })).toEqual(['sales.invoices']);
    expect(await keys({ search: '%' })).toEqual(['sales.invoices']);
    expect(await keys({}, 'db-b')).toEqual(['sales.customers']);
  });

  it('expectVersion refuses a write that did not read the latest version (RECORD_CONFLICT); 0 means must not exist', async () => {
    expect(await call({ op: 'put', key: 'glossary', value: 1, expectVersion: 0 })).toMatchObject({ record: { version: 1 } });
    expect(await call({ op: 'put', key: 'glossary', value: 2, expectVersion: 0 })).toMatchObject({ error: { code: 'RECORD_CONFLICT' } });
    expect(await call({ op: 'put', key: 'glossary', value: 2, expectVersion: 1 })).toMatchObject({ record: { version: 2 } });
  });

  it('concurrent writes of one new key all land, one version each', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call({ op: 'put', key: 'race', value: i })));
    expect(results.map((r) => (r as { record: { version: number } }).record.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(((await call({ op: 'history', key: 'race' })) as { history: unknown[] }).history).toHaveLength(8);
  });

  it('a dry run reads records and cannot write them (RECORDS_READ_ONLY); bad names and huge values are refused', async () => {
    expect(await call({ op: 'get', key: 'glossary' }, { mode: 'plan' })).toMatchObject({ summary: 'read' });
    expect(await call({ op: 'put', key: 'x', value: 1 }, { mode: 'plan' })).toMatchObject({ error: { code: 'RECORDS_READ_ONLY' } });
    expect(await call({ op: 'put', key: 'bad key with spaces', value: 1 })).toMatchObject({ error: { code: 'RECORD_INVALID', message: expect.stringContaining('key must be') } });
    expect(await call({ op: 'put', key: 'huge', value: 'x'.repeat(300_000) })).toMatchObject({ error: { code: 'RECORD_TOO_LARGE' } });
    expect(await call({ op: 'get', key: 'huge' })).toEqual({ record: null });
  });
});
