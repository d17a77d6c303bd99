import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPgKit, type PgKit } from '../../test/pg.test-kit.js';

describe('postgres.schema (PGlite over the wire)', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit();
  }, 60_000);
  afterAll(() => kit?.close());

  it('lists schemas with their table and view counts, system ones only when asked', async () => {
    const out = await kit.ok<{ database: string; schemas: { name: string; tables: number; comment: string | null }[] }>('postgres.schema.schemas');
    expect(out.schemas.map((s) => s.name)).toEqual(['public', 'shop']);
    expect(out.schemas.find((s) => s.name === 'shop')).toMatchObject({ tables: 5, comment: 'A small web shop' });
    const all = await kit.ok<{ schemas: { name: string }[] }>('postgres.schema.schemas', { includeSystem: true });
    expect(all.schemas.map((s) => s.name)).toEqual(expect.arrayContaining(['pg_catalog', 'information_schema', 'shop']));
  });

  it('lists tables with estimates and sizes, filtered and paged by cursor', async () => {
    const first = await kit.ok<{ tables: { schema: string; name: string; rowEstimate: number | null; totalBytes: number | null; hasPrimaryKey: boolean; columns: number }[]; total: number; nextCursor: string | null }>(
      'postgres.schema.tables',
      { schema: 'shop', limit: 2 },
    );
    expect(first.total).toBe(5);
    expect(first.tables.map((t) => t.name)).toEqual(['customers', 'events']);
    expect(first.tables[0]).toMatchObject({ rowEstimate: 200, hasPrimaryKey: true, columns: 7 });
    expect(first.tables[0]!.totalBytes).toBeGreaterThan(0);
    const second = await kit.ok<{ tables: { name: string }[]; nextCursor: string | null }>('postgres.schema.tables', { schema: 'shop', limit: 2, cursor: first.nextCursor });
    expect(second.tables.map((t) => t.name)).toEqual(['order_items', 'orders']);
    const third = await kit.ok<{ tables: { name: string; hasPrimaryKey: boolean }[]; nextCursor: string | null }>('postgres.schema.tables', { schema: 'shop', limit: 2, cursor: second.nextCursor });
    expect(third.tables.map((t) => t.name)).toEqual(['products']);
    expect(third.nextCursor).toBeNull();
    const named = await kit.ok<{ tables: { name: string }[] }>('postgres.schema.tables', { name: 'ORDER' });
    expect(named.tables.map((t) => t.name)).toEqual(['order_items', 'orders']);
  });

  it('describes a table: columns, types, defaults, comments, nullability, primary key', async () => {
    const t = await kit.ok<{ primaryKey: string[]; comment: string; columns: Record<string, unknown>[] }>('postgres.schema.table', { schema: 'shop', table: 'Customers' });
    expect(t.comment).toBe('People who ordered at least once');
    expect(t.primaryKey).toEqual(['id']);
    expect(t.columns[0]).toEqual({ name: 'id', position: 1, type: 'integer', nullable: false, default: "nextval('shop.customers_id_seq'::regclass)", identity: null, generated: null, comment: null });
    expect(t.columns.find((c) => c.name === 'phone')).toMatchObject({ type: 'text', nullable: true, comment: 'Contact phone, as typed by the customer' });
    const missing = await kit.call('postgres.schema.table', { schema: 'shop', table: 'customer' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'PG_TABLE_NOT_FOUND' } });
    expect(!missing.ok && missing.error.message).toContain('similar: shop.customers');
  });

  it('lists constraints and indexes', async () => {
    const c = await kit.ok<{ constraints: { table: string; type: string; columns: string[]; references: unknown }[] }>('postgres.schema.constraints', { schema: 'shop', table: 'orders' });
    expect(c.constraints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'foreign key', columns: ['customer_id'], references: { schema: 'shop', table: 'customers', columns: ['id'] }, onDelete: 'no action' }),
        expect.objectContaining({ type: 'primary key', columns: ['id'], references: null }),
      ]),
    );
    const fks = await kit.ok<{ constraints: unknown[] }>('postgres.schema.constraints', { types: ['foreign key'] });
    expect(fks.constraints).toHaveLength(1);
    const ix = await kit.ok<{ indexes: { name: string; columns: string[]; unique: boolean; primary: boolean; method: string }[] }>('postgres.schema.indexes', { schema: 'shop', table: 'order_items' });
    expect(ix.indexes.map((i) => [i.name, i.columns, i.method])).toEqual([
      ['order_items_order_id_idx', ['order_id'], 'btree'],
      ['order_items_order_id_idx1', ['order_id'], 'btree'],
    ]);
  });
});
