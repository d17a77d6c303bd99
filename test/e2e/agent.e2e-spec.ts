import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';
import { scriptedLlmYaml, startScriptedLlm, toolMessages, type ScriptedLlm } from '../llm-sim/scripted-llm.js';
import { textOf } from '../../src/sandbox/demo-model/openai-wire.js';

const llmYaml = (url: string, extra = '') => scriptedLlmYaml(url, { maxRetries: 2, timeoutMs: 10000, extra });

const AGENT_PLAYBOOKS = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-agent');
const CONFIG = (url: string, llmExtra = '') =>
  configYaml(
    `environments:\n  lab: { kind: demo }\n  sandbox: { kind: demo, policy: { requireFor: [] } }\n  shared: { kind: demo, shareToolResults: true, policy: { requireFor: [] } }\n  readonly: { kind: demo, agentTools: ['demo.util.*'] }\n  pair: { kind: demo, policy: { approvers: 2 } }\n` +
      `playbooks:\n  dirs: [${AGENT_PLAYBOOKS}]\n${llmYaml(url, llmExtra)}`,
  );

const prompt = (d: TestDaemon, body: object, role: 'operator' | 'admin' = 'operator') => request(d.url).post('/runs').set('Authorization', bearer(role)).send(body);
const approvalsOf = async (d: TestDaemon, runId: string) =>
  (await request(d.url).get(`/approvals?status=pending&runId=${runId}`).set('Authorization', bearer('approver')).expect(200)).body.approvals as any[];
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

  it('answers a read-only question from two tool calls; privacy mode: no result content ever reaches the model server', async () => {
    const before = llm.requests.length;
    llm.push(
      { toolCalls: [{ name: 'demo__util__echo', args: { message: 'customer secret list', uppercase: true } }] },
      { toolCalls: [{ name: 'demo__notes__list', args: { environment: 'lab' } }] },
      { content: 'Echo worked and there are notes.' },
    );
    const res = await prompt(d, { prompt: 'Echo something, then list the notes', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ kind: 'prompt', state: 'succeeded', reason: null, outputs: { answer: 'Echo worked and there are notes.', usage: { modelCalls: 3, toolCalls: 2 } } });
    const call = run.steps.find((s: any) => s.tool === 'demo.util.echo');
    expect(call).toMatchObject({ state: 'succeeded', output: expect.objectContaining({ message: 'CUSTOMER SECRET LIST' }) });
    expect(run.steps.find((s: any) => s.tool === 'demo.notes.list')).toMatchObject({ state: 'succeeded' });
    const sent = llm.requests.slice(before);
    expect(sent).toHaveLength(3);
    for (const r of sent) expect(JSON.stringify(r.body)).not.toContain('CUSTOMER SECRET LIST');
    const shown = toolMessages(sent[2].body);
    expect(shown).toHaveLength(2);
    expect(JSON.parse(shown[0].content)).toMatchObject({ tool: 'demo.util.echo', ok: true, size: expect.any(Number) });
    expect(JSON.parse(shown[1].content)).toMatchObject({ tool: 'demo.notes.list', ok: true, count: expect.any(Number) });
    // The model was offered the demo tools with the run's environment as the only choice.
    const offered = sent[0].body.tools!.map((t) => t.function.name);
    expect(offered).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));
    const list = sent[0].body.tools!.find((t) => t.function.name === 'demo__notes__list')!;
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

  it('a rejection reaches the model as a tool error with the comment, and its different plan is approved and runs', async () => {
    let seen = '';
    llm.push(
      { toolCalls: [{ name: 'demo__notes__delete', args: { key: 'agent-note', environment: 'lab' } }] },
      (req) => {
        seen = toolMessages(req).map((m) => m.content).join('\n');
        return { toolCalls: [{ name: 'demo__notes__write', args: { key: 'agent-note-archived', text: 'archived instead', environment: 'lab' } }] };
      },
      { content: 'Archived it instead of deleting.' },
    );
    const res = await prompt(d, { prompt: 'Delete the note', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const [a] = await approvalsOf(d, res.body.id);
    expect(a).toMatchObject({ tool: 'demo.notes.delete', effect: 'destructive' });
    await decide(d, a.id, { decision: 'reject', comment: 'keep it, finance needs it' }).expect(200);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    let b: any;
    for (let i = 0; i < 200 && !b; i++) {
      b = (await approvalsOf(d, res.body.id)).find((x) => x.tool === 'demo.notes.write');
      if (!b) await new Promise((r) => setTimeout(r, 25));
    }
    expect(b).toMatchObject({ input: { key: 'agent-note-archived' } });
    await decide(d, b.id, { decision: 'approve' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'Archived it instead of deleting.' } });
    expect(seen).toContain('APPROVAL_REJECTED');
    expect(seen).toContain('approver rejected this call');
    expect(seen).toContain('keep it, finance needs it');
    expect(run.steps.filter((s: any) => s.tool === 'demo.notes.delete')).toEqual([expect.objectContaining({ state: 'failed' })]);
    expect(run.steps.find((s: any) => s.tool === 'demo.notes.write')).toMatchObject({ state: 'succeeded' });
  });

  it('invalid arguments come back to the model as a tool error and create no approval; a looping model is refused, then stopped', async () => {
    let seen = '';
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'Bad Key!', text: 1, environment: 'lab' } }] }, (req) => {
      seen = toolMessages(req).map((m) => m.content).join('\n');
      return { content: 'my arguments were wrong' };
    });
    const res = await prompt(d, { prompt: 'write badly', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    expect(seen).toContain('TOOL_INPUT_INVALID');
    expect(seen).toContain('input.key');
    const all = await request(d.url).get(`/approvals?runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(all.body.approvals).toHaveLength(0);

    for (let i = 0; i < 7; i++) llm.push({ toolCalls: [{ name: 'demo__util__noop', args: {} }] });
    const loop = await prompt(d, { prompt: 'loop forever', environments: ['lab'] }).expect(202);
    const stopped = await waitForRun(d, loop.body.id, ['succeeded', 'failed']);
    expect(stopped.state).toBe('failed');
    expect(stopped.reason).toMatch(/kept repeating demo\.util\.noop with the same arguments/);
    expect(stopped.steps.filter((s: any) => s.tool === 'demo.util.noop' && s.state === 'succeeded')).toHaveLength(3);
    expect(stopped.steps.filter((s: any) => s.tool === 'demo.util.noop' && s.state === 'skipped').length).toBeGreaterThanOrEqual(1);
    expect(llm.remaining()).toBe(0);
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

  it('an approver may change the arguments (re-validated, same tool only); the call runs with them and the model is told', async () => {
    let seen = '';
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'draft-note', text: 'draft', environment: 'lab' } }] }, (req) => {
      seen = toolMessages(req).map((m) => m.content).join('\n');
      return { content: 'ok' };
    });
    const res = await prompt(d, { prompt: 'Write a draft', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const [a] = await approvalsOf(d, res.body.id);
    const invalid = await decide(d, a.id, { decision: 'approve', input: { key: 'Not Valid!', text: 'x' } }).expect(400);
    expect(invalid.body).toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    expect(invalid.body.detail).toContain('input.key');
    const other = await decide(d, a.id, { decision: 'approve', tool: 'demo.notes.delete', input: { key: 'draft-note' } }).expect(400);
    expect(other.body).toMatchObject({ code: 'APPROVAL_EDIT_REFUSED' });
    const still = await request(d.url).get(`/approvals/${a.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(still.body).toMatchObject({ status: 'pending', input: { key: 'draft-note', text: 'draft' }, editedBy: null });
    const ok = await decide(d, a.id, { decision: 'approve', tool: 'demo.notes.write', input: { key: 'final-note', text: 'final' } }).expect(200);
    expect(ok.body).toMatchObject({ status: 'approved', input: { key: 'final-note', text: 'final' }, originalInput: { key: 'draft-note', text: 'draft' }, editedBy: 'approver' });
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    const call = run.steps.find((s: any) => s.tool === 'demo.notes.write');
    expect(call).toMatchObject({ state: 'succeeded', input: { key: 'final-note', text: 'final' }, output: { key: 'final-note' } });
    expect(seen).toContain('approver changed the arguments');
    expect(seen).toContain('final-note');
  });

  it('several mutating calls proposed at once are decided one by one; a rejection does not drop the approved one', async () => {
    let seen: { id: string; content: string }[] = [];
    llm.push(
      {
        toolCalls: [
          { name: 'demo__notes__write', args: { key: 'first', text: '1', environment: 'lab' }, id: 'call_first' },
          { name: 'demo__notes__write', args: { key: 'second', text: '2', environment: 'lab' }, id: 'call_second' },
        ],
      },
      (req) => {
        seen = toolMessages(req);
        return { content: 'first written, second refused' };
      },
    );
    const res = await prompt(d, { prompt: 'Write two notes', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const pending = await approvalsOf(d, res.body.id);
    expect(pending.map((a) => a.input.key).sort()).toEqual(['first', 'second']);
    const first = pending.find((a) => a.input.key === 'first');
    const second = pending.find((a) => a.input.key === 'second');
    await decide(d, first.id, { decision: 'approve' }).expect(200);
    // The approved call runs; the run waits again for the other decision.
    const between = await waitForRun(d, res.body.id, ['awaiting_approval'], 15000).then(async () => {
      for (let i = 0; i < 200; i++) {
        const r = await request(d.url).get(`/runs/${res.body.id}`).set('Authorization', bearer('viewer'));
        if (r.body.steps.some((s: any) => s.key === 'agent.call_first' && s.state === 'succeeded') && r.body.state === 'awaiting_approval') return r.body;
        await new Promise((r2) => setTimeout(r2, 25));
      }
      throw new Error('the approved call did not run while the other waited');
    });
    expect(between.steps.find((s: any) => s.key === 'agent.call_second')).toMatchObject({ state: 'awaiting_approval' });
    await decide(d, second.id, { decision: 'reject', comment: 'one is enough' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    expect(run.steps.find((s: any) => s.key === 'agent.call_first')).toMatchObject({ state: 'succeeded', output: { key: 'first' } });
    expect(run.steps.find((s: any) => s.key === 'agent.call_second')).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_REJECTED' } });
    expect(seen.find((m) => m.id === 'call_first')?.content).toContain('"ok":true');
    expect(seen.find((m) => m.id === 'call_second')?.content).toContain('one is enough');
  });

  it('three mutating calls at once: each parks on its own approval, none crashes the run, all run once approved', async () => {
    llm.push(
      { toolCalls: ['t1', 't2', 't3'].map((k) => ({ name: 'demo__notes__write', args: { key: k, text: k, environment: 'lab' }, id: `call_${k}` })) },
      { content: 'three written' },
    );
    const res = await prompt(d, { prompt: 'Write three notes', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const pending = await approvalsOf(d, res.body.id);
    expect(pending).toHaveLength(3);
    await decide(d, pending[0].id, { decision: 'approve' }).expect(200);
    for (let i = 0; i < 200; i++) {
      const r = await request(d.url).get(`/runs/${res.body.id}`).set('Authorization', bearer('viewer'));
      expect(r.body.state).not.toBe('failed');
      if (r.body.state === 'awaiting_approval' && r.body.steps.filter((s: any) => s.tool === 'demo.notes.write' && s.state === 'succeeded').length === 1) break;
      await new Promise((r2) => setTimeout(r2, 25));
    }
    for (const a of pending.slice(1)) await decide(d, a.id, { decision: 'approve' }).expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run).toMatchObject({ state: 'succeeded', reason: null, outputs: { answer: 'three written' } });
    expect(run.steps.filter((s: any) => s.tool === 'demo.notes.write' && s.state === 'succeeded')).toHaveLength(3);
  });

  it('with two approvers, approving a call someone else edited needs the digest of the edited version', async () => {
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'pair-note', text: 'draft', environment: 'pair' } }] }, { content: 'ok' });
    const res = await prompt(d, { prompt: 'write in pair', environments: ['pair'] }).expect(202);
    await waitForRun(d, res.body.id, ['awaiting_approval']);
    const [a] = await approvalsOf(d, res.body.id);
    const edited = await decide(d, a.id, { decision: 'approve', input: { key: 'pair-note', text: 'final' } }).expect(200);
    expect(edited.body).toMatchObject({ status: 'pending', editedBy: 'approver', plan: { wouldChange: true }, callDigest: expect.any(String) });
    const stale = await decide(d, a.id, { decision: 'approve' }, 'admin').expect(409);
    expect(stale.body).toMatchObject({ code: 'APPROVAL_CHANGED' });
    expect(stale.body.detail).toContain(edited.body.callDigest);
    await decide(d, a.id, { decision: 'approve', digest: edited.body.callDigest }, 'admin').expect(200);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.steps.find((s: any) => s.tool === 'demo.notes.write')).toMatchObject({ state: 'succeeded', input: { key: 'pair-note', text: 'final' } });
  });

  it('a headerless 429 is retried too', async () => {
    llm.push({ status: 429, message: 'rate limited' }, { content: 'after the 429' });
    const res = await prompt(d, { prompt: 'hi', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 30000);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'after the 429' } });
  });

  it('allow-lists: the request narrows the tools; an environment can too; a call outside them is refused', async () => {
    const before = llm.requests.length;
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'sneaky', text: 'x', environment: 'lab' } }] }, { content: 'could not' });
    const res = await prompt(d, { prompt: 'try', environments: ['lab'], tools: ['demo.util.*'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('succeeded');
    expect(llm.requests[before].body.tools!.map((t) => t.function.name).sort()).toEqual(['demo__util__echo', 'demo__util__noop', 'demo__util__slow', 'demo__util__stall', 'steward__ask']);
    expect(toolMessages(llm.requests[before + 1].body)[0].content).toContain('TOOL_NOT_ALLOWED');
    expect(run.steps.filter((s: any) => s.tool === 'demo.notes.write')).toHaveLength(0);

    const before2 = llm.requests.length;
    llm.push({ content: 'nothing to do' });
    const r2 = await prompt(d, { prompt: 'list', environments: ['readonly'] }).expect(202);
    await waitForRun(d, r2.body.id, ['succeeded']);
    expect(llm.requests[before2].body.tools!.map((t) => t.function.name).every((n) => n.startsWith('demo__util__') || n === 'steward__ask')).toBe(true);

    const none = await prompt(d, { prompt: 'x', environments: ['readonly'], tools: ['demo.notes.*'] }).expect(400);
    expect(none.body.detail).toMatch(/no tool is usable with environments readonly and tools demo\.notes\.\*/);
    const bad = await prompt(d, { prompt: 'x', environments: ['nowhere'], tools: ['nothing.*'] }).expect(400);
    expect(bad.body.detail).toContain('no environment "nowhere"');
    expect(bad.body.detail).toContain('no enabled tool matches "nothing.*"');
  });

  it('malformed tool-call JSON gets one repair round; model 429 and 500 are retried', async () => {
    const before = llm.requests.length;
    llm.push(
      { rawToolCalls: [{ name: 'demo__util__noop', arguments: '{"oops": ' }] },
      { status: 429, retryAfter: 0, message: 'slow down' },
      { status: 500, message: 'upstream hiccup' },
      { content: 'fine now' },
    );
    const res = await prompt(d, { prompt: 'noop please', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 30000);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'fine now' } });
    expect(llm.requests.length - before).toBe(4);
    const repair = llm.requests[before + 1].body.messages.at(-1)!;
    expect(repair.role).toBe('user');
    expect(String(repair.content)).toContain('valid JSON');
  });

  it('a model that keeps failing ends the run with the reason', async () => {
    llm.push({ status: 500 }, { status: 500 }, { status: 500 });
    const res = await prompt(d, { prompt: 'hello', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 30000);
    expect(run.state).toBe('failed');
    expect(run.reason).toMatch(/model call failed after retries/);
  });

  it('an agent step picks with structured output (one repair), and the next step acts on it through the gate', async () => {
    const before = llm.requests.length;
    llm.push({ content: 'I would pick alpha and beta.' }, { content: '```json\n{"keys": ["alpha", "beta"]}\n```' });
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-agent-pick', environments: { target: 'sandbox' } }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    // The output schema is in the system prompt from the first call on (not only in the repair request).
    const system = textOf(llm.requests[before]!.body.messages.find((m) => m.role === 'system')?.content);
    expect(system).toContain('must be only a JSON value, no other text, valid against this JSON Schema:\n{"type":"object","required":["keys"]');
    expect(run).toMatchObject({ state: 'succeeded', reason: null, outputs: { picked: ['alpha', 'beta'], written: ['alpha', 'beta'] } });
    expect(run.steps.find((s: any) => s.key === 'pick')).toMatchObject({ kind: 'agent', state: 'succeeded', output: { output: { keys: ['alpha', 'beta'] } } });

    llm.push({ content: 'not json' }, { content: '{"keys": ["UPPER CASE"]}' });
    const bad = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-agent-pick', environments: { target: 'sandbox' } }).expect(202);
    const failed = await waitForRun(d, bad.body.id, ['succeeded', 'failed']);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toMatch(/does not match the output schema after one repair attempt: answer\.keys\/0|answer\.keys\[0\]/);
    expect(failed.steps.filter((s: any) => s.key.startsWith('write'))).toHaveLength(0);
  });

  it('privacy per run and per agent step: results stay from the model even where the environment shares them', async () => {
    const shownFor = async (body: object) => {
      let shown = '';
      llm.push({ toolCalls: [{ name: 'demo__notes__list', args: { environment: 'shared' } }] }, (req) => {
        shown = toolMessages(req).map((m) => m.content).join('\n');
        return { content: '{"keys": []}' };
      });
      const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send(body).expect(202);
      expect((await waitForRun(d, res.body.id, ['succeeded', 'failed'])).state).toBe('succeeded');
      return JSON.parse(shown);
    };
    expect(await shownFor({ playbook: 'demo-agent-pick', environments: { target: 'shared' } })).toMatchObject({ tool: 'demo.notes.list', result: expect.any(Object) });
    const run = await shownFor({ playbook: 'demo-agent-pick', environments: { target: 'shared' }, shareToolResults: false });
    expect(run).not.toHaveProperty('result');
    expect(run).toMatchObject({ tool: 'demo.notes.list', ok: true, count: expect.any(Number) });
    const step = await shownFor({ playbook: 'demo-agent-pick-private', environments: { target: 'shared' } });
    expect(step).not.toHaveProperty('result');
    await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-agent-pick', environments: { target: 'shared' }, shareToolResults: true }).expect(400);
  });

  it('threads keep the conversation in the store, belong to their creator, and take one message at a time', async () => {
    const created = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'], title: 'notes' }).expect(201);
    const id = created.body.id;
    llm.push({ content: 'Hello! How can I help?' });
    const m1 = await request(d.url).post(`/threads/${id}/messages`).set('Authorization', bearer('operator')).send({ content: 'hi' }).expect(202);
    await waitForRun(d, m1.body.runId, ['succeeded'], 15000, 'operator');
    const before = llm.requests.length;
    llm.push({ content: 'You said hi.' });
    const m2 = await request(d.url).post(`/threads/${id}/messages`).set('Authorization', bearer('operator')).send({ content: 'what did I say?' }).expect(202);
    await waitForRun(d, m2.body.runId, ['succeeded'], 15000, 'operator');
    const sent = llm.requests[before].body.messages.map((m) => [m.role, m.content]);
    expect(sent).toEqual(expect.arrayContaining([['user', 'hi'], ['assistant', 'Hello! How can I help?'], ['user', 'what did I say?']]));
    const view = await request(d.url).get(`/threads/${id}`).set('Authorization', bearer('operator')).expect(200);
    expect(view.body).toMatchObject({ id, owner: 'operator', title: 'notes', environments: ['lab'] });
    expect(view.body.messages.map((m: any) => [m.role, m.content])).toEqual([['user', 'hi'], ['assistant', 'Hello! How can I help?'], ['user', 'what did I say?'], ['assistant', 'You said hi.']]);
    expect(view.body.runs.map((r: any) => r.id)).toEqual([m1.body.runId, m2.body.runId]);
    await request(d.url).get(`/threads/${id}`).set('Authorization', bearer('approver')).expect(404);
    const missing = await request(d.url).get('/threads/thr_doesnotexist').set('Authorization', bearer('operator')).expect(404);
    expect(missing.body).toMatchObject({ code: 'THREAD_NOT_FOUND' });
    await request(d.url).post('/threads/thr_doesnotexist/messages').set('Authorization', bearer('operator')).send({ content: 'x' }).expect(404);
    await request(d.url).post(`/threads/${id}/messages`).set('Authorization', bearer('approver')).send({ content: 'hijack' }).expect(404);
    await request(d.url).get(`/threads/${id}`).set('Authorization', bearer('admin')).expect(200);
    await request(d.url).get(`/threads/${id}`).set('Authorization', bearer('viewer')).expect(403);
    // Busy: a message waiting for an approval blocks the next one.
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'thread-note', text: 't', environment: 'lab' } }] }, { content: 'written' });
    const m3 = await request(d.url).post(`/threads/${id}/messages`).set('Authorization', bearer('operator')).send({ content: 'write a note' }).expect(202);
    await waitForRun(d, m3.body.runId, ['awaiting_approval'], 15000, 'operator');
    const busy = await request(d.url).post(`/threads/${id}/messages`).set('Authorization', bearer('operator')).send({ content: 'and another' }).expect(409);
    expect(busy.body).toMatchObject({ code: 'THREAD_BUSY' });
    const [a] = await approvalsOf(d, m3.body.runId);
    await decide(d, a.id, { decision: 'approve' }).expect(200);
    await waitForRun(d, m3.body.runId, ['succeeded'], 15000, 'operator');
    const list = await request(d.url).get('/threads').set('Authorization', bearer('operator')).expect(200);
    expect(list.body.threads.map((t: any) => t.id)).toContain(id);
  });

  it('a thread message after a cancelled one closes the abandoned call instead of resuming it', async () => {
    const { body: t } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'abandoned', text: 'x', environment: 'lab' } }] });
    const m1 = await request(d.url).post(`/threads/${t.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'write abandoned' }).expect(202);
    await waitForRun(d, m1.body.runId, ['awaiting_approval'], 15000, 'operator');
    await request(d.url).post(`/runs/${m1.body.runId}/cancel`).set('Authorization', bearer('operator')).expect(200);
    let sent: any[] = [];
    llm.push((req) => {
      sent = req.messages;
      return { content: 'hi there' };
    });
    const m2 = await request(d.url).post(`/threads/${t.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'never mind, just say hi' }).expect(202);
    const run = await waitForRun(d, m2.body.runId, ['succeeded', 'failed'], 15000, 'operator');
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'hi there' } });
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(String(sent[3].content)).toContain('NOT_RUN');
    const approvals = await request(d.url).get(`/approvals?runId=${m2.body.runId}`).set('Authorization', bearer('approver')).expect(200);
    expect(approvals.body.approvals).toHaveLength(0);
  });

  it('two messages posted to a thread at once: one starts, the other is told the thread is busy', async () => {
    const { body: t } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ content: 'one', delayMs: 300 }, { content: 'two', delayMs: 300 });
    const post = (c: string) => request(d.url).post(`/threads/${t.id}/messages`).set('Authorization', bearer('operator')).send({ content: c });
    const [a, b] = await Promise.all([post('first'), post('second')]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const ok = a.status === 202 ? a : b;
    await waitForRun(d, ok.body.runId, ['succeeded'], 15000, 'operator');
    llm.clear(); // the refused message never asked the model
  });
});

