import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { installClock } from '../../src/schedule/clock.js';
import { ManualClock } from '../../src/schedule/manual-clock.js';
import { ScheduleService } from '../../src/schedule/schedule.service.js';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-scheduled');
const config = (extra = '', envs = '  lab: { kind: demo }\n  lab2: { kind: demo }\n') => configYaml(`environments:\n${envs}playbooks:\n  dirs: [${FIXTURES}]\n${extra}`);

const running: TestDaemon[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.close();
  installClock(undefined);
});

/** A daemon whose scheduler runs on `clock`; `to(t)` moves time like a process awake the whole time would see it. */
async function boot(clock: ManualClock, yaml: string, dir?: string) {
  installClock(clock);
  const d = await startTestDaemon(yaml, { dir });
  running.push(d);
  const svc = d.app.get(ScheduleService);
  await svc.settled();
  const to = (t: string) => clock.runTo(t, () => svc.settled());
  return { d, svc, to };
}

async function stop(d: TestDaemon) {
  await d.close();
  running.splice(running.indexOf(d), 1);
}

const get = (d: TestDaemon, path: string, role: 'viewer' | 'operator' | 'admin' = 'viewer') => request(d.url).get(path).set('Authorization', bearer(role));
const post = (d: TestDaemon, path: string, role: 'viewer' | 'operator' | 'approver' | 'admin' = 'operator', body: object = {}) => request(d.url).post(path).set('Authorization', bearer(role)).send(body);

async function runsOf(d: TestDaemon, scheduleId: string) {
  const r = await get(d, `/runs?scheduleId=${encodeURIComponent(scheduleId)}&limit=200`).expect(200);
  return (r.body.runs as any[]).reverse();
}

/**
 * Restart tests boot the daemon two to four times: on a loaded 2-core machine (load 9-13) a boot alone can take
 * several seconds, so these tests get a limit that covers all of them (jest's 30 s did not) and wait on conditions.
 */
const RESTART_TEST_MS = 180_000;

/** Waits until every run of the daemon has left queued/running (scheduled runs execute in the background). */
async function quiet(d: TestDaemon, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await get(d, '/runs?state=queued,running&limit=1').expect(200);
    if (r.body.runs.length === 0) return;
    if (Date.now() > until) throw new Error('runs did not settle');
    await new Promise((res) => setTimeout(res, 25));
  }
}

describe('schedules: firing on an injected clock', () => {
  it('lists playbook and steward.yaml schedules with DST-aware next fire times; several due at once all fire', async () => {
    const clock = new ManualClock('2026-03-28T12:00:00Z');
    const { d, to } = await boot(
      clock,
      config(`schedules:\n  entries:\n    both-labs:\n      playbook: plain-echo\n      cron: "30 2 * * *"\n      timezone: Europe/Berlin\n      environments: [{ target: lab }, { target: lab2 }]\n      inputs: { message: fan-out }\n`),
    );
    const list = (await get(d, '/schedules').expect(200)).body;
    expect(list.problems).toEqual([]);
    const echo = list.schedules.find((s: any) => s.id === 'playbook:sched-echo');
    expect(echo).toMatchObject({
      source: 'playbook', playbook: 'sched-echo', cron: '30 2 * * *', timezone: 'Europe/Berlin', environments: [{ target: 'lab' }], inputs: { message: 'nightly' },
      overlap: 'skip', catchUp: 'none', enabled: true, paused: false, file: expect.stringMatching(/sched-echo\.yaml$/), line: expect.any(Number), lastRun: null,
    });
    // 02:30 does not exist in Berlin on 2026-03-29 (clocks jump 02:00 -> 03:00): the fixed-time job runs at 03:00 CEST.
    expect(echo.nextFireTimes).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    expect(list.schedules.find((s: any) => s.id === 'config:both-labs')).toMatchObject({ source: 'config', environments: [{ target: 'lab' }, { target: 'lab2' }], nextFireAt: '2026-03-29T01:00:00.000Z' });

    await to('2026-03-29T00:59:59Z');
    expect(await runsOf(d, 'playbook:sched-echo')).toEqual([]);
    await to('2026-03-29T01:00:01Z');
    await quiet(d);
    const echoRuns = await runsOf(d, 'playbook:sched-echo');
    const labRuns = await runsOf(d, 'config:both-labs');
    expect(echoRuns).toEqual([expect.objectContaining({ state: 'succeeded', requestedBy: 'scheduler', inputs: { message: 'nightly' }, environments: { target: 'lab' } })]);
    expect(labRuns.map((r) => r.environments.target).sort()).toEqual(['lab', 'lab2']);
    expect(labRuns.every((r) => r.requestedBy === 'scheduler' && r.state === 'succeeded')).toBe(true);
    const after = (await get(d, '/schedules/playbook:sched-echo').expect(200)).body;
    expect(after).toMatchObject({ lastFireAt: '2026-03-29T01:00:00.000Z', nextFireAt: '2026-03-30T00:30:00.000Z', lastRun: { id: echoRuns[0].id, state: 'succeeded' } });
    expect(after.fires[0]).toMatchObject({ at: '2026-03-29T01:00:00.000Z', kind: 'cron', status: 'started', runId: echoRuns[0].id, requestedBy: 'scheduler' });
  });
});

