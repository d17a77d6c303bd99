import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, type CallToolResult, type ClientCapabilities, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const PUBLIC = 'https://steward.example.com';
const errorOf = (r: CallToolResult) => (r._meta as Record<string, { code: string; message: string }> | undefined)?.['steward/error'];

/**
 * MCP 2025-11-25 URL-mode elicitation: a client that declares it is sent the console page of the approval a write
 * waits for, and the same call completes once a person decides — no `_meta`, no repeat.
 */
describe('a pending write over URL-mode elicitation (SDK client declaring elicitation.url)', () => {
  let d: TestDaemon;
  const clients: Client[] = [];
  const connect = async (capabilities: ClientCapabilities, onElicit?: (req: ElicitRequest) => Promise<{ action: 'accept' | 'decline' | 'cancel' }>) => {
    const client = new Client({ name: 'e2e-elicitation', version: '1' }, { capabilities });
    if (onElicit) client.setRequestHandler(ElicitRequestSchema, (req) => onElicit(req));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer('operator') } } }));
    clients.push(client);
    return client;
  };
  /** A person deciding in Steward (the console posts the same decision), shortly after the page was shown. */
  const decideLater = (id: string, decision: 'approve' | 'reject', comment?: string) =>
    setTimeout(() => void request(d.url).post(`/approvals/${id}`).set('Authorization', bearer('approver')).send({ decision, ...(comment && { comment }) }).expect(200).then(() => undefined), 200);

  beforeAll(async () => {
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nnotifications:\n  publicUrl: ${PUBLIC}\n`));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d.close();
  });

  it('sends the console URL of the approval, waits for the decision, then runs the call once and says the elicitation is complete', async () => {
    const asked: ElicitRequest['params'][] = [];
    const completed: string[] = [];
    const c = await connect({ elicitation: { url: {} } }, async (req) => {
      asked.push(req.params);
      decideLater(String((req.params as { elicitationId: string }).elicitationId), 'approve', 'looks right');
      return { action: 'accept' };
    });
    c.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId));

    const r = (await c.callTool({ name: 'demo__notes__write', arguments: { key: 'elicited', text: 'approved in the console', environment: 'lab' } })) as CallToolResult;
    expect(errorOf(r)).toBeUndefined();
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(await c.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } }))).toContain('approved in the console');
    expect(asked).toHaveLength(1);
    const params = asked[0] as { mode: string; url: string; elicitationId: string; message: string };
    expect(params).toMatchObject({ mode: 'url', url: `${PUBLIC}/console/approvals/${params.elicitationId}`, message: expect.stringContaining('demo.notes.write') });
    expect(completed).toEqual([params.elicitationId]);
    const approval = await request(d.url).get(`/approvals/${params.elicitationId}`).set('Authorization', bearer('viewer')).expect(200);
    expect(approval.body).toMatchObject({ status: 'consumed', requestedBy: 'operator', decisions: [{ by: 'approver', decision: 'approve' }] });

    // Exactly once: the same call again asks a new approval.
    const again = (await (await connect({})).callTool({ name: 'demo__notes__write', arguments: { key: 'elicited', text: 'approved in the console', environment: 'lab' } })) as CallToolResult;
    expect((again._meta as Record<string, { id: string }>)['steward/approval']!.id).not.toBe(params.elicitationId);
  });

  it('a rejection ends the call with APPROVAL_REJECTED, naming who and why; nothing is written', async () => {
    const c = await connect({ elicitation: { url: {} } }, async (req) => {
      decideLater(String((req.params as { elicitationId: string }).elicitationId), 'reject', 'not today');
      return { action: 'accept' };
    });
    const r = (await c.callTool({ name: 'demo__notes__write', arguments: { key: 'refused', text: 'x', environment: 'lab' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(errorOf(r)).toMatchObject({ code: 'APPROVAL_REJECTED', message: expect.stringMatching(/was rejected by approver: not today$/) });
    const list = await c.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } });
    expect(JSON.stringify(list)).not.toContain('refused');
  });

  it('a user who declines to open the page, and a client without URL elicitation, get APPROVAL_PENDING at once', async () => {
    const declined = await connect({ elicitation: { url: {} } }, async () => ({ action: 'decline' }));
    const r = (await declined.callTool({ name: 'demo__notes__write', arguments: { key: 'declined', text: 'x', environment: 'lab' } })) as CallToolResult;
    expect((r.content as { text: string }[])[0]!.text).toMatch(/^APPROVAL_PENDING: /);

    let asked = 0;
    const formOnly = await connect({ elicitation: { form: {} } }, async () => {
      asked++;
      return { action: 'accept' };
    });
    const p = (await formOnly.callTool({ name: 'demo__notes__write', arguments: { key: 'form-only', text: 'x', environment: 'lab' } })) as CallToolResult;
    expect((p._meta as Record<string, unknown>)['steward/approval']).toMatchObject({ status: 'pending', consoleUrl: expect.stringMatching(new RegExp(`^${PUBLIC}/console/approvals/`)) });
    expect(asked).toBe(0);
  });
});
