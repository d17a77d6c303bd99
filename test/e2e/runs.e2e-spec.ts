import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const CONFIG = configYaml(`environments:\n  lab: { kind: demo }\n  lab2: { kind: demo, policy: { approvers: 2 } }\nplaybooks:\n  dirs: [${FIXTURES}]\n`);

const waitFor = (d: TestDaemon, id: string, states: string[], timeoutMs?: number) => waitForRun(d, id, states, timeoutMs);

const start = (d: TestDaemon, body: object, role: 'operator' | 'admin' = 'operator') => request(d.url).post('/runs').set('Authorization', bearer(role)).send(body);

describe('runs over real HTTP and SSE', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(CONFIG);
  });
  afterAll(() => d.close());

  it('a read-only playbook runs to success with outputs, findings and a report', async () => {
    const res = await start(d, { playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting: 'hello' } }).expect(202);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^run_/), state: 'queued' });
    const run = await waitFor(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { shout: 'HELLO', notes: 0 }, requestedBy: 'operator' });
    expect(run.steps.map((s: any) => [s.key, s.state])).toEqual([
      ['echo', 'succeeded'], ['shout', 'succeeded'], ['noop', 'succeeded'], ['list', 'succeeded'], ['check', 'succeeded'],
    ]);
    const report = await request(d.url).get(`/runs/${res.body.id}/report`).set('Authorization', bearer('viewer')).expect(200);
    expect(report.body.summary).toMatchObject({ steps: 5, succeeded: 5, failed: 0, findings: 0 });
    const md = await request(d.url).get(`/runs/${res.body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200);
    expect(md.headers['content-type']).toMatch(/^text\/markdown/);
    expect(md.text).toContain(`# Run ${res.body.id}: demo-read — succeeded`);
  });

  it('SSE replays the whole run in order and ends with run.finished', async () => {
    const { body } = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } }).expect(202);
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') });
    expect(sse.ended).toBe(true);
    const seqs = sse.messages.map((m) => Number(m.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(sse.messages[0].event).toBe('run.queued');
    expect(sse.messages.at(-1)).toMatchObject({ event: 'run.finished', data: { data: { state: 'succeeded' } } });
    const resumed = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer'), 'Last-Event-ID': String(seqs.length - 2) });
    expect(resumed.messages.map((m) => Number(m.id))).toEqual([seqs.length - 1, seqs.length]);
  });

  it('SSE: a malformed cursor is 400, a future one gets an explicit event', async () => {
    const { body } = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } }).expect(202);
    await waitFor(d, body.id, ['succeeded']);
    const bad = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer'), 'Last-Event-ID': 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CURSOR_INVALID');
    const future = await readSse(`${d.url}/runs/${body.id}/events?after=99999`, { Authorization: bearer('viewer') });
    expect(future.messages[0]).toMatchObject({ event: 'cursor.invalid', data: { requested: 99999 } });
  });

  it('a write step waits for an approval with its plan, then runs once approved; approver identity is recorded', async () => {
    const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'approved-note' } }).expect(202);
    const waiting = await waitFor(d, body.id, ['awaiting_approval']);
    const step = waiting.steps.find((s: any) => s.key === 'write');
    expect(step).toMatchObject({ state: 'awaiting_approval', approvalId: expect.stringMatching(/^apr_/) });
    const pending = await request(d.url).get('/approvals?status=pending').set('Authorization', bearer('viewer')).expect(200);
    const approval = pending.body.approvals.find((a: any) => a.runId === body.id);
    expect(approval).toMatchObject({ tool: 'demo.notes.write', environments: { target: 'lab' }, input: { key: 'approved-note', text: 'written by a playbook' }, plan: { wouldChange: true }, requestedBy: 'operator' });
    const self = await request(d.url).post(`/approvals/${approval.id}`).set('Authorization', bearer('admin')).send({ decision: 'approve' });
    expect(self.status).toBe(200); // admin did not request it: allowed
    const done = await waitFor(d, body.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { revision: 1, count: 1 } });
    const report = await request(d.url).get(`/runs/${body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200);
    expect(report.text).toMatch(/approve by \*\*admin\*\*/);
  });

  it('self-approval is refused; rejection ends the run rejected with nothing written', async () => {
    const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'rejected-note' } }, 'admin').expect(202);
    await waitFor(d, body.id, ['awaiting_approval']);
    const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
    const self = await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('admin')).send({ decision: 'approve' }).expect(403);
    expect(self.body.code).toBe('APPROVAL_SELF');
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('viewer')).send({ decision: 'reject' }).expect(403);
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'reject', comment: 'not today' }).expect(200);
    const run = await waitFor(d, body.id, ['rejected']);
    expect(run.reason).toMatch(/rejected/);
    const again = await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(409);
    expect(again.body.code).toBe('APPROVAL_NOT_PENDING');
  });

  it('an environment demanding two approvers needs two distinct people; concurrent decisions are claimed once', async () => {
    const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'lab2' }, inputs: { key: 'two-approvers' } }).expect(202);
    await waitFor(d, body.id, ['awaiting_approval']);
    const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
    expect(approvals[0].requiredApprovals).toBe(2);
    const burst = await Promise.all([1, 2, 3].map(() => request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' })));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect((await request(d.url).get(`/runs/${body.id}`).set('Authorization', bearer('viewer'))).body.state).toBe('awaiting_approval');
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('admin')).send({ decision: 'approve' }).expect(200);
    const done = await waitFor(d, body.id, ['succeeded']);
    expect(done.outputs.revision).toBe(1);
  });

  it('dry run asks write tools for their plan and writes nothing', async () => {
    const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'dry-note' }, dryRun: true }).expect(202);
    const run = await waitFor(d, body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    expect(run.steps.find((s: any) => s.key === 'write')).toMatchObject({ dryRun: 'would_change', plan: { wouldChange: true } });
    const report = (await request(d.url).get(`/runs/${body.id}/report`).set('Authorization', bearer('viewer'))).body;
    expect(report.actions.planned).toEqual([expect.objectContaining({ key: 'write', tool: 'demo.notes.write', outcome: 'would_change' })]);
    expect(report.actions.done).toEqual([]);
    const notes = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' } });
    const read = await waitFor(d, notes.body.id, ['succeeded']);
    expect(JSON.stringify(read.steps)).not.toContain('dry-note');
  });

  it('an approval step gates the run; progress arrives as events; foreach runs with a condition', async () => {
    const { body } = await start(d, { playbook: 'demo-gate', environments: { target: 'lab' }, inputs: { steps: 3 } }).expect(202);
    await waitFor(d, body.id, ['awaiting_approval']);
    const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
    expect(approvals[0]).toMatchObject({ kind: 'gate', message: 'Go ahead on lab?' });
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
    await waitFor(d, body.id, ['succeeded']);
    const sse = await readSse(`${d.url}/runs/${body.id}/events`, { Authorization: bearer('viewer') });
    expect(sse.messages.filter((m) => m.event === 'step.progress').length).toBeGreaterThanOrEqual(1);
    expect(sse.messages.map((m) => m.event)).toEqual(expect.arrayContaining(['approval.requested', 'approval.decided', 'step.succeeded', 'run.finished']));

    const fe = await start(d, { playbook: 'demo-foreach', environments: { target: 'lab' }, inputs: { names: ['ann', 'skip-me', 'bob'] } }).expect(202);
    const run = await waitFor(d, fe.body.id, ['succeeded', 'failed']);
    expect(run.outputs).toEqual({ said: ['hi ann', 'hi bob'] });
  });

  describe('bad input', () => {
    it.each([
      [{ playbook: 'nope', environments: { target: 'lab' } }, 404, 'PLAYBOOK_NOT_FOUND'],
      [{ playbook: 'demo-write', environments: { target: 'lab' } }, 400, 'RUN_INVALID'],
      [{ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 5 } }, 400, 'RUN_INVALID'],
      [{ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'k', extra: 1 } }, 400, 'RUN_INVALID'],
      [{ playbook: 'demo-read', environments: { target: 'nowhere' } }, 400, 'RUN_INVALID'],
      [{ playbook: 'demo-read', environments: { target: 'lab', other: 'lab' } }, 400, 'RUN_INVALID'],
      [{ playbook: 'demo-read', bogus: true }, 400, 'VALIDATION_FAILED'],
    ])('%j → %d %s', async (body, status, code) => {
      const res = await start(d, body).expect(status);
      expect(res.body.code).toBe(code);
    });

    it('names the problem precisely', async () => {
      const res = await start(d, { playbook: 'demo-read', environments: { target: 'nowhere' } }).expect(400);
      expect(res.body.detail).toBe('environments.target: no environment "nowhere" is configured');
      const inputs = await start(d, { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 5 } }).expect(400);
      expect(inputs.body.detail).toBe('inputs for demo-write are invalid: inputs.key: must be a string');
    });

    it('a viewer cannot start runs; cancelling a finished run is 409; unknown run 404', async () => {
      await request(d.url).post('/runs').set('Authorization', bearer('viewer')).send({ playbook: 'demo-read' }).expect(403);
      const { body } = await start(d, { playbook: 'demo-read', environments: { target: 'lab' } }).expect(202);
      await waitFor(d, body.id, ['succeeded']);
      const r = await request(d.url).post(`/runs/${body.id}/cancel`).set('Authorization', bearer('operator')).expect(409);
      expect(r.body.code).toBe('RUN_FINISHED');
      await request(d.url).get('/runs/run_doesnotexist').set('Authorization', bearer('viewer')).expect(404);
    });

    it('cancelling a waiting run ends it and cancels its approval', async () => {
      const { body } = await start(d, { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'cancel-me' } }).expect(202);
      await waitFor(d, body.id, ['awaiting_approval']);
      const r = await request(d.url).post(`/runs/${body.id}/cancel`).set('Authorization', bearer('operator')).expect(200);
      expect(r.body).toMatchObject({ state: 'cancelled', reason: 'cancelled by operator' });
      const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
      expect(approvals[0].status).toBe('cancelled');
    });
  });

  it('lists runs with filters and paging', async () => {
    const page = await request(d.url).get('/runs?limit=2&state=succeeded').set('Authorization', bearer('viewer')).expect(200);
    expect(page.body.runs).toHaveLength(2);
    expect(page.body.runs.every((r: any) => r.state === 'succeeded')).toBe(true);
    const next = await request(d.url).get(`/runs?limit=2&state=succeeded&before=${page.body.next}`).set('Authorization', bearer('viewer')).expect(200);
    expect(next.body.runs[0].id < page.body.runs[1].id).toBe(true);
    await request(d.url).get('/runs?state=bogus').set('Authorization', bearer('viewer')).expect(400);
  });
});
