import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult, type Task } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

const PUBLIC = 'https://steward.example.com';
const CONFIG = configYaml(`environments:\n  lab: { kind: demo }\nnotifications:\n  publicUrl: ${PUBLIC}\n`);
const errorOf = (r: CallToolResult) => (r._meta as Record<string, { code: string; message: string }> | undefined)?.['steward/error'];
const write = (key: string, text = 'from a task') => ({ name: 'demo__notes__write', arguments: { key, text, environment: 'lab' } });

/**
 * MCP 2025-11-25 tasks, with the SDK's own client (`client.experimental.tasks`) over real Streamable HTTP: a write
 * made a task completes when a person decides its approval in Steward — across a reconnect and a daemon restart.
 */
describe('MCP tasks: a write completes as a task when it is decided', () => {
  let d: TestDaemon;
  const clients: Client[] = [];
  const connect = async (who: 'operator' | 'viewer' | 'approver' = 'operator') => {
    const client = new Client({ name: 'e2e-tasks', version: '1' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer(who) } } }));
    clients.push(client);
    return client;
  };
  /** The CreateTaskResult of a task-augmented tools/call (the SDK's request with `task`). */
  const startTask = async (c: Client, call: { name: string; arguments: Record<string, unknown> }) => {
    const stream = c.experimental.tasks.callToolStream(call, CallToolResultSchema, { task: { ttl: 600_000 } });
    const first = (await stream.next()).value as { type: string; task?: Task };
    await stream.return(undefined);
    expect(first.type).toBe('taskCreated');
    return first.task!;
  };
  const decide = (id: string, decision: 'approve' | 'reject', comment?: string) =>
    request(d.url).post(`/approvals/${id}`).set('Authorization', bearer('approver')).send({ decision, ...(comment && { comment }) }).expect(200);
  const approvalOf = (task: Task) => /approval (apr_\w+)/.exec(task.statusMessage ?? '')?.[1];
  const settled = (c: Client, taskId: string) =>
    until(`task ${taskId} ends`, async () => {
      const t = await c.experimental.tasks.getTask(taskId);
      return ['completed', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
    }, 60_000, 100);
  const notes = async (c: Client) => JSON.stringify(await c.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } }));

  beforeAll(async () => {
    d = await startTestDaemon(CONFIG);
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d?.close();
  });

  it('declares tasks, and every plugin tool takes them (Steward\'s own tools do not)', async () => {
    const c = await connect();
    expect(c.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const tools = (await c.listTools()).tools;
    expect(tools.find((t) => t.name === 'demo__notes__write')?.execution).toEqual({ taskSupport: 'optional' });
    expect(tools.find((t) => t.name === 'steward__runs__start')?.execution).toBeUndefined();
    await expect(c.request({ method: 'tools/call', params: { name: 'steward__runs__list', arguments: {}, task: {} } }, CallToolResultSchema)).rejects.toMatchObject({ code: -32601 });
  });

  it('a write waits for its approval as a task; approved by another person, it runs once and the task has its result', async () => {
    const c = await connect();
    const raw = await c.request({ method: 'tools/call', params: { ...write('tasked'), task: { ttl: 600_000 } } }, (await import('@modelcontextprotocol/sdk/experimental/tasks/types.js')).CreateTaskResultSchema);
    const task = raw.task;
    expect(task).toMatchObject({ status: 'working', pollInterval: 1000 });
    const approvalId = approvalOf(task)!;
    expect(task.statusMessage).toContain(`${PUBLIC}/console/approvals/${approvalId}`);
    expect(raw._meta?.['io.modelcontextprotocol/model-immediate-response']).toMatch(new RegExp(`task ${task.taskId} completes when it is decided`));
    expect(raw._meta?.['steward/approval']).toMatchObject({ id: approvalId, status: 'pending' });
    // Nothing ran yet; the task stays working while nobody decided.
    expect(await notes(c)).not.toContain('from a task');
    expect((await c.experimental.tasks.getTask(task.taskId)).status).toBe('working');

    // tasks/result blocks until the decision; the approver decides meanwhile.
    const result = c.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    await decide(approvalId, 'approve', 'go');
    const r = (await result) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ key: 'tasked', created: true });
    expect(r._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
    expect((await c.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
    expect(await notes(c)).toContain('from a task');
    const approval = await request(d.url).get(`/approvals/${approvalId}`).set('Authorization', bearer('viewer')).expect(200);
    expect(approval.body).toMatchObject({ status: 'consumed', requestedBy: 'operator', outcome: 'succeeded' });
  });

  it('the SDK\'s callToolStream follows a task to its result (created, working, completed, result)', async () => {
    const c = await connect();
    const seen: string[] = [];
    let result: CallToolResult | undefined;
    for await (const m of c.experimental.tasks.callToolStream(write('streamed'), CallToolResultSchema, { task: { ttl: 600_000 } })) {
      seen.push(m.type === 'taskStatus' ? `status:${m.task.status}` : m.type);
      if (m.type === 'taskCreated') void decide(approvalOf(m.task)!, 'approve').then(() => undefined); // supertest sends on then()
      if (m.type === 'result') result = m.result as CallToolResult;
      if (m.type === 'error') throw m.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(seen.at(-2)).toBe('status:completed');
    expect(seen.at(-1)).toBe('result');
    expect(result?.structuredContent).toMatchObject({ key: 'streamed' });
  });

  it('a rejection fails the task with the result an untasked call would have had: who rejected it and why; nothing is written', async () => {
    const c = await connect();
    const task = await startTask(c, write('refused'));
    await decide(approvalOf(task)!, 'reject', 'not today');
    const done = await settled(c, task.taskId);
    expect(done).toMatchObject({ status: 'failed', statusMessage: expect.stringMatching(/^APPROVAL_REJECTED: .*was rejected by approver: not today$/) });
    const r = (await c.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(errorOf(r)).toMatchObject({ code: 'APPROVAL_REJECTED' });
    expect(await notes(c)).not.toContain('refused');
  });

  it('tasks/cancel cancels the task and the approval nobody waits for any more; a second cancel is refused', async () => {
    const c = await connect();
    const task = await startTask(c, write('cancelled'));
    const approvalId = approvalOf(task)!;
    expect(await c.experimental.tasks.cancelTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    expect((await request(d.url).get(`/approvals/${approvalId}`).set('Authorization', bearer('viewer')).expect(200)).body.status).toBe('cancelled');
    await expect(c.experimental.tasks.cancelTask(task.taskId)).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('terminal status: cancelled') });
    await decide(approvalId, 'approve').catch(() => undefined);
    expect(await notes(c)).not.toContain('cancelled');
  });

  it('a read as a task completes with its result; a refused call is a task that already failed', async () => {
    const c = await connect();
    const read = await startTask(c, { name: 'demo__notes__list', arguments: { environment: 'lab' } });
    expect((await settled(c, read.taskId)).status).toBe('completed');
    expect(JSON.stringify(await c.experimental.tasks.getTaskResult(read.taskId, CallToolResultSchema))).toContain('tasked');

    const viewer = await connect('viewer');
    const forbidden = await startTask(viewer, write('by-a-viewer'));
    expect(forbidden).toMatchObject({ status: 'failed', statusMessage: expect.stringMatching(/^FORBIDDEN: /) });
    const invalid = await startTask(c, { name: 'demo__notes__write', arguments: { environment: 'lab', key: 'no-text' } });
    expect(invalid).toMatchObject({ status: 'failed', statusMessage: expect.stringMatching(/^TOOL_INPUT_INVALID: /) });
  });

  it('tasks belong to the token that made them: listed and read across a reconnect, invisible to another token', async () => {
    const first = await connect();
    const task = await startTask(first, write('mine'));
    await first.close();
    clients.splice(clients.indexOf(first), 1);
    const again = await connect();
    expect((await again.experimental.tasks.getTask(task.taskId)).taskId).toBe(task.taskId);
    const listed = await again.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(task.taskId);
    const other = await connect('approver');
    await expect(other.experimental.tasks.getTask(task.taskId)).rejects.toMatchObject({ code: -32602 });
    expect((await other.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).not.toContain(task.taskId);
    await expect(other.experimental.tasks.cancelTask(task.taskId)).rejects.toMatchObject({ code: -32602 });
    await again.experimental.tasks.cancelTask(task.taskId);
  });

  it('a task waiting for its approval survives a daemon restart: approved afterwards, the new daemon runs the call and the client reads the result', async () => {
    const c = await connect();
    const task = await startTask(c, write('after-restart'));
    const approvalId = approvalOf(task)!;
    const dir = d.dir;
    await c.close();
    clients.splice(clients.indexOf(c), 1);
    await d.close();
    d = await startTestDaemon(CONFIG, { dir });
    await decide(approvalId, 'approve');
    const back = await connect();
    expect((await settled(back, task.taskId)).status).toBe('completed');
    const r = (await back.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(r.structuredContent).toMatchObject({ key: 'after-restart', created: true });
    expect(await notes(back)).toContain('after-restart');
  }, 120_000);
});
