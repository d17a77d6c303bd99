// The postgres plugin's discovery on big inputs: profiling a table of 1,000,000 rows (postgres.profile.table on a
// 10,000-row TABLESAMPLE, and postgres.profile.column on a number and a text column), and listing 5,000 tables
// (postgres.schema.tables, pages of 1,000 and the first page alone). Against PGlite served over the wire protocol
// (in this process: CPU includes the database's work), or a fresh database on the PostgreSQL server of
// STEWARD_TEST_PG_URL when it is set (CPU is then Steward's side only). Wall and CPU (user + system) per figure.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createTestHost } from '../dist/src/plugins/test-host.js';
import { servePglite } from '../dist/plugins/postgres/sandbox/pglite.server.js';

const ROWS = 1_000_000;
const TABLES = 5_000;
const adminUrl = process.env.STEWARD_TEST_PG_URL;

async function database() {
  if (!adminUrl) {
    const db = new PGlite();
    const server = await servePglite(db);
    return { label: 'PGlite over the wire (in this process)', url: server.url(), exec: (sql) => db.exec(sql), close: async () => (await server.close(), await db.close()) };
  }
  const name = `steward_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  return {
    label: `PostgreSQL at ${u.host} (server CPU not counted)`,
    url: u.toString(),
    exec: (sql) => c.query(sql),
    close: async () => {
      await c.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Wall and CPU milliseconds of fn (best of `times`). */
async function measure(fn, times = 3) {
  let best;
  for (let i = 0; i < times; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const r = { wall, cpu: (cpu.user + cpu.system) / 1000 };
    if (!best || r.wall < best.wall) best = r;
  }
  return best;
}
const fmt = (r) => `${r.wall.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU`;

const db = await database();
console.log(`database: ${db.label}`);
try {
  let t0 = performance.now();
  await db.exec(`CREATE TABLE public.big (id bigint PRIMARY KEY, amount numeric(12, 2), code text, created date);
    INSERT INTO public.big SELECT g, (g::bigint * 7919 % 100000) / 100.0, 'C-' || (g % 5000), DATE '2020-01-01' + (g % 1500) FROM generate_series(1, ${ROWS}) g;
    ANALYZE public.big;`);
  console.log(`setup: ${ROWS.toLocaleString('en')} rows in ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  for (let i = 0; i < TABLES; i += 500) {
    await db.exec(Array.from({ length: 500 }, (_, k) => `CREATE TABLE public.t${String(i + k).padStart(5, '0')} (id int PRIMARY KEY, name text);`).join('\n'));
  }
  await db.exec('ANALYZE');
  console.log(`setup: ${TABLES.toLocaleString('en')} more tables in ${(performance.now() - t0).toFixed(0)} ms`);

  const host = await createTestHost({ environments: { bench: { kind: 'postgres', url: db.url, options: { ssl: 'disable', statementTimeoutMs: 120000 } } } });
  const call = async (tool, input) => {
    const r = await host.invoker.invoke(tool, input, { environments: { target: 'bench' } });
    if (!r.ok) throw new Error(`${tool}: ${r.error.code} ${r.error.message}`);
    return r.output;
  };
  let out;
  const table = await measure(async () => (out = await call('postgres.profile.table', { schema: 'public', table: 'big', sampleRows: 10000, exactCountLimit: ROWS })));
  console.log(`postgres.profile.table, ${ROWS.toLocaleString('en')} rows (exact count, ${out.sample.method} sample of ${out.sample.rows} rows): ${fmt(table)}`);
  const estimate = await measure(() => call('postgres.profile.table', { schema: 'public', table: 'big', sampleRows: 10000, exactCountLimit: 0 }));
  console.log(`postgres.profile.table, estimate only (no count): ${fmt(estimate)}`);
  const num = await measure(() => call('postgres.profile.column', { schema: 'public', table: 'big', column: 'amount', sampleRows: 10000 }));
  console.log(`postgres.profile.column, numeric with histogram: ${fmt(num)}`);
  const text = await measure(() => call('postgres.profile.column', { schema: 'public', table: 'big', column: 'code', sampleRows: 10000 }));
  console.log(`postgres.profile.column, text with patterns and classes: ${fmt(text)}`);

  let pages = 0;
  let listed = 0;
  const all = await measure(async () => {
    pages = 0;
    listed = 0;
    let cursor;
    do {
      const page = await call('postgres.schema.tables', { schema: 'public', limit: 1000, ...(cursor && { cursor }) });
      pages++;
      listed += page.tables.length;
      cursor = page.nextCursor;
    } while (cursor);
  });
  console.log(`postgres.schema.tables, all ${listed.toLocaleString('en')} tables in ${pages} pages of 1,000: ${fmt(all)}`);
  const first = await measure(() => call('postgres.schema.tables', { schema: 'public', limit: 100 }));
  console.log(`postgres.schema.tables, first page of 100 (with the total): ${fmt(first)}`);
  await host.catalogue.dispose();
} finally {
  await db.close();
}
