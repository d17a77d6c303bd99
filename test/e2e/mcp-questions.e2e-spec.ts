import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

/** A run an MCP client started (steward.runs.start, with wait or without) asks its questions as forms the client shows. */
const PLAYBOOK = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-over-mcp }
environments:
  target: { kind: demo }
steps:
  - id: pick
    ask:
      question: "Which schema first?"
      answer: { type: string, enum: [sales, hr] }
  - id: size
    ask:
      question: "How many tables?"
      answer: { type: object, additionalProperties: false, required: [count], properties: { count: { type: integer, minimum: 1 }, note: { type: string } } }
  - id: echo
    tool: demo.util.echo
    with: { message: "\${{ steps.pick.output.answer }}:\${{ string(steps.size.output.answer.count) }} by \${{ steps.pick.output.answeredBy }}" }
outputs:
  message: \${{ steps.echo.output.message }}
`;
const NESTED = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: ask-nested }
environments:
  target: { kind: demo }
steps:
  - id: pick
    ask:
      question: "Which tables?"
      answer: { type: array, items: { type: string } }
`;

describe('MCP: a run started with wait asks its questions as forms (form elicitation)', () => {
  let d: TestDaemon;
  const clients: Client[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-mcp-questions-'));
    mkdirSync(join(dir, 'playbooks'));
    writeFileSync(join(dir, 'playbooks', 'ask.yaml'), PLAYBOOK);
    writeFileSync(join(dir, 'playbooks', 'nested.yaml'), NESTED);
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${join(dir, 'playbooks')}]\n`), { dir });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await d.close();
  });

  const connect = async (forms: boolean, answer?: (message: string, schema: any) => ElicitResult) => {
    const client = new Client({ name: 'e2e-questions', version: '1' }, { capabilities: forms ? { elicitation: {} } : {} });
    const asked: { message: string; schema: any }[] = [];
    if (forms) {
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        const p = req.params as { message: string; requestedSchema: any };
        asked.push({ message: p.message, schema: p.requestedSchema });
        return answer!(p.message, p.requestedSchema);
      });
    }
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
    clients.push(client);
    return { client, asked };
  };
  const start = (c: Client, playbook: string) =>
    c.callTool({ name: 'steward__runs__start', arguments: { playbook, environments: { target: 'lab' }, wait: true, waitSeconds: 120 } }, undefined, { timeout: 150_000 });

  it('each question comes as a form; the answers let the run finish, and the result is the finished run', async () => {
    const { client, asked } = await connect(true, (message): ElicitResult =>
      message.startsWith('Which schema') ? { action: 'accept', content: { answer: 'hr' } } : { action: 'accept', content: { count: 7, note: 'from the form' } },
    );
    const r = await start(client, 'ask-over-mcp');
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as any;
    expect(out).toMatchObject({ state: 'succeeded', run: { outputs: { message: 'hr:7 by operator' } } });
    expect(out.answered).toHaveLength(2);
    // The forms: an enum wrapped as {answer}, a flat object as it is.
    expect(asked[0]).toEqual({ message: 'Which schema first?', schema: { type: 'object', properties: { answer: { type: 'string', enum: ['sales', 'hr'] } }, required: ['answer'] } });
    expect(asked[1]!.schema).toMatchObject({ type: 'object', properties: { count: { type: 'integer', minimum: 1 }, note: { type: 'string' } }, required: ['count'] });
    const questions = (await request(d.url).get(`/questions?runId=${out.id}`).set('Authorization', bearer('viewer')).expect(200)).body.questions as any[];
    expect(questions.map((q) => [q.status, q.answeredBy])).toEqual([['answered', 'operator'], ['answered', 'operator']]);
  });

  it('a declined form, a refused answer, a client without forms and an answer with no form leave the question waiting in Steward', async () => {
    const declined = await connect(true, () => ({ action: 'decline' }));
    let out = (await start(declined.client, 'ask-over-mcp')).structuredContent as any;
    expect(out).toMatchObject({ state: 'awaiting_approval', answered: [] });
    expect(out.waited).toMatch(/did not answer question q\w+ here \(decline\); it waits in Steward/);

    const wrong = await connect(true, () => ({ action: 'accept', content: { answer: 'finance' } }));
    out = (await start(wrong.client, 'ask-over-mcp')).structuredContent as any;
    expect(out.waited).toMatch(/was refused \(QUESTION_ANSWER_INVALID: .*answer/);
    expect(out.state).toBe('awaiting_approval');

    const plain = await connect(false);
    out = (await start(plain.client, 'ask-over-mcp')).structuredContent as any;
    expect(out.waited).toMatch(/this client takes no forms; answer it in the console, with steward answer, or POST \/questions\/q\w+/);

    const nested = await connect(true, () => ({ action: 'accept', content: {} }));
    out = (await start(nested.client, 'ask-nested')).structuredContent as any;
    expect(out.waited).toMatch(/its answer has no form/);
    expect(nested.asked).toEqual([]);
    // The question still takes an answer over REST, and the run goes on.
    const q = (await request(d.url).get(`/questions?runId=${out.id}&status=pending`).set('Authorization', bearer('viewer')).expect(200)).body.questions[0];
    await request(d.url).post(`/questions/${q.id}`).set('Authorization', `Bearer ${TOKENS.operator}`).send({ answer: ['orders'] }).expect(200);
  });

  const startNoWait = async (c: Client, playbook: string) => {
    const r = await c.callTool({ name: 'steward__runs__start', arguments: { playbook, environments: { target: 'lab' } } });
    expect(r.isError).toBeFalsy();
    return (r.structuredContent as any).id as string;
  };
  const runOf = (id: string) => request(d.url).get(`/runs/${id}`).set('Authorization', bearer('viewer')).expect(200).then((r) => r.body);

  it('without wait: the session that started the run gets its questions as forms when they are asked, and the answers let it finish', async () => {
    const { client, asked } = await connect(true, (message): ElicitResult =>
      message.startsWith('Which schema') ? { action: 'accept', content: { answer: 'sales' } } : { action: 'accept', content: { count: 3 } },
    );
    const id = await startNoWait(client, 'ask-over-mcp');
    const run = await until('the run to finish', async () => ((await runOf(id)).state === 'succeeded' ? runOf(id) : undefined), 60_000, 100);
    expect(run.outputs).toEqual({ message: 'sales:3 by operator' });
    expect(asked.map((a) => a.message)).toEqual(['Which schema first?', 'How many tables?']);
  });

  it('without wait: a declined form leaves the question waiting; one answered elsewhere withdraws the open form', async () => {
    let withdrawn = 0;
    const client = new Client({ name: 'e2e-questions-open', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req, extra) => {
      const message = (req.params as { message: string }).message;
      asked.push(message);
      if (message.startsWith('Which schema')) return { action: 'decline' };
      // Left open until Steward withdraws it (the question is answered in the console meanwhile). The second form:
      // the SDK client ignores a cancellation of request id 0 (a falsy check in Protocol._oncancel), the first one.
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      withdrawn++;
      return { action: 'cancel' };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
    clients.push(client);
    const id = await startNoWait(client, 'ask-over-mcp');
    const pending = async () => (await request(d.url).get(`/questions?runId=${id}&status=pending`).set('Authorization', bearer('viewer')).expect(200)).body.questions as any[];
    // Declined: the question waits in Steward and takes an answer over REST.
    await until('the first form', async () => asked.length >= 1 || undefined, 30_000, 50);
    const [q1] = await pending();
    expect(q1).toMatchObject({ question: 'Which schema first?', status: 'pending' });
    await request(d.url).post(`/questions/${q1.id}`).set('Authorization', bearer('operator')).send({ answer: 'hr' }).expect(200);
    // The next question comes as a form; answered elsewhere while it is open, the form is withdrawn.
    await until('the second form', async () => asked.length >= 2 || undefined, 30_000, 50);
    const [q2] = await until('the second question pending', async () => ((await pending()).length ? pending() : undefined), 30_000, 100);
    expect(q2.question).toBe('How many tables?');
    await request(d.url).post(`/questions/${q2.id}`).set('Authorization', bearer('operator')).send({ answer: { count: 2 } }).expect(200);
    await until('the open form withdrawn', async () => withdrawn === 1 || undefined, 30_000, 50);
    const run = await until('the run to finish', async () => ((await runOf(id)).state === 'succeeded' ? runOf(id) : undefined), 60_000, 100);
    expect(run.outputs).toEqual({ message: 'hr:2 by operator' });
    expect(asked).toEqual(['Which schema first?', 'How many tables?']);
  }, 120_000);
});
