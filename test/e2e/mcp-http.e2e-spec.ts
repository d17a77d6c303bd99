import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TOKENS, type TestDaemon } from '../helpers/daemon.js';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const MCP_HEADERS = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' };

describe('/mcp over real HTTP (Streamable HTTP, SDK client)', () => {
  let d: TestDaemon;
  const clients: Client[] = [];
  const connect = async (role: keyof typeof TOKENS = 'operator') => {
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer(role) } } }));
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    d = await startTestDaemon(configYaml('environments:\n  lab: { kind: demo }\n'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d.close();
  });

  it('initialises a session, lists tools and calls one by wire name and by dotted id', async () => {
    const c = await connect('viewer');
    expect(c.getServerVersion()).toMatchObject({ name: 'steward', version: '0.1.0' });
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));
    const a = await c.callTool({ name: 'demo__util__echo', arguments: { message: 'over http' } });
    const b = await c.callTool({ name: 'demo.util.echo', arguments: { message: 'over http' } });
    expect(a.isError).toBeFalsy();
    expect(JSON.stringify(a.content)).toContain('over http');
    expect(b.content).toEqual(a.content);
  });

  it('streams progress notifications over SSE', async () => {
    const c = await connect();
    const seen: number[] = [];
    const r = await c.callTool({ name: 'demo__util__slow', arguments: { steps: 4, intervalMs: 5 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(r.isError).toBeFalsy();
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('cancellation from the client reaches the tool', async () => {
    const c = await connect();
    const ac = new AbortController();
    const call = c.callTool({ name: 'demo__util__slow', arguments: { steps: 1000, intervalMs: 10 } }, undefined, { signal: ac.signal, onprogress: () => ac.abort() });
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(d.logs.text).toMatch(/"tool":"demo\.util\.slow"[^\n]*CANCELLED/);
  });

  it('a write tool called from outside waits for a recorded approval, then runs exactly once', async () => {
    const c = await connect('operator');
    const args = { key: 'outside', text: 'x', environment: 'lab' };
    const first = await c.callTool({ name: 'demo__notes__write', arguments: args });
    expect(first.isError).toBe(true);
    const approval = (first._meta as any)['steward/approval'];
    expect(approval).toMatchObject({ status: 'pending', url: `/approvals/${approval.id}` });
    const list = await c.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } });
    expect(JSON.stringify(list)).not.toContain('outside');

    const shown = await request(d.url).get(`/approvals/${approval.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(shown.body).toMatchObject({ kind: 'tool', tool: 'demo.notes.write', status: 'pending', requestedBy: 'operator', environments: { target: 'lab' }, input: { key: 'outside', text: 'x' } });
    expect(shown.body.plan).toMatchObject({ wouldChange: true });
    await request(d.url).post(`/approvals/${approval.id}`).set('Authorization', bearer('operator')).send({ decision: 'approve' }).expect(403);
    const early = await c.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': approval.id } });
    expect(JSON.stringify(early.content)).toContain('APPROVAL_PENDING');
    const decided = await request(d.url).post(`/approvals/${approval.id}`).set('Authorization', bearer('approver')).send({ decision: 'approve', comment: 'ok' }).expect(200);
    expect(decided.body).toMatchObject({ status: 'approved', decisions: [{ by: 'approver', decision: 'approve', comment: 'ok' }] });

    const other = await c.callTool({ name: 'demo__notes__write', arguments: { ...args, text: 'changed' }, _meta: { 'steward/approvalId': approval.id } });
    expect(JSON.stringify(other.content)).toContain('APPROVAL_MISMATCH');
    const run = await c.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': approval.id } });
    expect(run.isError).toBeFalsy();
    const again = await c.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': approval.id } });
    expect(JSON.stringify(again.content)).toContain('APPROVAL_CONSUMED');
    const after = await c.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } });
    expect(JSON.stringify(after)).toContain('outside');
  });

  it('unknown tools are protocol errors, bad arguments are tool errors', async () => {
    const c = await connect();
    await expect(c.callTool({ name: 'demo__util__missing', arguments: {} })).rejects.toThrow(/no tool "demo__util__missing"|Unknown tool/);
    const r = await c.callTool({ name: 'demo__util__echo', arguments: { message: 42 } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('input.message: must be a string');
  });

  describe('transport security', () => {
    it('401 without a token, 403 for a foreign Origin or Host', async () => {
      await request(d.url).post('/mcp').set(MCP_HEADERS).send(INIT).expect(401);
      const origin = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', bearer('viewer')).set('Origin', 'https://evil.example').send(INIT).expect(403);
      expect(origin.body.code).toBe('ORIGIN_FORBIDDEN');
      const host = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', bearer('viewer')).set('Host', 'evil.example:80').send(INIT).expect(403);
      expect(host.body).toMatchObject({ code: 'HOST_FORBIDDEN', detail: 'Host "evil.example:80" is not allowed (server.allowedHosts)' });
    });

    it('404 for an unknown session id, and for a session opened by another token', async () => {
      const unknown = await request(d.url)
        .post('/mcp')
        .set(MCP_HEADERS)
        .set('Authorization', bearer('viewer'))
        .set('Mcp-Session-Id', '00000000-0000-0000-0000-000000000000')
        .send({ jsonrpc: '2.0', id: 2, method: 'tools/list' })
        .expect(404);
      expect(unknown.body.error.message).toBe('Session not found');
      const init = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', bearer('viewer')).send(INIT).expect(200);
      const sid = init.headers['mcp-session-id'];
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', bearer('operator')).set('Mcp-Session-Id', sid).send({ jsonrpc: '2.0', id: 2, method: 'tools/list' }).expect(404);
    });

    it('a request without a session that is not initialize is refused', async () => {
      const r = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', bearer('viewer')).send({ jsonrpc: '2.0', id: 3, method: 'tools/list' }).expect(400);
      expect(r.body.error.message).toMatch(/no valid session ID/);
    });
  });
});
