import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPgKit, type PgKit } from '../../test/pg.test-kit.js';

describe('postgres.profile (PGlite over the wire)', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit({
      seed: async (db) => {
        await db.exec(`CREATE TABLE public.big (id int, v int); INSERT INTO public.big SELECT g, g % 7 FROM generate_series(1, 60000) g; ANALYZE public.big;
                       CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 400;`);
      },
      environments: (url) => ({ small: { kind: 'postgres', url, options: { maxRows: 3 } } }),
    });
  }, 60_000);
  afterAll(() => kit?.close());

  it('profiles a table: exact row count, null and distinct ratios per column, no values', async () => {
    const p = await kit.ok<{ rowCount: number; rowCountExact: boolean; sample: { method: string; rows: number }; columns: Record<string, unknown>[] }>('postgres.profile.table', { schema: 'shop', table: 'customers' });
    expect(p).toMatchObject({ rowCount: 200, rowCountExact: true, sample: { method: 'whole', rows: 200 } });
    expect(p.columns.find((c) => c.name === 'id')).toEqual({ name: 'id', type: 'integer', nullCount: 0, nullRatio: 0, distinctCount: 200, distinctRatio: 1, unique: true });
    expect(p.columns.find((c) => c.name === 'email')).toMatchObject({ nullCount: 20, nullRatio: 0.1, distinctRatio: 1, unique: true });
    expect(p.columns.find((c) => c.name === 'country')).toMatchObject({ distinctCount: 3, distinctRatio: 0.015, unique: false });
    expect(JSON.stringify(p)).not.toContain('@example.com');
    expect(p).not.toHaveProperty('dataValues');
  });

  it('samples a large table with TABLESAMPLE and caps the exact count', async () => {
    const p = await kit.ok<{ rowEstimate: number; rowCount: number; rowCountExact: boolean; sample: { method: string; percent: number; rows: number }; columns: { name: string; distinctCount: number }[] }>('postgres.profile.table', {
      schema: 'public',
      table: 'big',
      sampleRows: 1000,
      exactCountLimit: 10000,
    });
    expect(p).toMatchObject({ rowEstimate: 60000, rowCount: 60000, rowCountExact: false, sample: { method: 'system', percent: 25 } });
    expect(p.sample.rows).toBeGreaterThan(0);
    expect(p.sample.rows).toBeLessThanOrEqual(1000);
    expect(p.columns.find((c) => c.name === 'v')!.distinctCount).toBe(7);
  });

  it('profiles a skewed text column: top values and share, patterns, classes, marked as data', async () => {
    const p = await kit.ok<Record<string, unknown>>('postgres.profile.column', { schema: 'shop', table: 'orders', column: 'status', top: 2 });
    expect(p).toMatchObject({
      family: 'text',
      nullCount: 0,
      distinctCount: 3,
      min: 'cancelled',
      max: 'shipped',
      top: [
        { value: 'shipped', count: 1800, ratio: 0.9 },
        { value: 'cancelled', count: 100, ratio: 0.05 },
      ],
      topShare: 0.9,
      histogram: null,
      length: { min: 7, max: 9 },
      dataValues: true,
    });
    const email = await kit.ok<{ patterns: { pattern: string; count: number }[]; classes: Record<string, number>; nullRatio: number }>('postgres.profile.column', { schema: 'shop', table: 'customers', column: 'email' });
    expect(email.nullRatio).toBe(0.1);
    expect(email.patterns[0]).toMatchObject({ pattern: 'a+9+@a+.a+' });
    expect(email.classes).toMatchObject({ email: 180, url: 0, phone: 0, empty: 0 });
    const phone = await kit.ok<{ classes: Record<string, number> }>('postgres.profile.column', { schema: 'shop', table: 'customers', column: 'phone' });
    expect(phone.classes.phone).toBe(200);
  });

  it('builds histograms for numbers and dates', async () => {
    const n = await kit.ok<{ min: string; max: string; mean: number; histogram: { from: number; to: number; count: number }[] }>('postgres.profile.column', { schema: 'shop', table: 'orders', column: 'total', buckets: 5 });
    expect(n.histogram).toHaveLength(5);
    expect(n.histogram.reduce((a, b) => a + b.count, 0)).toBe(2000);
    expect(n.histogram[0]!.from).toBe(Number(n.min));
    expect(n.histogram[4]!.to).toBe(Number(n.max));
    const d = await kit.ok<{ histogram: { from: string; to: string; count: number }[]; family: string }>('postgres.profile.column', { schema: 'shop', table: 'customers', column: 'birth_date', buckets: 4 });
    expect(d.family).toBe('temporal');
    expect(d.histogram[0]!.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(d.histogram.reduce((a, b) => a + b.count, 0)).toBe(200);
  });

  it('returns sample rows and distinct samples, capped by the environment', async () => {
    const rows = await kit.ok<{ columns: { name: string }[]; rows: unknown[][]; dataValues: boolean }>('postgres.profile.sample', { schema: 'shop', table: 'orders', limit: 5 });
    expect(rows.columns.map((c) => c.name)).toEqual(['id', 'customer_id', 'ordered_at', 'status', 'total']);
    expect(rows.rows).toHaveLength(5);
    expect(rows.dataValues).toBe(true);
    const distinct = await kit.ok<{ rows: unknown[][] }>('postgres.profile.sample', { schema: 'shop', table: 'customers', columns: ['country'], distinct: true, limit: 10 });
    expect(distinct.rows.map((r) => r[0]).sort()).toEqual(['DE', 'FR', 'NL']);
    const capped = await kit.ok<{ rowCount: number; truncated: boolean }>('postgres.profile.sample', { schema: 'shop', table: 'orders', limit: 50 }, 'small');
    expect(capped).toMatchObject({ rowCount: 3, truncated: true });
    const view = await kit.ok<{ sample: { method: string }; rowCount: number }>('postgres.profile.sample', { schema: 'shop', table: 'big_orders', limit: 4 });
    expect(view).toMatchObject({ sample: { method: 'limit' }, rowCount: 4 });
  });

  it('names what is missing: a column, a table', async () => {
    expect(await kit.call('postgres.profile.column', { schema: 'shop', table: 'orders', column: 'state' })).toMatchObject({ ok: false, error: { code: 'PG_COLUMN_NOT_FOUND', message: expect.stringContaining('its columns: id, customer_id, ordered_at, status, total') } });
    expect(await kit.call('postgres.profile.sample', { schema: 'shop', table: 'orders', columns: ['nope'] })).toMatchObject({ ok: false, error: { code: 'PG_COLUMN_NOT_FOUND' } });
    expect(await kit.call('postgres.profile.table', { schema: 'shop', table: 'nope' })).toMatchObject({ ok: false, error: { code: 'PG_TABLE_NOT_FOUND' } });
  });
});
