import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPgKit, type PgKit } from '../../test/pg.test-kit.js';
import { piiHint } from './findings.js';

type Out = { findings: { check: string; asset: string; severity: string; message: string; detail: Record<string, unknown> }[]; checked: Record<string, number>; statsSince: string | null };

describe('postgres.governance.check (PGlite over the wire)', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit();
  }, 60_000);
  afterAll(() => kit?.close());

  it('finds what the demo shop hides, most severe first, in the well-check shape', async () => {
    const out = await kit.ok<Out>('postgres.governance.check', { schema: 'shop' });
    const got = out.findings.map((f) => [f.check, f.asset, f.severity]);
    expect(got).toEqual([
      ['postgres.duplicate-index', 'shop.order_items_order_id_idx1', 'warning'],
      ['postgres.fk-without-index', 'shop.orders.orders_customer_id_fkey', 'warning'],
      ['postgres.no-primary-key', 'shop.order_items', 'warning'],
      ['postgres.pii-without-comment', 'shop.customers.birth_date', 'warning'],
      ['postgres.pii-without-comment', 'shop.customers.email', 'warning'],
      ['postgres.nullable-fk', 'shop.orders.orders_customer_id_fkey', 'info'],
      ['postgres.unused-index', 'shop.order_items_order_id_idx', 'info'],
      ['postgres.unused-index', 'shop.order_items_order_id_idx1', 'info'],
      ['postgres.wide-table', 'shop.events', 'info'],
    ]);
    expect(out.findings[1]!.message).toBe(
      'foreign key orders_customer_id_fkey on shop.orders(customer_id) → shop.customers(id) has no index starting with its columns: joins scan, and deletes on the referenced table check every row',
    );
    expect(out.findings[1]!.detail).toMatchObject({ suggestion: 'CREATE INDEX ON shop.orders (customer_id)' });
    expect(out.checked).toEqual({ schemas: 1, tables: 5, columns: 7 + 5 + 5 + 4 + 64, indexes: 7, foreignKeys: 1 });
  });

  it('runs only the checks asked for, with the wide-table limit given', async () => {
    const out = await kit.ok<Out>('postgres.governance.check', { checks: ['wide-table'], maxColumns: 6 });
    expect(out.findings.map((f) => f.asset)).toEqual(['shop.customers', 'shop.events']);
  });

  it('an index that gets scanned is not unused; a commented PII column is not flagged', async () => {
    await kit.db.exec(`COMMENT ON COLUMN shop.customers.email IS 'Login and contact address; masked in exports'`);
    // Statistics reach pg_stat_* when the backend flushes them: scan, ask for a flush, until the count shows it.
    const scans = async () => Number((await kit.db.query<{ n: number }>("SELECT coalesce(sum(idx_scan), 0)::int AS n FROM pg_stat_all_indexes WHERE relname = 'order_items'")).rows[0]!.n);
    for (let i = 0; i < 100 && (await scans()) === 0; i++) {
      await kit.db.query('SELECT pg_stat_force_next_flush()');
      await kit.db.exec('SET enable_seqscan = off; SELECT * FROM shop.order_items WHERE order_id = 5; RESET enable_seqscan;');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await scans()).toBeGreaterThan(0);
    const out = await kit.ok<Out>('postgres.governance.check', { schema: 'shop', checks: ['unused-index', 'pii-without-comment'] });
    expect(out.findings.map((f) => f.asset)).toEqual(['shop.customers.birth_date', expect.stringMatching(/^shop\.order_items_order_id_idx1?$/)]);
  });

  it('reads personal data from column names', () => {
    expect(['email', 'customerEmail', 'birth_date', 'dob', 'first_name', 'ssn', 'home_address', 'phone_number', 'iban'].map(piiHint)).toEqual(['email', 'email', 'birth', 'dob', 'first name', 'ssn', 'address', 'phone', 'iban']);
    expect(['id', 'name', 'status', 'emailed_at', 'zipper', 'total'].map(piiHint)).toEqual([null, null, null, null, null, null]);
  });
});
