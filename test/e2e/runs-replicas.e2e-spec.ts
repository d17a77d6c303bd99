import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { waitForRun } from '../helpers/runs.js';

/**
 * Daemons sharing one PostgreSQL database execute each run once: a run is leased by the daemon executing it, a
 * starting daemon does not recover runs another one holds, and a run whose daemon stopped renewing is taken over.
 * Runs when STEWARD_TEST_PG_URL names a server (.ci/run sets it).
 */
const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-replicas');

(PG_ADMIN_URL ? describe : describe.skip)('runs on PostgreSQL shared by several daemons', () => {
  let database: Awaited<ReturnType<typeof freshPgDatabase>>;
  let yaml = '';
  const daemons: TestDaemon[] = [];
  let sql: pg.Client;

  beforeAll(async () => {
    database = await freshPgDatabase('steward_lease');
    yaml = configYaml(`store:\n  url: "${database.url}"\nenvironments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\nruns:\n  leaseMs: 1500\n`);
    sql = new pg.Client({ connectionString: database.url });
  });

  afterAll(async () => {
    for (const d of daemons) await d.close().catch(() => undefined);
    await sql.end().catch(() => undefined);
    await database?.drop();
  });

  const start = async (d: TestDaemon) =>
    (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'slow-read', environments: { target: 'lab' } }).expect(202)).body.id as string;
  const startedCount = async (runId: string) =>
    Number((await sql.query(`SELECT count(*) AS n FROM run_events WHERE run_id = $1 AND type = 'step.started'`, [runId])).rows[0].n);

  it('a daemon that starts while another executes a run leaves the run alone', async () => {
    const a = await startTestDaemon(yaml);
    daemons.push(a);
    await sql.connect();
    const id = await start(a);
    for (let i = 0; i < 200 && (await startedCount(id)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const lease = (await sql.query('SELECT owner, lease_until > now() AS live FROM runs WHERE id = $1', [id])).rows[0];
    expect(lease).toMatchObject({ owner: expect.stringMatching(/^dmn_/), live: true });
    const b = await startTestDaemon(yaml); // recovers unfinished runs at start
    daemons.push(b);
    const done = await waitForRun(a, id, ['succeeded', 'failed'], 20000);
    expect(done.state).toBe('succeeded');
    expect(await startedCount(id)).toBe(1);
    expect((await sql.query('SELECT owner FROM runs WHERE id = $1', [id])).rows[0].owner).toBeNull();
  });

  it('a run held by a live lease elsewhere waits; once the lease lapses another daemon takes it over', async () => {
    const [a, b] = daemons;
    await a.close(); // one daemon left: b
    daemons.splice(0, 1);
    // A queued run that a (pretend) other daemon holds with a live lease, as if it were about to execute it.
    const id = await (async () => {
      const res = await request(b.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'slow-read', environments: { target: 'lab' }, dryRun: false });
      return res.body.id as string;
    })();
    await waitForRun(b, id, ['succeeded'], 20000); // b executes its own run
    const orphan = `run_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
    const src = (await sql.query('SELECT * FROM runs WHERE id = $1', [id])).rows[0];
    await sql.query(
      `INSERT INTO runs (id, kind, playbook, playbook_digest, definition, inputs, environments, dry_run, state, requested_by, owner, lease_until)
       VALUES ($1, 'playbook', $2, $3, $4, '{}', $5, false, 'running', 'operator', 'dmn_elsewhere', now() + interval '3 seconds')`,
      [orphan, src.playbook, src.playbook_digest, src.definition, src.environments],
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await sql.query('SELECT state, owner FROM runs WHERE id = $1', [orphan])).rows[0]).toMatchObject({ state: 'running', owner: 'dmn_elsewhere' });
    expect(await startedCount(orphan)).toBe(0);
    // The other daemon stops renewing: the lease lapses and b adopts the run.
    const done = await waitForRun(b, orphan, ['succeeded', 'failed'], 20000);
    expect(done.state).toBe('succeeded');
    expect(await startedCount(orphan)).toBe(1);
  });
});
