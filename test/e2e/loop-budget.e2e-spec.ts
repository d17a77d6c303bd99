import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { readSse } from '../helpers/sse.js';
import { scriptedLlmYaml, startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

/** loop.budget: what a loop's agent steps may spend together, counted from their persisted rows (restarts included). */
const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-budget');
const CONFIG = (llm: string) => configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n${scriptedLlmYaml(llm, { maxRetries: 0, timeoutMs: 10000 })}`);
const echo = (message: string) => ({ toolCalls: [{ name: 'demo__util__echo', args: { message } }] });

describe('loop budget', () => {
  let llm: ScriptedLlm;
  let d: TestDaemon;
  beforeAll(async () => {
    llm = await startScriptedLlm();
    d = await startTestDaemon(CONFIG(llm.url));
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await llm?.close();
  });
  const start = (inputs: object) => request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'budget-loop', environments: { target: 'lab' }, inputs }).expect(202);
  const approvePending = async (id: string) => {
    await waitForRun(d, id, ['awaiting_approval'], 30_000);
    const { approvals } = (await request(d.url).get(`/approvals?runId=${id}&status=pending`).set('Authorization', bearer('viewer')).expect(200)).body;
    expect(approvals).toHaveLength(1);
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
  };
  const loopOutput = async (id: string) => {
    const sse = await readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') });
    return { done: sse.messages.find((m) => m.event === 'step.succeeded' && m.data.stepKey === 'rounds')?.data.data.output, progress: sse.messages.filter((m) => m.event === 'step.progress').map((m) => m.data.data.message) };
  };

  it('model calls: round 2 runs after a restart with only what the rows say is left; its first agent runs out, the next is not started, the other steps run, the loop stops with stoppedBy budget and the run goes on', async () => {
    llm.push(echo('one'), { content: 'first' }, { content: 'no' }, echo('two'));
    const { body } = await start({ modelCalls: 4 });
    // Round 0's write waits for its approval; the daemon restarts meanwhile: round 1 runs in a new process, where
    // only the rows say that round 0's agents made 3 model calls.
    await waitForRun(d, body.id, ['awaiting_approval'], 30_000);
    const dir = d.dir;
    await d.close();
    d = await startTestDaemon(CONFIG(llm.url), { dir });
    await approvePending(body.id);
    const run = await waitForRun(d, body.id, ['succeeded', 'failed', 'awaiting_approval'], 60_000);
    expect(run.state).toBe('succeeded');
    expect(run.outputs).toEqual({ rounds: 2, thought: ['succeeded', 'failed'], tally: ['round 0: succeeded, succeeded', 'round 1: failed, skipped'], after: 'after 2 round(s)' });
    const byKey = Object.fromEntries(run.steps.map((s: { key: string }) => [s.key, s]));
    expect(byKey['rounds[1].think']).toMatchObject({ state: 'failed', error: { code: 'LOOP_BUDGET_SPENT', message: expect.stringContaining("the limit of 1 model calls was reached (what the loop's budget left it)") } });
    expect(byKey['rounds[1].write']).toMatchObject({ state: 'skipped' });
    expect(byKey['rounds[1].again']).toMatchObject({ state: 'skipped', error: { code: 'LOOP_BUDGET_SPENT', message: "not started: the loop's budget of model calls is spent" } });
    expect(byKey['after']).toMatchObject({ state: 'succeeded' });
    expect(llm.remaining()).toBe(0);
    const { done, progress } = await loopOutput(body.id);
    expect(done).toEqual({ rounds: 2, stoppedBy: 'budget', budget: { modelCalls: 4, toolCalls: 100, tokens: 1000000 }, used: { modelCalls: 4, toolCalls: 2, tokens: 480 } });
    expect(progress).toEqual(['round 1 of at most 5', 'round 2 of at most 5', expect.stringMatching(/^budget spent in round 2 at think: agent rounds\[1\]\.think: the limit of 1 model calls/)]);
  }, 180_000);

  it('tool calls: a round starts only while something is left; the next round does not start when round 1 spent it', async () => {
    llm.push(echo('a'), { content: 'first' }, echo('b'), { content: 'no' });
    const { body } = await start({ toolCalls: 2, modelCalls: 50 });
    await approvePending(body.id);
    const run = await waitForRun(d, body.id, ['succeeded', 'failed'], 60_000);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { rounds: 1, thought: ['succeeded'], tally: ['round 0: succeeded, succeeded'], after: 'after 1 round(s)' } });
    expect(run.steps.some((s: { key: string }) => s.key.startsWith('rounds[1]'))).toBe(false);
    const { done, progress } = await loopOutput(body.id);
    expect(done).toMatchObject({ rounds: 1, stoppedBy: 'budget', used: { toolCalls: 2, modelCalls: 4 } });
    expect(progress).toEqual(['round 1 of at most 5', 'budget spent before round 2: 2 of 2 tool calls']);
    expect(llm.remaining()).toBe(0);
  }, 120_000);

  it('a budget that renders to no whole number fails the loop step naming the field', async () => {
    const { body } = await start({ modelCalls: 0 });
    const run = await waitForRun(d, body.id, ['succeeded', 'failed'], 30_000);
    expect(run.state).toBe('failed');
    expect(run.steps[0]).toMatchObject({ key: 'rounds', state: 'failed', error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('loop.budget.modelCalls must be a whole number from 1 to 1000000; got 0') } });
  }, 60_000);
});