const entry = (name: string, body: string) => `    ${name}:\n      playbook: plain-echo\n      environments: { target: lab }\n${body
  .split('\n')
  .filter(Boolean)
  .map((l) => `      ${l}`)
  .join('\n')}\n`;

describe('schedules: restarts and downtime', () => {
  it('a restart neither fires a claimed fire twice nor drops one that came due while it was down', async () => {
    const yaml = config(`schedules:\n  entries:\n${entry('hourly', 'cron: "0 * * * *"')}`);
    let { d, to } = await boot(new ManualClock('2026-05-04T09:30:00Z'), yaml);
    const dir = d.dir;
    await to('2026-05-04T10:00:00Z');
    await quiet(d);
    expect((await runsOf(d, 'config:hourly')).length).toBe(1);
    await stop(d);

    // Back 20 s after the same fire time: already claimed, so nothing fires again.
    ({ d } = await boot(new ManualClock('2026-05-04T10:00:20Z'), yaml, dir));
    await quiet(d);
    expect((await runsOf(d, 'config:hourly')).length).toBe(1);
    await stop(d);

    // Down across 11:00 for a few seconds: that fire is on time when the daemon is back, whatever the catch-up policy.
    ({ d } = await boot(new ManualClock('2026-05-04T11:00:10Z'), yaml, dir));
    await quiet(d);
    const runs = await runsOf(d, 'config:hourly');
    expect(runs.length).toBe(2);
    const fires = (await get(d, '/schedules/config:hourly').expect(200)).body.fires;
    expect(fires.map((f: any) => [f.at, f.status])).toEqual([
      ['2026-05-04T11:00:00.000Z', 'started'],
      ['2026-05-04T10:00:00.000Z', 'started'],
    ]);
    await stop(d);

    // Down for hours with catchUp: none: the missed fires are recorded (not silently dropped), none runs.
    ({ d, to } = await boot(new ManualClock('2026-05-04T14:30:00Z'), yaml, dir));
    await quiet(d);
    expect((await runsOf(d, 'config:hourly')).length).toBe(2);
    const s = (await get(d, '/schedules/config:hourly').expect(200)).body;
    expect(s.fires[0]).toMatchObject({ status: 'missed', at: '2026-05-04T14:00:00.000Z', reason: expect.stringMatching(/^3 fire times from 2026-05-04T12:00:00.000Z to 2026-05-04T14:00:00.000Z passed while the daemon was not running and did not run \(catchUp: none\)$/) });
    expect(s).toMatchObject({ lastFireAt: '2026-05-04T14:00:00.000Z', nextFireAt: '2026-05-04T15:00:00.000Z' });
    await to('2026-05-04T15:00:00Z');
    await quiet(d);
    expect((await runsOf(d, 'config:hourly')).length).toBe(3);
  }, RESTART_TEST_MS);

  it('catch-up after downtime: none, last, all, and all within a window', async () => {
    const yaml = config(
      `schedules:\n  entries:\n${entry('none', 'cron: "0 * * * *"\ncatchUp: none')}${entry('last', 'cron: "0 * * * *"\ncatchUp: last')}${entry('all', 'cron: "0 * * * *"\ncatchUp: all')}${entry(
        'windowed',
        'cron: "0 * * * *"\ncatchUp: all\ncatchUpWindow: 2h',
      )}`,
    );
    let { d } = await boot(new ManualClock('2026-05-04T10:00:05Z'), yaml);
    const dir = d.dir;
    await quiet(d);
    await stop(d);
    ({ d } = await boot(new ManualClock('2026-05-04T13:30:00Z'), yaml, dir));
    await quiet(d);
    const fired = async (id: string) => (await runsOf(d, id)).length;
    expect(await fired('config:none')).toBe(0);
    expect(await fired('config:last')).toBe(1);
    expect(await fired('config:all')).toBe(3);
    expect(await fired('config:windowed')).toBe(2);
    const fires = async (id: string) => (await get(d, `/schedules/${id}`).expect(200)).body.fires.map((f: any) => `${f.at.slice(11, 16)} ${f.kind} ${f.status}`);
    expect(await fires('config:last')).toEqual(['13:00 catch-up started', '12:00 cron missed']);
    expect((await get(d, '/schedules/config:last')).body.fires[1].reason).toMatch(/^2 fire times from .*T11:00.* to .*T12:00.*\(catchUp: last\)$/);
    expect(await fires('config:all')).toEqual(['13:00 catch-up started', '12:00 catch-up started', '11:00 catch-up started']);
    expect(await fires('config:windowed')).toEqual(['13:00 catch-up started', '12:00 catch-up started', '11:00 cron missed']);
  }, RESTART_TEST_MS);

  it('a fire claimed just before a stop, whose run never started, is started after the restart', async () => {
    const yaml = config(`schedules:\n  entries:\n${entry('hourly', 'cron: "0 * * * *"')}`);
    let { d } = await boot(new ManualClock('2026-05-04T10:30:00Z'), yaml);
    const dir = d.dir;
    // What a crash between the claim and the run leaves behind.
    await d.store.query(
      `INSERT INTO schedule_fires (schedule_id, fire_at, kind, target, environments, status, requested_by, created_at)
       VALUES ('config:hourly', '2026-05-04T10:00:00Z', 'cron', 'target=lab', '{"target":"lab"}', 'claimed', 'scheduler', now() - interval '5 minutes')`,
    );
    await stop(d);
    ({ d } = await boot(new ManualClock('2026-05-04T10:31:00Z'), yaml, dir));
    await quiet(d);
    const runs = await runsOf(d, 'config:hourly');
    expect(runs).toEqual([expect.objectContaining({ state: 'succeeded', requestedBy: 'scheduler' })]);
    expect((await get(d, '/schedules/config:hourly')).body.fires[0]).toMatchObject({ at: '2026-05-04T10:00:00.000Z', status: 'started', runId: runs[0].id });
  }, RESTART_TEST_MS);

  it('two claims of the same fire (a second replica, a restart racing a timer): exactly one wins', async () => {
    const { ScheduleRepository } = await import('../../src/schedule/schedule.repository.js');
    const { d } = await boot(new ManualClock('2026-05-04T10:30:00Z'), config());
    const repo = new ScheduleRepository();
    await repo.ensure(d.store, 'config:race', new Date('2026-05-04T09:00:00Z'));
    const upTo = new Date('2026-05-04T10:00:00Z');
    const wins = await Promise.all([1, 2, 3].map(() => d.store.transaction((tx) => repo.claim(tx, 'config:race', upTo))));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});

describe('schedules: DST, overlap, pause, trigger', () => {
  it('autumn DST in Berlin: a fixed-time job fires once, an every-30-minutes job fires on both 02:00 and 02:30 hours', async () => {
    const clock = new ManualClock('2026-10-24T23:40:00Z');
    const { d, to } = await boot(clock, config(`schedules:\n  entries:\n${entry('half-hourly', 'cron: "0,30 * * * *"\ntimezone: Europe/Berlin')}`));
    // 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:00-02:59 local happens twice.
    await to('2026-10-25T02:10:00Z');
    await quiet(d);
    const at = async (id: string) => (await get(d, `/schedules/${id}`)).body.fires.map((f: any) => f.at).reverse();
    expect(await at('playbook:sched-echo')).toEqual(['2026-10-25T00:30:00.000Z']); // 02:30 CEST only, not again at 02:30 CET
    expect(await at('config:half-hourly')).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
    expect((await get(d, '/schedules/playbook:sched-echo')).body.nextFireAt).toBe('2026-10-26T01:30:00.000Z');
  });

  it('overlap with a previous run still waiting at a gate: skip, queue (starts when it ends), cancel-previous', async () => {
    const gate = (name: string, overlap: string) => `    ${name}:\n      playbook: sched-gate\n      cron: "0 * * * *"\n      environments: { target: lab }\n      overlap: ${overlap}\n`;
    const { d, to } = await boot(new ManualClock('2026-05-04T09:30:00Z'), config(`schedules:\n  entries:\n${gate('skip', 'skip')}${gate('queue', 'queue')}${gate('cancel', 'cancel-previous')}`));
    const waitState = (id: string, state: string) => until(`run ${id} ${state}`, async () => ((await get(d, `/runs/${id}`)).body.state === state ? true : undefined), 60000);
    await to('2026-05-04T10:00:00Z');
    const first: Record<string, any> = {};
    for (const id of ['skip', 'queue', 'cancel']) {
      [first[id]] = await runsOf(d, `config:${id}`);
      await waitState(first[id].id, 'awaiting_approval');
    }
    await to('2026-05-04T11:00:00Z');
    const lastFire = async (id: string) => (await get(d, `/schedules/config:${id}`)).body.fires[0];
    expect(await lastFire('skip')).toMatchObject({ status: 'skipped', reason: `run ${first.skip.id} of this schedule is still awaiting_approval (overlap: skip)` });
    expect(await runsOf(d, 'config:skip')).toHaveLength(1);
    expect(await lastFire('queue')).toMatchObject({ status: 'waiting', reason: `waits for run ${first.queue.id} to end (overlap: queue)` });
    expect(await runsOf(d, 'config:queue')).toHaveLength(1);
    const cancel = await runsOf(d, 'config:cancel');
    expect(cancel.map((r) => r.state)).toEqual(['cancelled', expect.stringMatching(/queued|running|awaiting_approval/)]);
    expect(await lastFire('cancel')).toMatchObject({ status: 'started', runId: cancel[1].id, reason: `cancelled the previous run ${first.cancel.id} (overlap: cancel-previous)` });

    // The queued fire starts as soon as the run it waited for ends (an approver lets it through).
    const { approvals } = (await get(d, `/approvals?runId=${first.queue.id}`)).body;
    await post(d, `/approvals/${approvals[0].id}`, 'approver', { decision: 'approve' }).expect(200);
    await waitState(first.queue.id, 'succeeded');
    const queued = await until('the queued fire to start', async () => {
      const runs = await runsOf(d, 'config:queue');
      return runs.length >= 2 ? runs : undefined;
    }, 60000);
    expect(queued).toHaveLength(2);
    expect(await lastFire('queue')).toMatchObject({ status: 'started', runId: queued[1].id, at: '2026-05-04T11:00:00.000Z' });
  }, RESTART_TEST_MS);

  it('pause (survives a restart), resume from now, trigger as the caller; roles and unknown ids', async () => {
    const yaml = config(`schedules:\n  entries:\n${entry('hourly', 'cron: "0 * * * *"')}${entry('off', 'cron: "0 * * * *"\nenabled: false')}`);
    let { d, to } = await boot(new ManualClock('2026-05-04T09:30:00Z'), yaml);
    const dir = d.dir;
    expect((await get(d, '/schedules/config:off')).body).toMatchObject({ enabled: false, nextFireAt: null });
    expect((await post(d, '/schedules/config:hourly/pause', 'viewer')).status).toBe(403);
    expect((await post(d, '/schedules/config:nope/pause')).body).toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
    expect((await get(d, '/schedules/config:nope')).status).toBe(404);
    const paused = (await post(d, '/schedules/config:hourly/pause').expect(200)).body;
    expect(paused).toMatchObject({ id: 'config:hourly', paused: true, pausedBy: 'operator', pausedAt: '2026-05-04T09:30:00.000Z' });
    expect((await get(d, '/schedules/config:hourly')).body).toMatchObject({ paused: true, nextFireAt: null });
    await to('2026-05-04T10:00:30Z');
    await stop(d);
    ({ d, to } = await boot(new ManualClock('2026-05-04T12:30:00Z'), yaml, dir));
    expect((await get(d, '/schedules/config:hourly')).body).toMatchObject({ paused: true, pausedBy: 'operator' });
    expect(await runsOf(d, 'config:hourly')).toEqual([]);

    await post(d, '/schedules/config:hourly/resume').expect(200);
    const resumed = (await get(d, '/schedules/config:hourly')).body;
    expect(resumed).toMatchObject({ paused: false, nextFireAt: '2026-05-04T13:00:00.000Z' });
    await quiet(d);
    expect(await runsOf(d, 'config:hourly')).toEqual([]); // what passed while paused is not caught up

    const trig = (await post(d, '/schedules/config:hourly/trigger').expect(202)).body;
    expect(trig.fires).toEqual([expect.objectContaining({ status: 'started', environments: { target: 'lab' }, runId: expect.stringMatching(/^run_/) })]);
    await quiet(d);
    expect(await runsOf(d, 'config:hourly')).toEqual([expect.objectContaining({ id: trig.fires[0].runId, requestedBy: 'operator', scheduleId: 'config:hourly', state: 'succeeded' })]);
    expect((await get(d, '/schedules/config:hourly')).body.fires[0]).toMatchObject({ kind: 'manual', requestedBy: 'operator' });
    await to('2026-05-04T13:00:00Z');
    await quiet(d);
    expect(await runsOf(d, 'config:hourly')).toHaveLength(2);
    expect(await runsOf(d, 'config:off')).toEqual([]); // disabled: never fires
  }, RESTART_TEST_MS);
});

describe('schedules: reload and validation', () => {
  /** A daemon with its own copy of the scheduled playbooks, so the test can edit them. */
  async function editable(entries: string, watch: boolean) {
    const dir = mkdtempSync('/tmp/steward-reload-');
    cpSync(FIXTURES, join(dir, 'playbooks'), { recursive: true });
    const yaml = (e: string) =>
      configYaml(`environments:\n  lab: { kind: demo }\n  lab2: { kind: demo }\nplaybooks:\n  dirs: [playbooks]\nschedules:\n  watch: ${watch}\n  entries:\n${e}`);
    const booted = await boot(new ManualClock('2026-05-04T09:30:00Z'), yaml(entries), dir);
    const pb = join(dir, 'playbooks', 'sched-echo.yaml');
    return {
      ...booted,
      writeConfig: (e: string) => writeFileSync(join(dir, 'steward.yaml'), yaml(e)),
      editPlaybook: (from: string, to: string) => writeFileSync(pb, readFileSync(pb, 'utf8').replace(from, to)),
    };
  }
  const schedule = async (d: TestDaemon, id: string) => (await get(d, '/schedules')).body.schedules.find((s: any) => s.id === id);

  it('POST /reload applies valid changes; an invalid steward.yaml or playbook keeps the previous schedules and says where', async () => {
    const { d, writeConfig, editPlaybook } = await editable(entry('hourly', 'cron: "0 * * * *"'), false);
    expect((await post(d, '/reload', 'operator')).status).toBe(403);

    writeConfig(entry('hourly', 'cron: "30 * * * *"') + entry('daily', 'cron: "0 6 * * *"'));
    const ok = (await post(d, '/reload', 'admin').expect(200)).body;
    expect(ok).toMatchObject({ ok: true, by: 'api (admin)', added: ['config:daily'], removed: [], changed: ['config:hourly'], problems: [] });
    expect((await schedule(d, 'config:hourly')).cron).toBe('30 * * * *');

    // Every problem at once, each with its line; nothing of the broken file is applied.
    writeConfig(
      entry('hourly', 'cron: "61 * * * *"') +
        entry('daily', 'cron: "0 6 * * *"').replace('target: lab', 'target: nowhere') +
        entry('fast', 'cron: "* * * * * *"') +
        entry('mars', 'cron: "0 6 * * *"\ntimezone: Mars/Olympus_Mons'),
    );
    const bad = (await post(d, '/reload', 'admin').expect(200)).body;
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p: any) => p.text)).toEqual([
      expect.stringMatching(/^steward\.yaml:\d+:\d+: schedules\.entries\.hourly\.cron: Invalid value for minute: 61$/),
      expect.stringMatching(/^steward\.yaml:\d+:\d+: schedules\.entries\.daily\.environments\.target: no environment "nowhere" is configured \(known: lab, lab2\)$/),
      expect.stringMatching(/^steward\.yaml:\d+:\d+: schedules\.entries\.fast\.cron: "\* \* \* \* \* \*" fires every 1s; schedules may fire at most every 60s \(schedules\.minInterval\)$/),
      expect.stringMatching(/^steward\.yaml:\d+:\d+: schedules\.entries\.mars\.timezone: unknown time zone "Mars\/Olympus_Mons"/),
    ]);
    expect(bad.problems.every((p: any) => p.kept === true)).toBe(true);
    const lines = bad.problems.map((p: any) => p.line);
    expect(lines).toEqual([...lines].sort((a: number, b: number) => a - b));
    const listed = (await get(d, '/schedules')).body;
    expect(listed.reload).toMatchObject({ ok: false });
    expect(listed.problems).toHaveLength(4);
    expect((await schedule(d, 'config:hourly')).cron).toBe('30 * * * *');
    expect(await schedule(d, 'config:fast')).toBeUndefined();

    // A playbook whose schedule no longer validates keeps its previous schedule; the file and line are reported.
    writeConfig(entry('hourly', 'cron: "30 * * * *"'));
    editPlaybook('cron: "30 2 * * *"', 'cron: "30 2 * * *"\n  jitter: 5m');
    editPlaybook('timezone: Europe/Berlin', 'timezone: Europe/Atlantis');
    const pbBad = (await post(d, '/reload', 'admin').expect(200)).body;
    expect(pbBad).toMatchObject({ ok: false, removed: ['config:daily'] });
    expect(pbBad.problems).toEqual([
      expect.objectContaining({ scheduleId: 'playbook:sched-echo', kept: true, text: expect.stringMatching(/^playbooks\/sched-echo\.yaml:\d+:\d+: schedule\.timezone: unknown time zone "Europe\/Atlantis"/) }),
    ]);
    expect(await schedule(d, 'playbook:sched-echo')).toMatchObject({ timezone: 'Europe/Berlin', jitterMs: null });

    // Valid for the playbook validator, but firing every 30 seconds: refused by the scheduler, with the line.
    editPlaybook('timezone: Europe/Atlantis', 'timezone: Europe/Berlin');
    editPlaybook('cron: "30 2 * * *"', 'cron: "*/30 * * * * *"');
    const tooFast = (await post(d, '/reload', 'admin').expect(200)).body;
    expect(tooFast.problems.map((p: any) => p.text)).toEqual([
      expect.stringMatching(/^playbooks\/sched-echo\.yaml:\d+:\d+: schedule\.cron: "\*\/30 \* \* \* \* \*" fires every 30s; schedules may fire at most every 60s/),
      expect.stringMatching(/^playbooks\/sched-echo\.yaml:\d+:\d+: schedule\.jitter: must be shorter than the 30s between fires$/),
    ]);
    editPlaybook('cron: "*/30 * * * * *"', 'cron: "45 2 * * *"');
    const fixed = (await post(d, '/reload', 'admin').expect(200)).body;
    expect(fixed).toMatchObject({ ok: true, changed: ['playbook:sched-echo'] });
    expect(await schedule(d, 'playbook:sched-echo')).toMatchObject({ cron: '45 2 * * *', jitterMs: 300000 });
  });

  it('a change on disk is picked up without POST /reload', async () => {
    const { d, editPlaybook, writeConfig } = await editable(entry('hourly', 'cron: "0 * * * *"'), true);
    editPlaybook('cron: "30 2 * * *"', 'cron: "15 3 * * *"');
    writeConfig(entry('hourly', 'cron: "0 * * * *"') + entry('later', 'cron: "0 18 * * *"'));
    for (let i = 0; i < 200; i++) {
      const list = (await get(d, '/schedules')).body;
      if (list.schedules.some((s: any) => s.id === 'config:later') && list.schedules.find((s: any) => s.id === 'playbook:sched-echo').cron === '15 3 * * *') {
        expect(list.reload).toMatchObject({ ok: true, by: expect.stringMatching(/^watch/) });
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the change on disk was not picked up');
  });

  it('bad schedules in steward.yaml are rejected at validation with their line; a bad playbook schedule is reported by GET /schedules', async () => {
    const { fromText } = await import('../../src/config/config.loader.js');
    const load = (e: string) => () => fromText('steward.yaml', config(`schedules:\n  entries:\n${e}`), '/tmp', {});
    expect(load(entry('x', 'cron: "0 0 31 2 *"'))).toThrow(/\d+:\d+: schedules\.entries\.x\.cron: "0 0 31 2 \*" never fires/);
    expect(load(entry('x', 'cron: "0 25 * * *"'))).toThrow(/\d+:\d+: schedules\.entries\.x\.cron: Invalid value for hour: 25/);
    expect(load(entry('x', 'cron: "* * * * * *"'))).toThrow(/fires every 1s; schedules may fire at most every 60s/);
    expect(load(entry('x', 'cron: "0 6 * * *"\ntimezone: Europe/Atlantis'))).toThrow(/schedules\.entries\.x\.timezone: unknown time zone "Europe\/Atlantis"/);
    expect(load(entry('x', 'cron: "0 6 * * *"').replace('target: lab', 'target: prod'))).toThrow(/schedules\.entries\.x\.environments\.target: no environment "prod" is configured/);
    expect(load(entry('x', 'cron: "*/5 * * * *"\njitter: 10m'))).toThrow(/schedules\.entries\.x\.jitter: must be shorter than the 300s between fires/);
    expect(() => fromText('steward.yaml', config('schedules:\n  minInterval: 1s\n  entries:\n' + entry('x', 'cron: "*/5 * * * * *"')), '/tmp', {})).not.toThrow();

    const dir = mkdtempSync('/tmp/steward-badsched-');
    cpSync(join(FIXTURES, 'plain-echo.yaml'), join(dir, 'ok.yaml'));
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(FIXTURES, 'sched-echo.yaml'), 'utf8').replace('name: sched-echo', 'name: bad-cron').replace('"30 2 * * *"', '"30 25 * * *"').replace('target: lab', 'target: nowhere'));
    const { d } = await boot(new ManualClock('2026-05-04T09:30:00Z'), configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${dir}]\n`));
    const list = (await get(d, '/schedules')).body;
    expect(list.schedules).toEqual([]);
    expect(list.problems.map((p: any) => p.text)).toEqual([
      expect.stringMatching(new RegExp(`^${dir}/bad\\.yaml:\\d+:\\d+: schedule\\.cron: .*Invalid value for hour: 25`)),
      expect.stringMatching(new RegExp(`^${dir}/bad\\.yaml:\\d+:\\d+: schedule\\.environments\\.target: no environment "nowhere" in the configuration$`)),
    ]);
  });
});
