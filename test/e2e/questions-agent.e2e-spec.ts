import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { scriptedLlmYaml, startScriptedLlm, toolMessages, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const CONFIG = (url: string) =>
  configYaml(`environments:\n  lab: { kind: demo }\n${scriptedLlmYaml(url, { maxRetries: 1, timeoutMs: 10000 })}`);

describe('questions: the agent asks through steward.ask', () => {
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

  it('the model asks, the run parks, the person answers over REST, and the model receives the answer as the tool result', async () => {
    const before = llm.requests.length;
    llm.push(
      { toolCalls: [{ id: 'call_ask', name: 'steward__ask', args: { question: 'Which schema first?', answer: { type: 'string', enum: ['sales', 'hr'] } } }] },
      (req) => {
        const answer = JSON.parse(toolMessages(req).at(-1)!.content) as { answer: string; answeredBy: string };
        return { content: `Starting with ${answer.answer} as ${answer.answeredBy} said.` };
      },
    );
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'Profile the database', environments: ['lab'] }).expect(202);
    const q = await until('the agent\'s question', async () => {
      const r = await request(d.url).get(`/questions?status=pending&runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200);
      return r.body.questions[0];
    }, 30000, 50);
    expect(q).toMatchObject({ question: 'Which schema first?', schema: { enum: ['sales', 'hr'] }, stepKey: 'agent.call_ask', askedBy: 'operator' });
    const waiting = await waitForRun(d, res.body.id, ['awaiting_approval'], 30000);
    expect(waiting.waitingFor).toBe('answer');
    // The model was offered the tool, with a schema it can fill.
    expect(llm.requests[before].body.tools!.map((t) => t.function.name)).toContain('steward__ask');

    const bad = await request(d.url).post(`/questions/${q.id}`).set('Authorization', bearer('operator')).send({ answer: 'ops' }).expect(400);
    expect(bad.body.code).toBe('QUESTION_ANSWER_INVALID');
    await request(d.url).post(`/questions/${q.id}`).set('Authorization', bearer('approver')).send({ answer: 'hr' }).expect(200);

    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed', 'expired'], 30000);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { answer: 'Starting with hr as approver said.' } });
    expect(run.steps.find((s: any) => s.key === 'agent.call_ask')).toMatchObject({ state: 'succeeded', kind: 'question', tool: 'steward.ask', output: { answer: 'hr', answeredBy: 'approver' } });
    expect(llm.requests.length - before).toBe(2);
  }, 90000);

  it('a schema the model got wrong comes back to it as a tool error, nothing is asked', async () => {
    llm.push(
      { toolCalls: [{ id: 'call_bad', name: 'steward__ask', args: { question: 'How many?', answer: { type: 'numbr' } } }] },
      (req) => ({ content: toolMessages(req).at(-1)!.content }),
    );
    const res = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ prompt: 'Count', environments: ['lab'] }).expect(202);
    const run = await waitForRun(d, res.body.id, ['succeeded', 'failed'], 30000);
    expect(run.outputs.answer).toMatch(/^TOOL_INPUT_INVALID: answer is not a usable JSON Schema/);
    expect((await request(d.url).get(`/questions?runId=${res.body.id}`).set('Authorization', bearer('viewer')).expect(200)).body.questions).toEqual([]);
  }, 60000);
});
