import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

/**
 * A thread is its owner's conversation: GET /threads/{id} is owner-only, and so is everything that shows a thread's
 * prompt and answer through its runs — GET /runs/{id}, its events and report, and the runs list. Admins see all.
 */
describe("a thread's runs are as private as the thread", () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nllm:\n  provider: openai-compatible\n  baseUrl: ${llm.url}\n  model: scripted\n  maxRetries: 0\n`));
  });
  afterAll(async () => {
    await d.close();
    await llm.close();
  });

  it('GET /runs/{id}, its events and report answer 404 to anyone but the owner and admins; the runs list leaves the run out', async () => {
    const { body: thread } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ content: 'the secret plan is ready' });
    const m = await request(d.url).post(`/threads/${thread.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'my private question' }).expect(202);
    const runId = m.body.runId as string;
    const run = await waitForRun(d, runId, ['succeeded', 'failed'], 15000, 'operator');
    expect(run).toMatchObject({ state: 'succeeded', prompt: 'my private question', outputs: { answer: 'the secret plan is ready' } });
    await request(d.url).get(`/runs/${runId}`).set('Authorization', bearer('admin')).expect(200);

    for (const who of ['viewer', 'approver'] as const) {
      const r = await request(d.url).get(`/runs/${runId}`).set('Authorization', bearer(who)).expect(404);
      expect(r.body).toMatchObject({ code: 'RUN_NOT_FOUND' });
      expect(JSON.stringify(r.body)).not.toContain('private');
      await request(d.url).get(`/runs/${runId}/events`).set('Authorization', bearer(who)).expect(404);
      await request(d.url).get(`/runs/${runId}/report`).set('Authorization', bearer(who)).expect(404);
      await request(d.url).get(`/runs/${runId}/report?format=md`).set('Authorization', bearer(who)).expect(404);
      const list = await request(d.url).get('/runs?limit=100').set('Authorization', bearer(who)).expect(200);
      expect(list.body.runs.map((x: { id: string }) => x.id)).not.toContain(runId);
      expect(JSON.stringify(list.body)).not.toContain('my private question');
    }
    // Another operator cannot cancel it either (the answer would show the run).
    const { body: other } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ content: 'slow answer', delayMs: 3000 });
    const busy = (await request(d.url).post(`/threads/${other.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'take your time' }).expect(202)).body.runId;
    const refused = await request(d.url).post(`/runs/${busy}/cancel`).set('Authorization', bearer('approver')).expect(404);
    expect(JSON.stringify(refused.body)).not.toContain('take your time');
    await request(d.url).post(`/runs/${busy}/cancel`).set('Authorization', bearer('operator')).expect(200);
    const events = await request(d.url).get(`/runs/${runId}/events`).set('Authorization', bearer('operator')).expect(200);
    expect(events.text).toContain('the secret plan is ready');
    const report = await request(d.url).get(`/runs/${runId}/report`).set('Authorization', bearer('operator')).expect(200);
    expect(report.body.run.id).toBe(runId);
    expect((await request(d.url).get('/runs?limit=100').set('Authorization', bearer('admin')).expect(200)).body.runs.map((x: { id: string }) => x.id)).toContain(runId);
  });

  it("GET /events (every run's events) leaves a thread's run out for others and shows it to its owner", async () => {
    const { body: thread } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    const headers = (who: 'viewer' | 'operator') => ({ Authorization: bearer(who) });
    let threadRun = '';
    let publicRun = '';
    const opened: Promise<void>[] = [];
    const watch = (who: 'viewer' | 'operator') => {
      let ready!: () => void;
      opened.push(new Promise<void>((r) => (ready = r)));
      return readSse(`${d.url}/events`, headers(who), { onOpen: ready, timeoutMs: 20000, until: (m) => m.event === 'run.finished' && m.data.runId === publicRun });
    };
    const [viewer, owner] = [watch('viewer'), watch('operator')];
    await Promise.all(opened);
    llm.push({ content: 'thread answer for the owner only' });
    threadRun = (await request(d.url).post(`/threads/${thread.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'a question in my thread' }).expect(202)).body.runId;
    await waitForRun(d, threadRun, ['succeeded'], 15000, 'operator');
    llm.push({ content: 'public answer' });
    publicRun = (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'a public question', environments: ['lab'] }).expect(202)).body.id;
    const [seenByViewer, seenByOwner] = await Promise.all([viewer, owner]);
    expect(seenByViewer.messages.some((m) => m.data.runId === publicRun && m.event === 'run.finished')).toBe(true);
    expect(seenByViewer.messages.filter((m) => m.data.runId === threadRun)).toEqual([]);
    expect(JSON.stringify(seenByViewer.messages)).not.toContain('owner only');
    expect(seenByOwner.messages.some((m) => m.data.runId === threadRun && m.event === 'run.finished')).toBe(true);
  });

  it("a thread's approvals (the calls its agent proposes) are shown to the owner and to approvers, not to other viewers", async () => {
    const { body: thread } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'private-note', text: 'from my thread', environment: 'lab' } }] });
    const runId = (await request(d.url).post(`/threads/${thread.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'note this privately' }).expect(202)).body.runId;
    await waitForRun(d, runId, ['awaiting_approval'], 15000, 'operator');
    const [pending] = (await request(d.url).get(`/approvals?runId=${runId}`).set('Authorization', bearer('operator')).expect(200)).body.approvals;
    expect(pending).toMatchObject({ runId, requestedBy: 'operator', input: { key: 'private-note' } });
    await request(d.url).get(`/approvals/${pending.id}`).set('Authorization', bearer('approver')).expect(200);
    const hidden = await request(d.url).get(`/approvals/${pending.id}`).set('Authorization', bearer('viewer')).expect(404);
    expect(JSON.stringify(hidden.body)).not.toContain('private-note');
    for (const path of [`/approvals?runId=${runId}`, '/approvals', '/approvals?status=pending']) {
      const list = await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200);
      expect(JSON.stringify(list.body)).not.toContain('private-note');
      expect((await request(d.url).get(path).set('Authorization', bearer('approver')).expect(200)).body.approvals.map((a: { id: string }) => a.id)).toContain(pending.id);
    }
    await request(d.url).post(`/runs/${runId}/cancel`).set('Authorization', bearer('operator')).expect(200);
  });

  it('an ad-hoc prompt run outside a thread stays readable by viewers', async () => {
    llm.push({ content: 'public answer' });
    const r = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'a shared question', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, r.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ state: 'succeeded', prompt: 'a shared question' });
  });
});