describe('agent limits and shared results', () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\n${llmYaml(llm.url, '  shareToolResults: true\n  maxResultBytes: 600\n  limits: { maxModelCalls: 3, maxToolCalls: 5, maxTokens: 100000 }\n')}`));
  });
  afterAll(async () => {
    await d.close();
    await llm.close();
  });

  it('shared results are cut to the byte budget with a note; a run can still opt out', async () => {
    const before = llm.requests.length;
    llm.push({ toolCalls: [{ name: 'demo__util__echo', args: { message: 'x'.repeat(5000) } }] }, { content: 'long' });
    const res = await prompt(d, { prompt: 'echo long', environments: ['lab'] }).expect(202);
    await waitForRun(d, res.body.id, ['succeeded']);
    const shown = toolMessages(llm.requests[before + 1].body)[0].content;
    expect(Buffer.byteLength(shown)).toBeLessThanOrEqual(600);
    expect(JSON.parse(shown)).toMatchObject({ tool: 'demo.util.echo', ok: true, truncated: expect.stringContaining('string(s) shortened') });

    const before2 = llm.requests.length;
    llm.push({ toolCalls: [{ name: 'demo__util__echo', args: { message: 'private words' } }] }, { content: 'ok' });
    const r2 = await prompt(d, { prompt: 'echo', environments: ['lab'], shareToolResults: false }).expect(202);
    await waitForRun(d, r2.body.id, ['succeeded']);
    const hidden = toolMessages(llm.requests[before2 + 1].body)[0].content;
    expect(hidden).not.toContain('private words');
  });

  it('the tool-call limit and the token budget end the run with the reason', async () => {
    llm.push({ toolCalls: Array.from({ length: 6 }, (_, i) => ({ name: 'demo__util__echo', args: { message: `m${i}` } })) });
    const res = await prompt(d, { prompt: 'many', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('failed');
    expect(run.reason).toContain('limit of 5 tool calls');

    llm.push({ content: 'expensive', usage: { prompt_tokens: 90_000, completion_tokens: 20_000 } });
    const r2 = await prompt(d, { prompt: 'spend', environments: ['lab'] }).expect(202);
    const spent = await waitForRun(d, r2.body.id, ['succeeded', 'failed']);
    expect(spent.state).toBe('failed');
    expect(spent.reason).toContain('token budget of 100000 was used up (110000 tokens)');
  });

  it('reaching the model-call limit ends the run failed with the reason', async () => {
    for (let i = 0; i < 3; i++) llm.push({ toolCalls: [{ name: 'demo__util__noop', args: {} }] });
    const res = await prompt(d, { prompt: 'loop', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('failed');
    expect(run.reason).toContain('limit of 3 model calls');
    expect(run.steps.find((s: any) => s.key === 'agent')).toMatchObject({ state: 'failed', error: { code: 'AGENT_STOPPED' } });
  });
});

describe('a provider that times out', () => {
  it('is retried, then the run fails saying so', async () => {
    const llm = await startScriptedLlm();
    const d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nllm:\n  provider: openai-compatible\n  baseUrl: ${llm.url}\n  model: slow\n  timeoutMs: 300\n  maxRetries: 1\n`));
    try {
      llm.push({ content: 'late', delayMs: 2000 }, { content: 'late again', delayMs: 2000 });
      const res = await prompt(d, { prompt: 'hello?', environments: ['lab'] }).expect(202);
      const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 20000);
      expect(run.state).toBe('failed');
      expect(run.reason).toMatch(/model call failed after retries: timed out \(2 attempt\(s\) of at most 300 ms each; llm\.timeoutMs\)/);
      expect(llm.requests).toHaveLength(2);
    } finally {
      await d.close();
      await llm.close();
    }
  });
});

