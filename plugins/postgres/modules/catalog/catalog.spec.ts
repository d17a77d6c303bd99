import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { EnvironmentConfig } from '../../../../src/config/config.types.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { openStore } from '../../../../src/store/store.factory.js';
import type { Store } from '../../../../src/store/store.types.js';
import { encodeKey } from './catalog.entries.js';

/** The catalog tools through the real invoker on a real (PGlite) store; no database connection is needed. */
describe('postgres.catalog', () => {
  let dir: string;
  let store: Store;
  let host: TestHost;
  const call = (tool: string, input: object, opts: { env?: string; mode?: 'plan'; runId?: string } = {}) =>
    host.invoker.invoke(`postgres.catalog.${tool}`, input, { environments: { target: opts.env ?? 'db' }, mode: opts.mode, runId: opts.runId, stepId: opts.runId && 'write-catalog' });
  const ok = async <T = Record<string, unknown>>(tool: string, input: object, opts?: { env?: string; runId?: string }): Promise<T> => {
    const r = await call(tool, input, opts);
    if (!r.ok) throw new Error(`${tool}: ${r.error.code}: ${r.error.message}`);
    return (r as { output: T }).output;
  };
  const plan = async (tool: string, input: object) => {
    const r = await call(tool, input, { mode: 'plan' });
    if (!r.ok || !('plan' in r)) throw new Error(`${tool} plan: ${JSON.stringify(r)}`);
    return r.plan!;
  };
  const fail = async (tool: string, input: object) => {
    const r = await call(tool, input);
    if (r.ok) throw new Error(`${tool} should have failed`);
    return r.error;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-catalog-'));
    store = await openStore({ path: 'store', poolSize: 1, connect: { retries: 0, initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 5000 } }, { baseDir: dir, logger: pino({ level: 'silent' }) });
    const env = { kind: 'postgres', url: 'postgres://steward@127.0.0.1:1/none' };
    host = await createTestHost({ environments: { db: env, other: env } as Record<string, EnvironmentConfig>, store });
  }, 60_000);
  afterAll(async () => {
    await host?.catalogue.dispose();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('upserts: creates, updates only the fields given, leaves an unchanged entry alone (no new version), and plans create / update before → after / skip', async () => {
    const first = await ok('upsert', { entries: [{ id: 'table:shop.orders', description: 'Orders', tags: ['fact'], source: 'structural' }, { id: 'column:shop.customers.email', pii: true, semanticType: 'email' }] }, { runId: 'run_1' });
    expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 0, results: [{ asset: 'table:shop.orders', status: 'succeeded', action: 'created', version: 1 }, { asset: 'column:shop.customers.email', action: 'created' }] });

    const p = await plan('upsert', { entries: [{ id: 'table:shop.orders', description: 'Orders placed in the shop', grain: 'one order' }, { id: 'column:shop.customers.email', pii: true }, { id: 'glossary:net revenue', description: 'Sales minus returns' }] });
    expect(p.changes).toEqual([
      { action: 'update', target: 'table:shop.orders', kind: 'catalog table', fields: [{ field: 'description', before: 'Orders', after: 'Orders placed in the shop' }, { field: 'grain', after: 'one order' }] },
      { action: 'skip', target: 'column:shop.customers.email', kind: 'catalog column', reason: 'already as given' },
      { action: 'create', target: 'glossary:net revenue', kind: 'catalog glossary', fields: [{ field: 'description', after: 'Sales minus returns' }] },
    ]);
    expect(await ok('get', { id: 'glossary:net revenue' })).toEqual({ entry: null }); // the plan wrote nothing

    const second = await ok('upsert', { entries: [{ id: 'table:shop.orders', description: 'Orders placed in the shop', grain: 'one order' }, { id: 'column:shop.customers.email', pii: true }] });
    expect(second).toMatchObject({ created: 0, updated: 1, unchanged: 1, results: [{ action: 'updated', version: 2, fields: ['description', 'grain'] }, { status: 'skipped', action: 'unchanged', version: 1 }] });
    const { entry } = await ok<{ entry: Record<string, unknown> }>('get', { id: 'table:shop.orders' });
    expect(entry).toEqual({ id: 'table:shop.orders', kind: 'table', name: 'shop.orders', description: 'Orders placed in the shop', grain: 'one order', tags: ['fact'], source: 'structural', version: 2, updatedAt: expect.any(String), runId: null, stepKey: null });

    const replaced = await ok('upsert', { entries: [{ id: 'table:shop.orders', description: 'Orders' }], replace: true });
    expect(replaced).toMatchObject({ results: [{ action: 'updated', fields: ['description', 'tags', 'source', 'grain'] }] });
    const h = await ok<{ versions: { version: number; runId: string | null; entry: { description?: string } | null }[] }>('history', { id: 'table:shop.orders' });
    expect(h.versions.map((v) => [v.version, v.entry?.description, v.runId])).toEqual([[3, 'Orders', null], [2, 'Orders placed in the shop', null], [1, 'Orders', 'run_1']]);
  });

  it('keeps relation keys and glossary terms with characters the store does not take, and each environment apart', async () => {
    await ok('upsert', { entries: [{ id: 'relation:shop.order_items.product_id->shop.products.id', declared: false, cardinality: 'many-to-one', confidence: 0.8 }, { id: 'glossary:Average order value (AOV)', synonyms: ['basket size'] }] });
    expect(await ok('get', { id: 'relation:shop.order_items.product_id->shop.products.id' })).toMatchObject({ entry: { kind: 'relation', name: 'shop.order_items.product_id->shop.products.id', cardinality: 'many-to-one' } });
    expect(await ok('get', { id: 'glossary:Average order value (AOV)' })).toMatchObject({ entry: { synonyms: ['basket size'] } });
    expect(await ok('get', { id: 'glossary:Average order value (AOV)' }, { env: 'other' })).toEqual({ entry: null });
    expect(encodeKey('a->b')).toBe('a-@3Eb');
    expect(encodeKey('_x@y')).toBe('@5Fx@40y');
  });

  it('lists by kind and name prefix, paged by cursor across kinds; searches text in every field', async () => {
    await ok('upsert', { entries: ['id', 'customer_id', 'status', 'total'].map((c) => ({ id: `column:shop.orders.${c}`, description: `orders.${c}` })) });
    await ok('upsert', { entries: [{ id: 'insight:orders-status-skew', description: '92% of orders are DELIVERED', severity: 'notice', about: ['column:shop.orders.status'] }] });
    const cols = await ok<{ entries: { id: string }[]; nextCursor: string | null }>('list', { kinds: ['column'], prefix: 'shop.orders.' });
    expect(cols.entries.map((e) => e.id)).toEqual(['column:shop.orders.customer_id', 'column:shop.orders.id', 'column:shop.orders.status', 'column:shop.orders.total']);
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await ok<{ entries: { id: string }[]; nextCursor: string | null }>('list', { limit: 3, ...(cursor && { cursor }) });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen[0]).toBe('table:shop.orders');
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen.filter((s) => s.startsWith('column:'))).toHaveLength(5);
    expect(seen.at(-1)).toBe('insight:orders-status-skew');
    expect(await fail('list', { cursor: 'nonsense' })).toMatchObject({ code: 'CATALOG_CURSOR_INVALID' });

    const found = await ok<{ entries: { id: string }[]; truncated: boolean }>('search', { text: 'DELIVERED' });
    expect(found).toEqual({ entries: [expect.objectContaining({ id: 'insight:orders-status-skew' })], truncated: false });
    const some = await ok<{ entries: unknown[]; truncated: boolean }>('search', { text: 'orders.', kinds: ['column'], limit: 2 });
    expect(some).toMatchObject({ truncated: true });
    expect(some.entries).toHaveLength(2);
  });

  it('merges two entries of one kind: single values of into kept, lists joined, from deleted with history; again is a no-op', async () => {
    await ok('upsert', { entries: [{ id: 'glossary:turnover', description: 'Money in', synonyms: ['sales'], tags: ['finance'], confidence: 0.9 }, { id: 'glossary:revenue', description: 'Sales minus returns', synonyms: ['income'], confidence: 0.6 }] });
    const p = await plan('merge', { from: 'glossary:turnover', into: 'glossary:revenue' });
    expect(p.changes.map((c) => [c.action, c.target])).toEqual([['update', 'glossary:revenue'], ['delete', 'glossary:turnover']]);
    expect(p.changes[0]!.fields).toEqual(expect.arrayContaining([{ field: 'confidence', before: 0.6, after: 0.9 }, { field: 'synonyms', before: ['income'], after: ['income', 'sales'] }]));
    const m = await ok<{ entry: Record<string, unknown>; merged: boolean }>('merge', { from: 'glossary:turnover', into: 'glossary:revenue' });
    expect(m).toMatchObject({ merged: true, entry: { description: 'Sales minus returns', synonyms: ['income', 'sales'], tags: ['finance'], confidence: 0.9, mergedFrom: ['glossary:turnover'] } });
    expect(await ok('get', { id: 'glossary:turnover' })).toEqual({ entry: null });
    expect(await ok('merge', { from: 'glossary:turnover', into: 'glossary:revenue' })).toMatchObject({ merged: false, entry: { version: m.entry.version } });
    const h = await ok<{ versions: { deleted: boolean; entry: unknown }[] }>('history', { id: 'glossary:turnover' });
    expect(h.versions.map((v) => v.deleted)).toEqual([true, false]);
    expect(await fail('merge', { from: 'glossary:revenue', into: 'table:shop.orders' })).toMatchObject({ code: 'CATALOG_KIND_MISMATCH' });
    expect(await fail('merge', { from: 'glossary:nothing', into: 'glossary:revenue' })).toMatchObject({ code: 'CATALOG_ENTRY_NOT_FOUND' });
  });

  it('deletes (destructive; the plan says delete or skip), idempotently', async () => {
    await ok('upsert', { entries: [{ id: 'insight:to-drop', description: 'wrong' }] });
    expect((await plan('delete', { id: 'insight:to-drop' })).changes).toEqual([{ action: 'delete', target: 'insight:to-drop', kind: 'catalog insight' }]);
    expect(await ok('delete', { id: 'insight:to-drop' })).toEqual({ deleted: true });
    expect(await ok('delete', { id: 'insight:to-drop' })).toEqual({ deleted: false });
    expect((await plan('delete', { id: 'insight:to-drop' })).changes).toEqual([{ action: 'skip', target: 'insight:to-drop', kind: 'catalog insight', reason: 'no such entry' }]);
  });

  it('refuses bad input with errors that name it: ids, fields of another kind, repeated ids, unknown fields', async () => {
    expect(await fail('upsert', { entries: [{ id: 'view:shop.x' }] })).toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    expect(await fail('get', { id: 'table:orders' })).toMatchObject({ code: 'CATALOG_ID_INVALID', message: expect.stringContaining('schema.table') });
    expect(await fail('get', { id: 'relation:shop.a.b-shop.c.d' })).toMatchObject({ code: 'CATALOG_ID_INVALID' });
    expect(await fail('upsert', { entries: [{ id: 'table:shop.orders', pii: true }] })).toMatchObject({ code: 'CATALOG_FIELD_INVALID', message: 'table:shop.orders: field "pii" is for column entries, not table' });
    expect(await fail('upsert', { entries: [{ id: 'table:shop.x' }, { id: 'table:shop.x' }] })).toMatchObject({ code: 'CATALOG_ID_INVALID', message: expect.stringContaining('given twice') });
    expect(await fail('upsert', { entries: [{ id: 'table:shop.x', colour: 'red' }] })).toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    expect(await fail('upsert', { entries: [{ id: 'table:shop.x', confidence: 2 }] })).toMatchObject({ code: 'TOOL_INPUT_INVALID' });
  });

  it('a dry run of a write reads only', async () => {
    await plan('upsert', { entries: [{ id: 'table:shop.never', description: 'planned only' }] });
    await plan('merge', { from: 'column:shop.orders.total', into: 'column:shop.orders.amount' });
    expect(await ok('get', { id: 'table:shop.never' })).toEqual({ entry: null });
    expect(await ok('get', { id: 'column:shop.orders.total' })).toMatchObject({ entry: { version: 1 } });
  });
});
