import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';
import { startScriptedLlm, toolMessages, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const llmYaml = (url: string, extra = '') =>
  `llm:\n  provider: openai-compatible\n  baseUrl: ${url}\n  model: scripted\n  maxRetries: 2\n  timeoutMs: 10000\n${extra}`;

const CONFIG = (url: string, llmExtra = '') =>
  configYaml(`environments:\n  lab: { kind: demo }\n  shared: { kind: demo, shareToolResults: true }\n  readonly: { kind: demo, agentTools: ['demo.util.*'] }\n${llmYaml(url, llmExtra)}`);

const prompt = (d: TestDaemon, body: object, role: 'operator' | 'admin' = 'operator') => request(d.url).post('/runs').set('Authorization', bearer(role)).send(body);
const approvalsOf = async (d: TestDaemon, runId: string) =>
  (await request(d.url).get(`/approvals?status=pending&runId=${runId}`).set('Authorization', bearer('viewer')).expect(200)).body.approvals as any[];
const decide = (d: TestDaemon, id: string, body: object, role: 'approver' | 'admin' = 'approver') => request(d.url).post(`/approvals/${id}`).set('Authorization', bearer(role)).send(body);

describe('agent runs over the scripted OpenAI-compatible server', () => {
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

  it('answers a prompt with a read tool; privacy mode keeps the result from the model but not from the run', async () => {
    const before = llm.requests.length;
    llm.push({ toolCalls: [{ name: 'demo__util__echo', args: { message: 'customer secret list' } }] }, { content: 'Echo worked.' });
    const res = await prompt(d, { prompt: 'Echo something', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ kind: 'prompt', state: 'succeeded', reason: null, outputs: { answer: 'Echo worked.', usage: { modelCalls: 2, toolCalls: 1 } } });
    const call = run.steps.find((s: any) => s.tool === 'demo.util.echo');
    expect(call).toMatchObject({ state: 'succeeded', output: expect.objectContaining({ message: 'customer secret list' }) });
    const second = llm.requests[before + 1].body;
    const shown = toolMessages(second);
    expect(shown).toHaveLength(1);
    expect(shown[0].content).not.toContain('customer secret list');
    expect(JSON.parse(shown[0].content)).toMatchObject({ tool: 'demo.util.echo', ok: true, size: expect.any(Number) });
    // The model was offered the demo tools with the run's environment as the only choice.
    const offered = llm.requests[before].body.tools!.map((t) => t.function.name);
    expect(offered).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));
    const list = llm.requests[before].body.tools!.find((t) => t.function.name === 'demo__notes__list')!;
    expect((list.function.parameters as any).properties.environment.enum).toEqual(['lab']);
  });

  it('a mutating call parks the run with an approval; approve runs it and the model continues', async () => {
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'agent-note', text: 'hello', environment: 'lab' } }] }, { content: 'Wrote the note.' });
    const res = await prompt(d, { prompt: 'Write a note', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const [a] = await approvalsOf(d, res.body.id);
    expect(a).toMatchObject({ tool: 'demo.notes.write', input: { key: 'agent-note', text: 'hello' }, plan: { wouldChange: true }, requestedBy: 'operator' });
    await decide(d, a.id, { decision: 'approve', comment: 'fine' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'Wrote the note.' } });
    const report = await request(d.url).get(`/runs/${res.body.id}/report?format=md`).set('Authorization', bearer('viewer')).expect(200);
    expect(report.text).toMatch(/approve by \*\*approver\*\*/);
  });

  it('a rejection reaches the model as a tool error with the comment; it may try something else', async () => {
    let seen = '';
    llm.push(
      { toolCalls: [{ name: 'demo__notes__delete', args: { key: 'agent-note', environment: 'lab' } }] },
      (req) => {
        seen = toolMessages(req).map((m) => m.content).join('\n');
        return { content: 'Understood, I did not delete it.' };
      },
    );
    const res = await prompt(d, { prompt: 'Delete the note', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const [a] = await approvalsOf(d, res.body.id);
    await decide(d, a.id, { decision: 'reject', comment: 'keep it, finance needs it' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    expect(seen).toContain('APPROVAL_REJECTED');
    expect(seen).toContain('approver');
    expect(seen).toContain('keep it, finance needs it');
  });

  it('without a configured model, prompt runs answer LLM_NOT_CONFIGURED and playbooks still work', async () => {
    const bare = await startTestDaemon(configYaml('environments:\n  lab: { kind: demo }\n'));
    try {
      const r = await prompt(bare, { prompt: 'hi', environments: ['lab'] }).expect(409);
      expect(r.body).toMatchObject({ code: 'LLM_NOT_CONFIGURED' });
      expect(r.body.detail).toMatch(/llm\.provider/);
    } finally {
      await bare.close();
    }
  });

  it('streams model calls, proposed calls and results as run events', async () => {
    llm.push({ toolCalls: [{ name: 'demo__util__noop', args: { environment: 'lab' } }] }, { content: 'done' });
    const res = await prompt(d, { prompt: 'noop', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    const sse = await readSse(`${d.url}/runs/${res.body.id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished' });
    const types = sse.messages.map((m: any) => m.event);
    expect(types).toEqual(expect.arrayContaining(['agent.model', 'agent.proposed', 'agent.result', 'agent.answer', 'run.finished']));
    const end = sse.messages.find((m: any) => m.event === 'agent.model' && m.data.data.phase === 'end');
    expect(end!.data.data).toMatchObject({ usage: { input: 100, output: 20, total: 120 }, latencyMs: expect.any(Number) });
  });
});
