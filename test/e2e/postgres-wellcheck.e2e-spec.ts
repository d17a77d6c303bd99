import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import request from 'supertest';
import { seedDemo } from '../../plugins/postgres/sandbox/demo.seed.js';
import { servePglite, type PgliteServer } from '../../plugins/postgres/sandbox/pglite.server.js';
import { fingerprint } from '../../plugins/postgres/test/pg.test-kit.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';

type Json = Record<string, any>;

/** What the demo shop hides, as run findings: severity, check, asset. */
const PLANTED = [
  'warning postgres.duplicate-index shop.order_items_order_id_idx1',
  'warning postgres.fk-without-index shop.orders.orders_customer_id_fkey',
  'warning postgres.no-primary-key shop.order_items',
  'warning postgres.pii-without-comment shop.customers.birth_date',
  'warning postgres.pii-without-comment shop.customers.email',
  'info postgres.nullable-fk shop.orders.orders_customer_id_fkey',
  'info postgres.wide-table shop.events',
];

describe('the PostgreSQL well-check, run over REST by the daemon', () => {
  let db: PGlite;
  let server: PgliteServer;
  let real: { url: string; drop: () => Promise<void> } | undefined;
  let d: TestDaemon;

  beforeAll(async () => {
    db = new PGlite();
    await seedDemo((sql) => db.exec(sql));
    server = await servePglite(db);
    const envs = [`  shop-db:\n    kind: postgres\n    url: ${server.url()}\n    policy: { requireFor: [write, destructive] }`];
    if (PG_ADMIN_URL) {
      real = await freshPgDatabase('steward_wellcheck');
      const c = new pg.Client({ connectionString: real.url });
      await c.connect();
      await seedDemo((sql) => c.query(sql));
      await c.end();
      envs.push(`  real-db:\n    kind: postgres\n    url: \${env:REAL_DB_URL}\n    options: { ssl: disable }`);
    }
    d = await startTestDaemon(configYaml(`environments:\n${envs.join('\n')}\n`), { env: real ? { REAL_DB_URL: real.url } : {} });
  }, 120_000);

  afterAll(async () => {
    await d?.close();
    await server?.close();
    await db?.close();
    await real?.drop();
  });

  const getJson = async (path: string): Promise<Json> => (await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200)).body;

  async function run(target: string): Promise<{ id: string; run: Json; events: Json[] }> {
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'postgres-wellcheck', inputs: {}, environments: { target } });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { state: 'queued' } });
    const id = res.body.id as string;
    const events = readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished', timeoutMs: 60_000 }).then((r) => r.messages as Json[]);
    const done = await waitForRun(d, id, ['succeeded', 'failed', 'cancelled', 'awaiting_approval'], 60_000);
    return { id, run: done, events: await events };
  }

  it('records every planted problem as a finding with its severity; read-only, no approval; the same fingerprints on a second run', async () => {
    const before = await fingerprint((sql) => db.query(sql) as Promise<{ rows: Record<string, unknown>[] }>);
    const { id, run: r, events } = await run('shop-db');
    expect(r.state).toBe('succeeded');
    expect(r.steps.map((s: Json) => [s.key, s.state])).toEqual([
      ['governance', 'succeeded'],
      ['findings', 'succeeded'],
    ]);
    expect(events.map((e) => e.event)).not.toContain('approval.requested');
    expect(events.at(-1)).toMatchObject({ event: 'run.finished' });
    expect(r.outputs).toMatchObject({ tablesChecked: 5, warnings: 5 });

    const report = await getJson(`/runs/${id}/report`);
    const found = (report.findings as Json[]).map((f) => `${f.severity} ${f.check} ${f.asset}`);
    expect(found).toEqual(expect.arrayContaining(PLANTED));
    expect(found.filter((f) => !PLANTED.includes(f) && !f.startsWith('info postgres.unused-index '))).toEqual([]);
    for (const f of report.findings as Json[]) expect(f).toMatchObject({ environment: 'shop-db', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const md = (await request(d.url).get(`/runs/${id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200)).text;
    expect(md).toContain(`# Run ${id}: postgres-wellcheck — succeeded`);
    expect(md).toContain('postgres.fk-without-index — shop.orders.orders_customer_id_fkey: foreign key orders_customer_id_fkey on shop.orders(customer_id) → shop.customers(id) has no index');

    const again = await run('shop-db');
    expect(again.run.state).toBe('succeeded');
    const diff = await getJson(`/runs/${again.id}/findings-diff`);
    expect(diff).toMatchObject({ baselineRunId: id, complete: true, new: [], resolved: [] });
    expect(await fingerprint((sql) => db.query(sql) as Promise<{ rows: Record<string, unknown>[] }>)).toBe(before);
  }, 120_000);

  it('a fixed problem is resolved on the next run', async () => {
    const first = await run('shop-db');
    await db.exec('CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id)');
    const second = await run('shop-db');
    expect(second.run.state).toBe('succeeded');
    const diff = await getJson(`/runs/${second.id}/findings-diff`);
    expect(diff.baselineRunId).toBe(first.id);
    expect(diff.resolved.map((f: Json) => `${f.check} ${f.asset}`)).toEqual(['postgres.fk-without-index shop.orders.orders_customer_id_fkey']);
    await db.exec('DROP INDEX shop.orders_customer_id_idx');
  }, 120_000);

  (PG_ADMIN_URL ? it : it.skip)('finds the same problems on a real PostgreSQL server', async () => {
    const { id, run: r } = await run('real-db');
    expect(r.state).toBe('succeeded');
    const report = await getJson(`/runs/${id}/report`);
    expect((report.findings as Json[]).map((f) => `${f.severity} ${f.check} ${f.asset}`)).toEqual(expect.arrayContaining(PLANTED));
  }, 120_000);
});
