import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse, type SseMessage } from '../helpers/sse.js';
import { scriptedLlmYaml, startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const CONFIG = (url: string, extra = '') =>
  configYaml(`environments:\n  lab: { kind: demo }\n${scriptedLlmYaml(url, { maxRetries: 1, timeoutMs: 20000, extra })}`);

const ANSWER = 'Three dashboards have no owner: Sales, Ops and Finance.';
const deltasOf = (messages: SseMessage[]) => messages.filter((m) => m.event === 'agent.delta').map((m) => m.data.data as { stepId: string; call: number; text: string });

describe('the model\'s answer streams into the run\'s events as it is written (agent.delta)', () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(CONFIG(llm.url));
  });
  afterAll(async () => {
    await d.close();
    await llm.close();
  });

  it('a watcher sees the first half of the answer while the model is still writing, then the rest, then the answer', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    llm.push({ content: ANSWER, chunkSize: 5, pauseAfter: { chunks: 4, until: held }, usage: { prompt_tokens: 90, completion_tokens: 14 } });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'Which dashboards have no owner?', environments: ['lab'] }).expect(202);
    const id = res.body.id as string;

    // Mid-stream: the model has written 4 chunks (20 characters) and waits; the run shows them already.
    const mid = await readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') }, { until: (_m, all) => deltasOf(all).map((x) => x.text).join('') === ANSWER.slice(0, 20), timeoutMs: 60000 });
    expect(deltasOf(mid.messages).map((x) => x.text).join('')).toBe(ANSWER.slice(0, 20));
    expect(mid.messages.some((m) => m.event === 'agent.answer')).toBe(false);
    expect((await request(d.url).get(`/runs/${id}`).set('Authorization', bearer('viewer')).expect(200)).body.state).toBe('running');

    release();
    const run = await waitForRun(d, id, ['succeeded', 'failed'], 60000);
    expect(run.state).toBe('succeeded');
    const all = await readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished' });
    const deltas = deltasOf(all.messages);
    expect(deltas.map((x) => x.text).join('')).toBe(ANSWER);
    expect(new Set(deltas.map((x) => `${x.stepId}#${x.call}`))).toEqual(new Set(['agent#1']));
    // Order: every delta before the end of its model call, and the answer after them.
    const types = all.messages.map((m) => m.event);
    const lastDelta = types.lastIndexOf('agent.delta');
    const modelEnd = all.messages.findIndex((m) => m.event === 'agent.model' && m.data.data.phase === 'end');
    expect(lastDelta).toBeLessThan(modelEnd);
    expect(modelEnd).toBeLessThan(types.indexOf('agent.answer'));
    expect(all.messages.find((m) => m.event === 'agent.answer')!.data.data.text).toBe(ANSWER);
    // The model was asked to stream with usage in the stream: the token budget still counts every token.
    const body = llm.requests[llm.requests.length - 1]!.body;
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(all.messages[modelEnd]!.data.data.usage).toEqual({ input: 90, output: 14, total: 104 });
  });

  it('tool-call turns stream no argument text; only what the model writes for people is a delta', async () => {
    llm.push({ toolCalls: [{ name: 'demo__util__noop', args: { environment: 'lab' } }], chunkSize: 2 }, { content: 'done now', chunkSize: 3 });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'noop', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 60000);
    expect(run.state).toBe('succeeded');
    const all = await readSse(`${d.url}/runs/${res.body.id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished' });
    const deltas = deltasOf(all.messages);
    expect(deltas.map((x) => x.text).join('')).toBe('done now');
    expect(deltas.every((x) => x.call === 2)).toBe(true);
    expect(all.messages.find((m) => m.event === 'agent.proposed')!.data.data).toMatchObject({ tool: 'demo.util.noop', args: { environment: 'lab' } });
  });
});

describe('a model server that cannot stream', () => {
  it('fails the run saying to set llm.streaming: false', async () => {
    const llm = await startScriptedLlm([{ content: 'whole', ignoreStream: true }, { content: 'whole', ignoreStream: true }]);
    const d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\n${scriptedLlmYaml(llm.url, { maxRetries: 0, timeoutMs: 20000 })}`));
    try {
      const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'hi', environments: ['lab'] }).expect(202);
      const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 60000);
      expect(run.state).toBe('failed');
      expect(run.reason).toContain('set llm.streaming: false for a server that cannot stream');
    } finally {
      await d.close();
      await llm.close();
    }
  });
});

describe('llm.streaming: false', () => {
  it('asks for whole answers and writes no deltas', async () => {
    const llm = await startScriptedLlm([{ content: 'whole answer' }]);
    const d = await startTestDaemon(CONFIG(llm.url, '  streaming: false\n'));
    try {
      const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'hi', environments: ['lab'] }).expect(202);
      const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 60000);
      expect(run.state).toBe('succeeded');
      const all = await readSse(`${d.url}/runs/${res.body.id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished' });
      expect(deltasOf(all.messages)).toEqual([]);
      expect(all.messages.find((m) => m.event === 'agent.answer')!.data.data.text).toBe('whole answer');
      expect(llm.requests[0]!.body.stream).not.toBe(true);
    } finally {
      await d.close();
      await llm.close();
    }
  });
});
