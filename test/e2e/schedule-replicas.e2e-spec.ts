import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FindingsService } from '../../src/findings/findings.service.js';
import { installClock } from '../../src/schedule/clock.js';
import { ManualClock } from '../../src/schedule/manual-clock.js';
import { ScheduleService } from '../../src/schedule/schedule.service.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';

/**
 * Two daemons sharing one PostgreSQL database (replicas), both driven by one injected clock: every fire starts one
 * run, not two. Runs when STEWARD_TEST_PG_URL names a server (like the store suite; .ci/run sets it).
 */
const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-scheduled');

(PG_ADMIN_URL ? describe : describe.skip)('schedules on PostgreSQL with two replicas', () => {
  let database: Awaited<ReturnType<typeof freshPgDatabase>>;
  const replicas: TestDaemon[] = [];
  const clock = new ManualClock('2026-05-04T09:30:00Z');

  beforeAll(async () => {
    database = await freshPgDatabase('steward_sched');
    installClock(clock);
    const yaml = configYaml(
      `store:\n  url: "${database.url}"\nenvironments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n` +
        `schedules:\n  entries:\n    a: { playbook: plain-echo, cron: "0 * * * *", environments: { target: lab } }\n    b: { playbook: plain-echo, cron: "0 * * * *", environments: { target: lab }, catchUp: all }\n`,
    );
    for (let i = 0; i < 2; i++) replicas.push(await startTestDaemon(yaml));
  });

  afterAll(async () => {
    for (const d of replicas) await d.close();
    installClock(undefined);
    await database?.drop();
  });

  const settle = async () => {
    for (const d of replicas) await d.app.get(ScheduleService).settled();
  };

  it('each fire runs once across replicas; the findings comparison happens once', async () => {
    const runs = async (id: string) => (await request(replicas[0]!.url).get(`/runs?scheduleId=${id}`).set('Authorization', bearer('viewer'))).body.runs as any[];
    for (const hour of ['10', '11', '12']) {
      clock.set(`2026-05-04T${hour}:00:01Z`); // both replicas' timers fire at once and race for the claim
      await settle();
      // Let the runs end before the next hour (overlap: skip would skip a fire while the previous run is unfinished).
      for (let i = 0; i < 200 && [...(await runs('config:a')), ...(await runs('config:b'))].some((r) => r.state !== 'succeeded'); i++) await new Promise((r) => setTimeout(r, 25));
    }
    expect((await runs('config:a')).length).toBe(3);
    expect((await runs('config:b')).length).toBe(3);
    for (const d of replicas) await d.app.get(FindingsService).settled();
    const processed = await replicas[0]!.store.query<{ n: string }>(`SELECT count(*) AS n FROM finding_runs WHERE run_id IN (SELECT id FROM runs WHERE schedule_id = 'config:a')`);
    expect(Number(processed.rows[0]!.n)).toBe(3);
    const fires = await replicas[1]!.store.query<{ n: string }>(`SELECT count(*) AS n FROM schedule_fires WHERE status = 'started'`);
    expect(Number(fires.rows[0]!.n)).toBe(6);
  });
});
