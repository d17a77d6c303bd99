import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fingerprint, SIDE_EFFECTS_SQL, startPgKit, type PgKit } from '../../test/pg.test-kit.js';

describe('postgres.query (PGlite over the wire)', () => {
  let kit: PgKit;
  let before: string;
  const print = () => fingerprint((sql) => kit.db.query(sql) as Promise<{ rows: Record<string, unknown>[] }>);
  beforeAll(async () => {
    kit = await startPgKit({
      seed: (db) => db.exec(SIDE_EFFECTS_SQL).then(() => undefined),
      environments: (url) => ({ tiny: { kind: 'postgres', url, options: { maxRows: 5, maxBytes: 2048 } } }),
    });
    before = await print();
  }, 60_000);
  afterAll(() => kit?.close());

  it('runs one query: columns with types, rows as arrays, marked as data', async () => {
    const out = await kit.ok<Record<string, unknown>>('postgres.query.sql', { sql: 'SELECT status, count(*) AS n FROM shop.orders GROUP BY status ORDER BY 2 DESC;' });
    expect(out).toMatchObject({
      columns: [
        { name: 'status', type: 'text' },
        { name: 'n', type: 'bigint' },
      ],
      rows: [
        ['shipped', '1800'],
        ['cancelled', '100'],
        ['pending', '100'],
      ],
      rowCount: 3,
      truncated: false,
      truncatedBy: null,
      dataValues: true,
    });
  });

  it('binds parameters and keeps dates, timestamps and numerics as the server writes them', async () => {
    const out = await kit.ok<{ rows: unknown[][] }>('postgres.query.sql', { sql: 'SELECT id, birth_date, created_at, $2::numeric(5,2) AS n, $3::bytea AS b, $4::int AS z FROM shop.customers WHERE id = $1', params: ['3', '1.5', 'ab', null] });
    expect(out.rows).toEqual([[3, '1950-10-19', '2024-01-01 03:00:00+00', '1.50', '\\x6162', null]]);
  });

  it('caps rows and bytes and says which cap cut the answer', async () => {
    const rows = await kit.ok<{ rowCount: number; truncated: boolean; truncatedBy: string }>('postgres.query.sql', { sql: 'SELECT g FROM generate_series(1, 100000) g', maxRows: 10 });
    expect(rows).toMatchObject({ rowCount: 10, truncated: true, truncatedBy: 'rows' });
    const env = await kit.ok<{ rowCount: number; truncatedBy: string }>('postgres.query.sql', { sql: 'SELECT g FROM generate_series(1, 100) g', maxRows: 50 }, 'tiny');
    expect(env).toMatchObject({ rowCount: 5, truncatedBy: 'rows' });
    const bytes = await kit.ok<{ rowCount: number; truncatedBy: string; bytes: number }>('postgres.query.sql', { sql: "SELECT repeat('x', 1000) FROM generate_series(1, 10)" }, 'tiny');
    expect(bytes).toMatchObject({ rowCount: 2, truncated: true, truncatedBy: 'bytes' });
    expect(bytes.bytes).toBeLessThanOrEqual(2048);
  });

  it('explains without running, and explain-analyze is write-class with a dry run', async () => {
    const plan = await kit.ok<{ totalCost: number; nodes: { nodeType: string; relation: string | null; actualRows: number | null }[] }>('postgres.query.explain', { sql: 'SELECT * FROM shop.orders WHERE customer_id = $1', params: ['7'] });
    expect(plan.totalCost).toBeGreaterThan(0);
    expect(plan.nodes[0]).toMatchObject({ nodeType: 'Seq Scan', relation: 'orders', actualRows: null });
    const tool = kit.host.catalogue.require('postgres.query.explain-analyze');
    expect([tool.effect, tool.supportsPlan]).toEqual(['write', true]);
    const dry = await kit.host.invoker.invoke('postgres.query.explain-analyze', { sql: 'SELECT count(*) FROM shop.orders' }, { environments: { target: 'db' }, mode: 'plan' });
    expect(dry).toMatchObject({ ok: true, plan: { wouldChange: false, wouldFail: false, changes: [{ action: 'skip', kind: 'query', detail: 'SELECT count(*) FROM shop.orders' }] } });
    expect(dry.ok && dry.mode === 'plan' && dry.plan?.summary).toMatch(/^EXPLAIN ANALYZE would execute one read-only query on 127\.0\.0\.1:\d+\/postgres \(estimated cost/);
    const measured = await kit.ok<{ executionMs: number; nodes: { actualRows: number | null }[] }>('postgres.query.explain-analyze', { sql: 'SELECT count(*) FROM shop.orders' });
    expect(measured.executionMs).toBeGreaterThanOrEqual(0);
    expect(measured.nodes[0]!.actualRows).toBe(1);
    const refusedDry = await kit.host.invoker.invoke('postgres.query.explain-analyze', { sql: 'DELETE FROM shop.orders' }, { environments: { target: 'db' }, mode: 'plan' });
    expect(refusedDry).toMatchObject({ ok: false, error: { code: 'PG_SQL_REFUSED' } });
  });

  describe('bad input: each refused with a clear error, the database unchanged', () => {
    it.each([
      ['a data-modifying WITH', 'WITH d AS (DELETE FROM shop.orders RETURNING *) SELECT count(*) FROM d', 'PG_SQL_REFUSED', 'DELETE changes data (a data-modifying WITH)'],
      ['SELECT … FOR UPDATE', 'SELECT * FROM shop.orders FOR UPDATE', 'PG_SQL_REFUSED', 'FOR UPDATE takes row locks'],
      ['";"-chained statements', 'SELECT 1; DROP TABLE shop.orders', 'PG_SQL_REFUSED', 'only one statement can be run'],
      ['COPY', 'COPY shop.orders TO STDOUT', 'PG_SQL_REFUSED', 'starts with COPY'],
      ['SET', 'SET default_transaction_read_only = off', 'PG_SQL_REFUSED', 'starts with SET'],
      ['DO', 'DO $$ BEGIN DELETE FROM shop.orders; END $$', 'PG_SQL_REFUSED', 'starts with DO'],
      ['CALL', 'CALL shop.cleanup()', 'PG_SQL_REFUSED', 'starts with CALL'],
      ['LOCK', 'LOCK TABLE shop.orders IN ACCESS EXCLUSIVE MODE', 'PG_SQL_REFUSED', 'starts with LOCK'],
      ['SELECT INTO', 'SELECT * INTO shop.orders_copy FROM shop.orders', 'PG_SQL_REFUSED', 'SELECT … INTO creates a table'],
      ['a sequence advanced', "SELECT nextval('shop.orders_id_seq')", 'PG_SQL_REFUSED', 'nextval() changes a sequence'],
      ['an advisory lock', 'SELECT pg_advisory_lock(42)', 'PG_SQL_REFUSED', 'advisory locks'],
      ['a function with side effects', 'SELECT shop.touch()', 'PG_READ_ONLY', 'a read tool cannot change the database: cannot execute INSERT in a read-only transaction'],
      ['a side effect inside a subquery', 'SELECT * FROM shop.customers WHERE id = (SELECT shop.touch())', 'PG_READ_ONLY', 'READ ONLY transaction'],
      ['an unknown table', 'SELECT * FROM shop.nope', 'PG_QUERY_FAILED', 'relation "shop.nope" does not exist'],
    ])('%s', async (_what, sql, code, message) => {
      // EXPLAIN plans without executing: a function's side effect is stopped only where it would run (query.sql).
      for (const tool of code === 'PG_READ_ONLY' ? ['postgres.query.sql'] : ['postgres.query.sql', 'postgres.query.explain']) {
        const r = await kit.call(tool, { sql });
        expect(r).toMatchObject({ ok: false, error: { code } });
        if (tool === 'postgres.query.sql' || code === 'PG_SQL_REFUSED') expect(!r.ok && r.error.message).toContain(message);
      }
      expect(await print()).toBe(before);
    });

    it('input the schema refuses: no SQL, unknown fields, a cap above the limit', async () => {
      expect(await kit.call('postgres.query.sql', {})).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('sql') } });
      expect(await kit.call('postgres.query.sql', { sql: 'SELECT 1', rows: 5 })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
      expect(await kit.call('postgres.query.sql', { sql: 'SELECT 1', maxRows: 1_000_000 })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('maxRows') } });
      // params are text (one type, for single-type hosts): a number is refused naming the item, "42" is how to write it
      expect(await kit.call('postgres.query.sql', { sql: 'SELECT $1::int', params: [42] })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('params[0]: must be a string') } });
      expect(await print()).toBe(before);
    });
  });
});
