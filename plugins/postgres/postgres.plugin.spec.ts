import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { EnvironmentConfig } from '../../src/config/config.types.js';
import { createTestHost, type TestHost } from '../../src/plugins/test-host.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../../test/helpers/pg.js';
import { seedDemo } from './sandbox/demo.seed.js';
import { fingerprint, SIDE_EFFECTS_SQL, startPgKit, type PgKit } from './test/pg.test-kit.js';

/** Every tool of the discovery modules: effect and idempotence are part of the contract. */
const TOOLS: Record<string, [effect: string, idempotent: boolean]> = {
  'postgres.governance.check': ['read', true],
  'postgres.profile.column': ['read', true],
  'postgres.profile.sample': ['read', true],
  'postgres.profile.table': ['read', true],
  'postgres.query.explain': ['read', true],
  'postgres.query.explain-analyze': ['write', true],
  'postgres.query.sql': ['read', true],
  'postgres.relations.declared': ['read', true],
  'postgres.relations.inferred': ['read', true],
  'postgres.schema.constraints': ['read', true],
  'postgres.schema.indexes': ['read', true],
  'postgres.schema.schemas': ['read', true],
  'postgres.schema.table': ['read', true],
  'postgres.schema.tables': ['read', true],
};
const DISCOVERY = ['schema', 'profile', 'query', 'relations', 'governance'];

/** Runs every example of every discovery tool on `env`; returns the failures (none expected). */
async function runExamples(host: TestHost, env: string): Promise<string[]> {
  const failures: string[] = [];
  for (const tool of host.catalogue.tools().filter((t) => t.plugin === 'postgres' && DISCOVERY.includes(t.module))) {
    for (const ex of tool.examples) {
      const r = await host.invoker.invoke(tool.id, ex.input, { environments: { target: env } });
      if (!r.ok) failures.push(`${tool.id} "${ex.title}": ${r.error.code} ${r.error.message}`);
    }
  }
  return failures;
}

describe('the postgres plugin (PGlite over the wire)', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit({ seed: (db) => db.exec(SIDE_EFFECTS_SQL).then(() => undefined) });
  }, 60_000);
  afterAll(() => kit?.close());

  it('registers the discovery tools with their effects, closed output schemas and the postgres kind', () => {
    const tools = kit.host.catalogue.tools().filter((t) => t.plugin === 'postgres' && DISCOVERY.includes(t.module));
    expect(Object.fromEntries(tools.map((t) => [t.id, [t.effect, t.idempotent]]))).toEqual(TOOLS);
    for (const t of tools) {
      expect([t.id, t.kinds]).toEqual([t.id, ['postgres']]);
      expect([t.id, (t.outputSchema as { additionalProperties?: unknown }).additionalProperties]).toEqual([t.id, false]);
    }
    expect(tools.filter((t) => t.supportsPlan).map((t) => t.id)).toEqual(['postgres.query.explain-analyze']);
  });

  it('every example runs on the demo shop, and the database is unchanged', async () => {
    const print = () => fingerprint((sql) => kit.db.query(sql) as Promise<{ rows: Record<string, unknown>[] }>);
    const before = await print();
    expect(await runExamples(kit.host, 'db')).toEqual([]);
    expect(await print()).toBe(before);
  });

  it('lists 1,200 tables in pages of 500 with a total', async () => {
    await kit.db.exec(`CREATE SCHEMA many; ${Array.from({ length: 1200 }, (_, i) => `CREATE TABLE many.t${String(i).padStart(4, '0')} (id int);`).join(' ')}`);
    const names: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await kit.ok<{ tables: { name: string }[]; total: number; nextCursor: string | null }>('postgres.schema.tables', { schema: 'many', limit: 500, ...(cursor && { cursor }) });
      expect(page.total).toBe(1200);
      names.push(...page.tables.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toHaveLength(1200);
    expect(new Set(names).size).toBe(1200);
    expect(names[0]).toBe('t0000');
    expect(names[1199]).toBe('t1199');
    expect(await kit.call('postgres.schema.tables', { cursor: 'not-a-cursor' })).toMatchObject({ ok: false, error: { code: 'PG_CURSOR_INVALID' } });
  }, 120_000);
});

const onPg = PG_ADMIN_URL ? describe : describe.skip;

