import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FindingsService } from '../../src/findings/findings.service.js';
import { installClock } from '../../src/schedule/clock.js';
import { ManualClock } from '../../src/schedule/manual-clock.js';
import { ScheduleService } from '../../src/schedule/schedule.service.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-scheduled');
const SCHEDULE = 'playbook:notes-governance';

const get = (d: TestDaemon, path: string) => request(d.url).get(path).set('Authorization', bearer('viewer'));

const runIn = (d: TestDaemon, id: string, states: string[]) =>
  until(`run ${id} in ${states.join('|')}`, async () => {
    const r = await get(d, `/runs/${id}`);
    return states.includes(r.body.state) ? r.body : undefined;
  });

describe('findings across scheduled governance runs', () => {
  let d: TestDaemon;
  let clock: ManualClock;
  let settle: () => Promise<void>;

  beforeAll(async () => {
    clock = new ManualClock('2026-06-01T03:00:00Z');
    installClock(clock);
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`));
    const schedules = d.app.get(ScheduleService);
    const findings = d.app.get(FindingsService);
    settle = async () => {
      await schedules.settled();
      await findings.settled();
    };
    await settle();
  });
  afterAll(async () => {
    await d.close();
    installClock(undefined);
  });

  /** Test setup: writes a note in `lab` (a write: it waits for a person, who approves it). */
  async function put(key: string, text: string) {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'note-put', environments: { target: 'lab' }, inputs: { key, text } }).expect(202);
    await runIn(d, body.id, ['awaiting_approval']);
    const { approvals } = (await get(d, `/approvals?runId=${body.id}`)).body;
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
    await runIn(d, body.id, ['succeeded']);
  }

  /** Moves the clock to the next 06:00 Berlin fire and returns the scheduled run once it has ended and been compared. */
  async function nextScheduledRun(at: string) {
    const before = (await get(d, `/runs?scheduleId=${SCHEDULE}`)).body.runs.length;
    await clock.runTo(at, settle);
    const run = await until('the scheduled run', async () => {
      const runs = (await get(d, `/runs?scheduleId=${SCHEDULE}`)).body.runs;
      return runs.length > before ? runs[0] : undefined;
    });
    const done = await runIn(d, run.id, ['succeeded', 'failed']);
    await settle();
    return done;
  }

  const byAsset = (list: any[]) => list.map((f) => `${f.severity} ${f.asset}`).sort();

  it('runs unattended, and its report and the findings API show new, still-open and resolved findings across runs', async () => {
    await put('alpha', 'TODO: write this');
    await put('beta', 'TODO too');
    await put('gamma', 'all good');

    // 06:00 Europe/Berlin = 04:00 UTC in summer. Read-only checks: no approval, nobody involved.
    const first = await nextScheduledRun('2026-06-01T04:00:01Z');
    expect(first).toMatchObject({ state: 'succeeded', requestedBy: 'scheduler', scheduleId: SCHEDULE, environments: { target: 'lab' } });
    expect((await get(d, `/approvals?runId=${first.id}`)).body.approvals).toEqual([]);
    const r1 = (await get(d, `/runs/${first.id}/report`)).body;
    expect(r1.findingsDiff).toMatchObject({ baselineRunId: null, complete: true, open: [], resolved: [] });
    expect(byAsset(r1.findingsDiff.new)).toEqual(['warning alpha', 'warning beta']);

    await put('beta', 'done');
    await put('gamma', 'the password is hunter2');
    await put('delta', 'TODO later');
    const second = await nextScheduledRun('2026-06-02T04:00:01Z');
    const diff = (await get(d, `/runs/${second.id}/findings-diff`)).body;
    expect(diff).toMatchObject({ runId: second.id, baselineRunId: first.id, complete: true, recorded: true, counts: { new: 2, open: 1, resolved: 1 } });
    expect(byAsset(diff.new)).toEqual(['critical gamma', 'warning delta']);
    expect(byAsset(diff.open)).toEqual(['warning alpha']);
    expect(byAsset(diff.resolved)).toEqual(['warning beta']);
    const report = (await get(d, `/runs/${second.id}/report`)).body;
    expect(report.findingsDiff).toMatchObject({ baselineRunId: first.id, new: diff.new.map((f: any) => expect.objectContaining({ fingerprint: f.fingerprint })) });
    const md = (await get(d, `/runs/${second.id}/report?format=md`)).text;
    expect(md).toContain(`## Since the previous run: 2 new, 1 still open, 1 resolved`);
    expect(md).toContain(`Compared with run ${first.id}.`);
    expect(md).toMatch(/### Resolved \(1\)\n\n- warning: notes-governance\/no-todo — beta: note beta still has a TODO/);

    // The findings API: filters by state, severity, check, environment.
    const list = async (q: string) => (await get(d, `/findings${q}`).expect(200)).body.findings;
    expect(byAsset(await list('?state=open'))).toEqual(['critical gamma', 'warning alpha', 'warning delta']);
    expect(byAsset(await list('?state=resolved'))).toEqual(['warning beta']);
    expect(byAsset(await list('?severity=critical'))).toEqual(['critical gamma']);
    expect(byAsset(await list('?minSeverity=error&state=open'))).toEqual(['critical gamma']);
    expect(byAsset(await list('?check=notes-governance/no-todo&environment=lab'))).toEqual(['warning alpha', 'warning beta', 'warning delta']);
    expect(await list('?environment=elsewhere')).toEqual([]);
    expect((await get(d, '/findings?state=closed')).status).toBe(400);
    const page = (await get(d, '/findings?limit=2')).body;
    expect(page.findings).toHaveLength(2);
    const rest = (await get(d, `/findings?limit=2&after=${page.next}`)).body;
    expect([...page.findings, ...rest.findings].map((f: any) => f.fingerprint).sort()).toEqual((await list('')).map((f: any) => f.fingerprint).sort());

    // Each finding's history: first seen, last seen, resolved — and reopened when it comes back.
    const beta = (await list('?state=resolved'))[0];
    expect(beta).toMatchObject({ firstRunId: first.id, lastRunId: first.id, resolvedRunId: second.id, timesSeen: 1, state: 'resolved', resolvedAt: expect.any(String) });
    await put('beta', 'TODO again');
    const third = await nextScheduledRun('2026-06-03T04:00:01Z');
    const again = (await get(d, `/findings/${beta.fingerprint}`).expect(200)).body;
    expect(again).toMatchObject({ state: 'open', firstRunId: first.id, lastRunId: third.id, resolvedAt: null, timesSeen: 2, reopened: 1 });
    expect(again.history.map((h: any) => [h.change, h.runId])).toEqual([
      ['opened', first.id],
      ['resolved', second.id],
      ['reopened', third.id],
    ]);
    expect(again.occurrences.map((o: any) => o.runId)).toEqual([third.id, first.id]);
    const alpha = (await list('?state=open')).find((f: any) => f.asset === 'alpha');
    expect(alpha).toMatchObject({ firstRunId: first.id, lastRunId: third.id, timesSeen: 3, firstSeenAt: first.finishedAt, lastSeenAt: third.finishedAt });
    expect((await get(d, '/findings/0000')).body.code).toBe('FINDING_NOT_FOUND');
  });

  it('unscheduled runs are compared with the previous run of the same playbook and environments', async () => {
    const start = async () => {
      const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'notes-governance', environments: { target: 'lab' } }).expect(202);
      const run = await runIn(d, body.id, ['succeeded']);
      await settle();
      return run;
    };
    const a = await start();
    const b = await start();
    const diff = (await get(d, `/runs/${b.id}/findings-diff`)).body;
    expect(diff).toMatchObject({ baselineRunId: a.id, counts: { new: 0, resolved: 0 } });
    expect(diff.counts.open).toBeGreaterThan(0);
    const first = (await get(d, `/runs/${a.id}/findings-diff`)).body;
    expect(first.baselineRunId).toBeNull(); // scheduled runs are another series
  });
});
