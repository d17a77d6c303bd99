import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');

const waitFor = (d: TestDaemon, id: string, states: string[], timeoutMs?: number) => waitForRun(d, id, states, timeoutMs);
const start = (d: TestDaemon, body: object) => request(d.url).post('/runs').set('Authorization', bearer('operator')).send(body).expect(202);

describe('runs: expiry, queueing, event volume, global stream', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(
      configYaml(
        [
          'environments:',
          '  lab: { kind: demo }',
          '  brief: { kind: demo, policy: { expiresAfter: 1s } }',
          'runs: { maxConcurrent: 1 }',
          `playbooks:\n  dirs: [${FIXTURES}]`,
          '',
        ].join('\n'),
      ),
    );
  });
  afterAll(() => d.close());

  it('an approval that expires fails closed: the run ends expired, never auto-approved', async () => {
    const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'brief' }, inputs: { key: 'never' } });
    await waitFor(d, body.id, ['awaiting_approval']);
    const run = await waitFor(d, body.id, ['expired', 'succeeded', 'failed'], 8000);
    expect(run.state).toBe('expired');
    const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
    expect(approvals[0].status).toBe('expired');
    const late = await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(409);
    expect(late.body.code).toBe('APPROVAL_EXPIRED');
    // The run's end closes its steps: the write never ran.
    expect(run.steps.find((s: any) => s.key === 'write').state).toBe('cancelled');
  });

  it('with runs.maxConcurrent 1, queued runs start in order and a parked run frees its slot', async () => {
    const a = await start(d, { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { readSteps: 6 } });
    const b = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } });
    const c = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } });
    const bWhileA = (await request(d.url).get(`/runs/${b.body.id}`).set('Authorization', bearer('viewer'))).body.state;
    expect(bWhileA).toBe('queued');
    await waitFor(d, a.body.id, ['awaiting_approval']); // parks at its write: the slot is free
    const rb = await waitFor(d, b.body.id, ['succeeded']);
    const rc = await waitFor(d, c.body.id, ['succeeded']);
    expect(rb.startedAt <= rc.startedAt).toBe(true);
    await request(d.url).post(`/runs/${a.body.id}/cancel`).set('Authorization', bearer('operator')).expect(200);
  });

  it('thousands of events in one run replay in order over SSE, in pages', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `n${i}`);
    const { body } = await start(d, { playbook: 'demo-foreach', environments: { target: 'lab' }, inputs: { names } });
    const run = await waitFor(d, body.id, ['succeeded'], 60000);
    expect(run.outputs.said).toHaveLength(1000);
    expect(run.lastEventId).toBeGreaterThan(2000);
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') }, { timeoutMs: 20000 });
    expect(sse.messages).toHaveLength(run.lastEventId);
    expect(sse.messages.every((m, i) => Number(m.id) === i + 1)).toBe(true);
  });

  it('a cursor whose events are gone gets an explicit event, then the replay from the oldest stored', async () => {
    const { body } = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } });
    await waitFor(d, body.id, ['succeeded']);
    await d.store.query('DELETE FROM run_events WHERE run_id = $1 AND seq <= 3', [body.id]);
    const sse = await readSse(`${d.url}/runs/${body.id}/events?after=1`, { Authorization: bearer('viewer') });
    expect(sse.messages[0]).toMatchObject({ event: 'cursor.gone', data: { requested: 1, earliest: 4 } });
    expect(Number(sse.messages[1].id)).toBe(4);
  });

  it('GET /events streams every run live, filtered by type, with heartbeats available', async () => {
    const got = readSse(`${d.url}/events?type=run.finished`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished', timeoutMs: 10000 });
    await new Promise((r) => setTimeout(r, 200));
    const { body } = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } });
    const sse = await got;
    expect(sse.messages.every((m) => m.event === 'run.finished')).toBe(true);
    expect(sse.messages.some((m) => m.data.runId === body.id)).toBe(true);
    await request(d.url).get('/events?type=DROP%20TABLE').set('Authorization', bearer('viewer')).expect(400);
  });
});