describe('agent runs survive a restart', () => {
  it('a run waiting for an approval continues after the daemon restarts', async () => {
    const llm = await startScriptedLlm();
    const yaml = configYaml(`environments:\n  lab: { kind: demo }\n${llmYaml(llm.url)}`);
    let d = await startTestDaemon(yaml);
    const dir = d.dir;
    try {
      llm.push({ toolCalls: [{ name: 'demo__notes__write', args: { key: 'durable', text: 'kept', environment: 'lab' } }] });
      const res = await prompt(d, { prompt: 'write durable', environments: ['lab'] }).expect(202);
      await waitForRun(d, res.body.id, ['awaiting_approval']);
      await d.close();
      d = await startTestDaemon(yaml, { dir });
      let seen = '';
      llm.push((req) => {
        seen = toolMessages(req).map((m) => m.content).join('\n');
        return { content: 'done after restart' };
      });
      const [a] = await approvalsOf(d, res.body.id);
      await decide(d, a.id, { decision: 'approve' }).expect(200);
      const run = await waitForRun(d, res.body.id, ['succeeded', 'failed']);
      expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'done after restart' } });
      expect(seen).toContain('"ok":true');
      expect(run.steps.filter((s: any) => s.tool === 'demo.notes.write')).toHaveLength(1);
    } finally {
      await d.close();
      await llm.close();
    }
  });
});
