import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';

/** The loop step (the multi-expert playbooks' rounds) with the demo plugin: rounds, until, replay after parking, dry run. */
const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-loop');
const CONFIG = configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`);

describe('loop steps over real HTTP and SSE', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(CONFIG);
  }, 60_000);
  afterAll(() => d?.close());

  const start = (inputs: object, dryRun = false) => request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-loop', environments: { target: 'lab' }, inputs, dryRun }).expect(202);
  const approveNext = async (id: string) => {
    const run = await waitForRun(d, id, ['awaiting_approval', 'succeeded', 'failed'], 30_000);
    if (run.state !== 'awaiting_approval') return run;
    const { approvals } = (await request(d.url).get(`/approvals?runId=${id}&status=pending`).set('Authorization', bearer('viewer'))).body;
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
    return undefined;
  };

  it('runs rounds until `until` holds; each round reads round and the earlier rounds; a round parked on an approval resumes without re-running finished rounds', async () => {
    const { body } = await start({ rounds: 3, stopAfter: 1 });
    let done;
    for (let i = 0; i < 5 && !done; i++) done = await approveNext(body.id);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { said: ['0', '1'], revisions: [1, 1] } });
    expect(done.steps.map((s: { key: string; state: string }) => [s.key, s.state])).toEqual([
      ['rounds', 'succeeded'],
      ['rounds[0].say', 'succeeded'],
      ['rounds[0].write', 'succeeded'],
      ['rounds[1].say', 'succeeded'],
      ['rounds[1].write', 'succeeded'],
    ]);
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') });
    const progress = sse.messages.filter((m) => m.event === 'step.progress').map((m) => m.data.data.message);
    expect(progress).toEqual(['round 1 of at most 3', 'round 2 of at most 3']);
    const loopDone = sse.messages.filter((m) => m.event === 'step.succeeded' && m.data.stepKey === 'rounds');
    expect(loopDone.map((m) => m.data.data.output)).toEqual([{ rounds: 2, stoppedBy: 'until' }]);
    const report = await request(d.url).get(`/runs/${body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200);
    expect(report.text).toContain('rounds[1].write');
  });

  it('stops at maxRounds when until never holds', async () => {
    const { body } = await start({ rounds: 2, stopAfter: 99 });
    let done;
    for (let i = 0; i < 5 && !done; i++) done = await approveNext(body.id);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { said: ['0', '1'] } });
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') });
    expect(sse.messages.find((m) => m.event === 'step.succeeded' && m.data.stepKey === 'rounds')?.data.data.output).toEqual({ rounds: 2, stoppedBy: 'maxRounds' });
  });

  it('a dry run walks round 0 only and says so; a maxRounds out of range fails the step naming it', async () => {
    const { body } = await start({ rounds: 3 }, true);
    const run = await waitForRun(d, body.id, ['succeeded', 'failed'], 30_000);
    expect(run.steps.map((s: { key: string }) => s.key)).toEqual(['rounds', 'rounds[0].say', 'rounds[0].write']);
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') });
    expect(sse.messages.find((m) => m.event === 'step.progress')?.data.data.message).toMatch(/^dry run: round 1 only \(of at most 3\)/);
    expect(sse.messages.find((m) => m.event === 'step.succeeded' && m.data.stepKey === 'rounds')?.data.data.output).toEqual({ rounds: 1, stoppedBy: 'dry run' });

    const bad = await start({ rounds: 101 });
    const failed = await waitForRun(d, bad.body.id, ['succeeded', 'failed'], 30_000);
    expect(failed.state).toBe('failed');
    expect(failed.steps[0]).toMatchObject({ key: 'rounds', state: 'failed', error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('loop.maxRounds must be a whole number from 1 to 100; got 101') } });
  });
});
