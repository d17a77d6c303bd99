import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { createTestHost, type TestHost } from '../plugins/test-host.js';
import { EngineClient } from './engine.client.js';
import { McpToolSurface } from './mcp-tools.js';
import { createMcpServer } from './mcp.server.js';
import { until } from '../../test/helpers/wait.js';
import { FailClosedGate, type CallOutcome, type GateRequest, type ToolGate } from './tool-gate.js';

const environments = { lab: { kind: 'demo' }, lab2: { kind: 'demo' } };
const operator = { name: 'ops', role: 'operator' as const };

/** A stub policy standing in for the approvals service: records what it was asked, answers as configured. */
class StubGate implements ToolGate {
  asked: GateRequest[] = [];
  completedWith: { id: string; outcome: CallOutcome }[] = [];
  constructor(private readonly answer: (r: GateRequest) => Awaited<ReturnType<ToolGate['check']>>) {}
  async check(r: GateRequest) {
    this.asked.push(r);
    return this.answer(r);
  }
  async completed(_r: GateRequest, id: string, outcome: CallOutcome) {
    this.completedWith.push({ id, outcome });
  }
}

describe('Steward MCP server (in-process client, the engine path)', () => {
  let host: TestHost;
  const clients: EngineClient[] = [];
  const connect = async (gate: ToolGate, principal = operator) => {
    const server = createMcpServer(
      { catalogue: host.catalogue, invoker: host.invoker, surface: new McpToolSurface(environments), gate, logger: host.logger, version: '0.1.0', approvalsUrl: (id) => `/approvals/${id}` },
      { principal, channel: 'engine' },
    );
    const c = await EngineClient.connect(server);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    host = await createTestHost({ environments });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it('lists every tool with a strict wire name, derived annotations and the environment argument', async () => {
    const c = await connect(new FailClosedGate());
    const tools = await c.listTools();
    expect(tools.map((t) => t.name)).toContain('demo__notes__write');
    for (const t of tools) expect(t.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const write = tools.find((t) => t.name === 'demo__notes__write')!;
    expect(write.annotations).toEqual({ title: write.title, readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
    expect(write.inputSchema.properties?.environment).toEqual(expect.objectContaining({ type: 'string', enum: ['lab', 'lab2'] }));
    expect(write.inputSchema.required).toContain('environment');
    const del = tools.find((t) => t.name === 'demo__notes__delete')!;
    expect(del.annotations?.destructiveHint).toBe(true);
    const copy = tools.find((t) => t.name === 'demo__notes__copy')!;
    expect(copy.inputSchema.properties?.environments).toEqual(expect.objectContaining({ required: ['source', 'target'] }));
  });

  it("the engine sees only the plugins' tools: Steward's own run tools are for outside clients", async () => {
    const tools = await (await connect(new FailClosedGate())).listTools();
    expect(tools.filter((t) => t.name.startsWith('steward__'))).toEqual([]);
    expect(tools.find((t) => t.name === 'demo__util__echo')?.annotations?.openWorldHint).toBe(false);
  });

  it('run identity in _meta reaches the gate from the engine only; an outside client setting it is refused before the gate', async () => {
    const gate = new StubGate(() => ({ action: 'run' }));
    const engine = await connect(gate);
    await engine.call({ tool: 'demo.util.echo', input: { message: 'x' }, runId: 'run_1', stepId: 'echo' });
    expect(gate.asked.at(-1)?.caller).toMatchObject({ channel: 'engine', runId: 'run_1', stepId: 'echo' });
    const outside = createMcpServer(
      { catalogue: host.catalogue, invoker: host.invoker, surface: new McpToolSurface(environments), gate, logger: host.logger, version: '0.1.0', approvalsUrl: (id) => `/approvals/${id}` },
      { principal: operator, channel: 'mcp' },
    );
    const c = await EngineClient.connect(outside); // an in-memory client standing in for one over /mcp
    clients.push(c);
    const asked = gate.asked.length;
    const r = await c.call({ tool: 'demo.util.echo', input: { message: 'x' }, runId: 'run_1', stepId: 'echo' });
    expect(r).toMatchObject({ isError: true, _meta: { 'steward/error': { code: 'RUN_IDENTITY_REFUSED' } } });
    expect(gate.asked.length).toBe(asked);
    expect((await c.call({ tool: 'demo.util.echo', input: { message: 'x' } })).isError).toBeFalsy();
    expect(gate.asked.at(-1)?.caller).toEqual({ principal: operator, channel: 'mcp' });
  });

  it('read tools run; by wire name or canonical id', async () => {
    const c = await connect(new FailClosedGate());
    const a = await c.call({ tool: 'demo__util__echo', input: { message: 'hi' } });
    const b = await c.call({ tool: 'demo.util.echo', input: { message: 'hi' } });
    expect(a.isError).toBeFalsy();
    expect(a.content).toEqual(b.content);
  });

  it('an unknown tool is a protocol error; a tool left out of the catalogue says why', async () => {
    const c = await connect(new FailClosedGate());
    await expect(c.call({ tool: 'demo.util.nope', input: {} })).rejects.toThrow(McpError);
    await expect(c.call({ tool: 'nope.x.y', input: {} })).rejects.toThrow('no tool "nope.x.y": no plugin "nope" is installed');
  });

  it('invalid input is a tool error naming the path, and the gate is never asked', async () => {
    const gate = new StubGate(() => ({ action: 'run' }));
    const c = await connect(gate);
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 5, extra: true }, environments: { target: 'lab' } });
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0].text).toMatch(/^TOOL_INPUT_INVALID: input for demo\.notes\.write is invalid: /);
    expect(gate.asked).toHaveLength(0);
  });

  it('the fail-closed default refuses a write tool before it runs', async () => {
    const c = await connect(new FailClosedGate());
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 't', text: 'b' }, environments: { target: 'lab' } });
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0].text).toBe(
      'APPROVAL_REQUIRED: demo.notes.write is a write tool and needs an approval, and this daemon has no approval service configured',
    );
    const list = await c.call({ tool: 'demo.notes.list', input: {}, environments: { target: 'lab' } });
    expect(JSON.stringify(list.structuredContent ?? list.content)).not.toContain('"t"');
  });

  it('a pending decision answers with the approval and how to approve it, and nothing runs', async () => {
    const gate = new StubGate((r) => (r.tool.effect === 'read' ? { action: 'run' } : { action: 'pending', approvalId: 'apr_123', message: 'Writes need an approver.' }));
    const c = await connect(gate);
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 'held-back', text: 'b' }, environments: { target: 'lab' } });
    expect(r.isError).toBe(true);
    expect(r._meta).toEqual({ 'steward/approval': { id: 'apr_123', status: 'pending', url: '/approvals/apr_123' } });
    expect((r.content as { text: string }[])[0].text).toContain('POST /approvals/apr_123 {"decision":"approve"}');
    expect(gate.asked[0]).toMatchObject({ mode: 'execute', environments: { target: 'lab' }, caller: { channel: 'engine', principal: operator } });
    const list = await c.call({ tool: 'demo.notes.list', input: {}, environments: { target: 'lab' } });
    expect(list.isError).toBeFalsy();
    expect(JSON.stringify(list)).not.toContain('held-back');
  });

  it('a pre-approved call runs, carries run/step ids to the gate, and the outcome is reported back', async () => {
    const gate = new StubGate((r) => (r.approvalId === 'apr_ok' ? { action: 'run', approvalId: 'apr_ok' } : { action: 'deny', code: 'NO', message: 'no' }));
    const c = await connect(gate);
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 'approved', text: 'b' }, environments: { target: 'lab' }, approvalId: 'apr_ok', runId: 'run_1', stepId: 'write' });
    expect(r.isError).toBeFalsy();
    expect(gate.asked[0]).toMatchObject({ approvalId: 'apr_ok', caller: { runId: 'run_1', stepId: 'write' } });
    expect(gate.completedWith).toEqual([{ id: 'apr_ok', outcome: 'succeeded' }]);
  });

  it('an approved call cut short (cancelled mid-write) is recorded against its approval as unknown, not failed', async () => {
    const gate = new StubGate(() => ({ action: 'run', approvalId: 'apr_cut' }));
    const c = await connect(gate);
    const ac = new AbortController();
    // The handler is running once it reports progress; then the caller gives up.
    const call = c.call({ tool: 'demo.util.slow', input: { steps: 1000, intervalMs: 10 }, approvalId: 'apr_cut', runId: 'run_1', stepId: 'slow', signal: ac.signal, onProgress: () => ac.abort() });
    await expect(call).rejects.toThrow();
    expect(await until('the outcome to be reported', () => gate.completedWith[0], 10000, 5)).toEqual({ id: 'apr_cut', outcome: 'unknown' });
  });

  it('plan mode asks for the dry run and never the handler', async () => {
    const gate = new StubGate(() => ({ action: 'run' }));
    const c = await connect(gate);
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 'planned', text: 'b' }, environments: { target: 'lab2' }, mode: 'plan' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ plan: expect.objectContaining({ wouldChange: true }) });
    const list = await c.call({ tool: 'demo.notes.list', input: {}, environments: { target: 'lab2' } });
    expect(JSON.stringify(list)).not.toContain('planned');
  });

  it('a viewer cannot even request a write', async () => {
    const c = await connect(new StubGate(() => ({ action: 'run' })), { name: 'v', role: 'viewer' as never });
    const r = await c.call({ tool: 'demo.notes.write', input: { key: 'x', text: 'b' }, environments: { target: 'lab' } });
    expect((r.content as { text: string }[])[0].text).toBe('FORBIDDEN: token "v" has role viewer; calling write tools needs operator or higher');
  });

  it('progress notifications reach the client and cancellation reaches the handler', async () => {
    const c = await connect(new FailClosedGate());
    const seen: number[] = [];
    const r = await c.call({ tool: 'demo.util.slow', input: { steps: 3, intervalMs: 5 }, onProgress: (p) => seen.push(p.progress) });
    expect(r.isError).toBeFalsy();
    expect(seen).toEqual([1, 2, 3]);
    const ac = new AbortController();
    const pending = c.call({ tool: 'demo.util.slow', input: { steps: 1000, intervalMs: 10 }, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(pending).rejects.toThrow();
    await until('the handler to see the cancellation', () => (host.logs.some((l) => l.tool === 'demo.util.slow' && /CANCELLED/.test(JSON.stringify(l))) ? true : undefined), 10000, 5);
  });
});