onPg('the postgres plugin on a real PostgreSQL server (STEWARD_TEST_PG_URL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  let host: TestHost;
  const READER_PW = 'reader-Pw-90210';
  const call = (tool: string, input: Record<string, unknown>, env: string, signal?: AbortSignal) => host.invoker.invoke(tool, input, { environments: { target: env }, ...(signal && { signal }) });
  const print = () => fingerprint((sql) => admin.query(sql));

  beforeAll(async () => {
    db = await freshPgDatabase('steward_pgplugin');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await seedDemo((sql) => admin.query(sql));
    await admin.query(SIDE_EFFECTS_SQL);
    const role = `reader_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${READER_PW}'`);
    await admin.query(`GRANT USAGE ON SCHEMA shop TO ${role}; GRANT SELECT ON shop.customers TO ${role}; ALTER ROLE ${role} SET default_transaction_read_only = on`);
    const u = new URL(db.url);
    const as = (user: string, password: string) => {
      const x = new URL(u);
      x.username = user;
      x.password = '';
      return { url: x.toString(), password };
    };
    host = await createTestHost({
      environments: {
        pg: { kind: 'postgres', url: db.url, options: { ssl: 'disable' } },
        slow: { kind: 'postgres', url: db.url, options: { ssl: 'disable', statementTimeoutMs: 300 } },
        reader: { kind: 'postgres', ...as(role, READER_PW), options: { ssl: 'disable' } },
        wrong: { kind: 'postgres', ...as(role, 'not-the-password-123'), options: { ssl: 'disable' } },
        tls: { kind: 'postgres', url: db.url, options: { ssl: 'require' } },
      } as Record<string, EnvironmentConfig>,
    });
    // Dropping the database at the end must not wait on the role: it is dropped with the database's objects.
    afterAllRole = async () => {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
    };
  }, 120_000);
  let afterAllRole: () => Promise<void> = async () => undefined;
  afterAll(async () => {
    await host?.catalogue.dispose();
    await afterAllRole();
    await admin?.end();
    await db?.drop();
  });

  it('every example runs, and the database is unchanged', async () => {
    const before = await print();
    expect(await runExamples(host, 'pg')).toEqual([]);
    expect(await print()).toBe(before);
  });

  it('finds the same governance problems as on PGlite', async () => {
    const r = await call('postgres.governance.check', { schema: 'shop', checks: ['no-primary-key', 'fk-without-index', 'duplicate-index', 'nullable-fk', 'wide-table', 'pii-without-comment'] }, 'pg');
    expect(r.ok && (r as { output: { findings: { check: string; asset: string }[] } }).output.findings.map((f) => `${f.check} ${f.asset}`)).toEqual([
      'postgres.duplicate-index shop.order_items_order_id_idx1',
      'postgres.fk-without-index shop.orders.orders_customer_id_fkey',
      'postgres.no-primary-key shop.order_items',
      'postgres.pii-without-comment shop.customers.birth_date',
      'postgres.pii-without-comment shop.customers.email',
      'postgres.nullable-fk shop.orders.orders_customer_id_fkey',
      'postgres.wide-table shop.events',
    ]);
  });

  it('a slow query ends at the statement timeout (PG_TIMEOUT), and the environment keeps working', async () => {
    const started = Date.now();
    const r = await call('postgres.query.sql', { sql: 'SELECT pg_sleep(5)' }, 'slow');
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_TIMEOUT', message: expect.stringContaining('statement timeout of 300 ms') } });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await call('postgres.query.sql', { sql: 'SELECT 1 AS one' }, 'slow')).toMatchObject({ ok: true, output: { rows: [[1]] } });
  });

  it('a function with side effects fails with PG_READ_ONLY and changes nothing', async () => {
    const before = await print();
    expect(await call('postgres.query.sql', { sql: 'SELECT shop.touch()' }, 'pg')).toMatchObject({ ok: false, error: { code: 'PG_READ_ONLY' } });
    expect(await call('postgres.query.sql', { sql: 'WITH d AS (DELETE FROM shop.orders RETURNING 1) SELECT count(*) FROM d' }, 'pg')).toMatchObject({ ok: false, error: { code: 'PG_SQL_REFUSED' } });
    expect(await print()).toBe(before);
  });

  it('a missing privilege is PG_PERMISSION naming the user; a read-only server serves the read tools', async () => {
    expect(await call('postgres.query.sql', { sql: 'SELECT count(*) FROM shop.customers' }, 'reader')).toMatchObject({ ok: true, output: { rows: [['200']] } });
    expect(await call('postgres.profile.column', { schema: 'shop', table: 'customers', column: 'country' }, 'reader')).toMatchObject({ ok: true, output: { topShare: 0.8 } });
    const denied = await call('postgres.query.sql', { sql: 'SELECT * FROM shop.orders' }, 'reader');
    expect(denied).toMatchObject({ ok: false, error: { code: 'PG_PERMISSION', message: expect.stringMatching(/^the user "reader_\w+" lacks a privilege on .*: permission denied for table orders$/) } });
  });

  it('a wrong password is PG_AUTH, and the password is in no message', async () => {
    const r = await call('postgres.schema.schemas', {}, 'wrong');
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_AUTH', message: expect.stringContaining('refused the login of user "reader_') } });
    expect(JSON.stringify(r)).not.toContain('not-the-password-123');
    expect(JSON.stringify(host.logs)).not.toContain(READER_PW);
  });

  it('ssl: require against a server without TLS is PG_TLS', async () => {
    const r = await call('postgres.schema.schemas', {}, 'tls');
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_TLS', message: expect.stringContaining('options.ssl is require') } });
  });

  it('cancelling a call ends its statement on the server', async () => {
    const ac = new AbortController();
    const pending = call('postgres.query.sql', { sql: 'SELECT pg_sleep(30)' }, 'pg', ac.signal);
    // The sleeping statement is the cursor's FETCH; its backend waits on PgSleep.
    const running = async () => Number((await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'steward' AND wait_event = 'PgSleep'")).rows[0].n);
    for (let i = 0; i < 200 && (await running()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await running()).toBe(1);
    ac.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    for (let i = 0; i < 200 && (await running()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await running()).toBe(0);
  });
});
