import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { alive, decideInConsole, MCP_REMOTE_BIN, pendingIn } from '../helpers/mcp-hosts.js';
import { until } from '../helpers/wait.js';

const PUBLIC = 'https://steward.example.com';
const textOf = (r: CallToolResult) => (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

/**
 * mcp-remote (npm; the stdio bridge Claude Desktop and other stdio-only hosts use) in front of /mcp, driven as such
 * a host drives it: the official SDK's StdioClientTransport spawns `node mcp-remote/dist/proxy.js <url>/mcp --header
 * "Authorization: Bearer <token>"` and speaks MCP over its stdin/stdout. Loopback http needs no --allow-http.
 */
describe('mcp-remote (stdio bridge) against /mcp', () => {
  let d: TestDaemon;
  const configDir = mkdtempSync(join(tmpdir(), 'steward-mcp-remote-'));
  const started: { client: Client; transport: StdioClientTransport }[] = [];

  /** Spawns mcp-remote as a host would; its OAuth state goes to a scratch directory (MCP_REMOTE_CONFIG_DIR), never ~/.mcp-auth. */
  const bridge = (args: string[], env: Record<string, string> = {}) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE_BIN, `${d.url}/mcp`, ...args],
      env: { ...getDefaultEnvironment(), MCP_REMOTE_CONFIG_DIR: configDir, ...env },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const client = new Client({ name: 'e2e-claude-desktop-like', version: '1' });
    started.push({ client, transport });
    return { client, transport, stderr: () => stderr };
  };
  /** As the README's Claude Desktop entry: the header names ${STEWARD_TOKEN}, which mcp-remote fills from its env. */
  const connected = async (role: keyof typeof TOKENS) => {
    const b = bridge(['--header', 'Authorization: Bearer ${STEWARD_TOKEN}'], { STEWARD_TOKEN: TOKENS[role] });
    await b.client.connect(b.transport);
    return b;
  };

  beforeAll(async () => {
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo, policy: { requireFor: [write, destructive], approvers: 1 } }\nnotifications:\n  publicUrl: ${PUBLIC}\n`));
  });
  afterAll(async () => {
    const pids = started.map((s) => s.transport.pid).filter((p): p is number => typeof p === 'number');
    for (const s of started) await s.client.close().catch(() => undefined);
    // No leaks: every bridge process is gone (the SDK ends stdin, then SIGTERM, then SIGKILL).
    await until('every mcp-remote process to exit', () => (pids.some(alive) ? undefined : true), 20_000);
    await d?.close();
  });

  it('initialises through the bridge and lists Steward tools', async () => {
    const { client, stderr } = await connected('operator');
    expect(client.getServerVersion()).toMatchObject({ name: 'steward' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['demo__notes__write', 'demo__notes__list', 'steward__runs__start']));
    expect(stderr()).toContain('Connected to remote server using StreamableHTTPClientTransport');
    expect(stderr()).not.toContain(TOKENS.operator);
  });

  it('a write is pending, another person approves it in the console, and the same bridge repeating the exact call runs it once', async () => {
    const { client } = await connected('operator');
    const args = { key: 'bridged', text: 'through mcp-remote', environment: 'lab' };
    const first = (await client.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult;
    expect(first.isError).toBe(true);
    const pending = pendingIn(textOf(first))!;
    expect(pending.consoleUrl).toBe(`${PUBLIC}/console/approvals/${pending.id}`);
    expect((first._meta as Record<string, unknown>)['steward/approval']).toMatchObject({ id: pending.id, status: 'pending', consoleUrl: pending.consoleUrl });
    expect(JSON.stringify(await client.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } }))).not.toContain('bridged');

    const decided = await decideInConsole(d.url, 'approver', pending.id, 'approve', 'ok from the console');
    expect(decided).toMatchObject({ status: 'approved', requestedBy: 'operator' });

    const ran = (await client.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult;
    expect(ran.isError).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({ key: 'bridged', revision: 1 });
    const listed = JSON.stringify(await client.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } }));
    expect(listed).toContain('through mcp-remote');
    const shown = await request(d.url).get(`/approvals/${pending.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(shown.body).toMatchObject({ status: 'consumed', outcome: 'succeeded', decisions: [{ by: 'approver', decision: 'approve' }] });
  });

  it('a rejected write: the repeat returns the rejection', async () => {
    const { client } = await connected('operator');
    const args = { key: 'bridged-no', text: 'x', environment: 'lab' };
    const pending = pendingIn(textOf((await client.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult))!;
    await decideInConsole(d.url, 'approver', pending.id, 'reject', 'not via the bridge');
    const repeat = (await client.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult;
    expect(repeat.isError).toBe(true);
    expect(textOf(repeat)).toMatch(new RegExp(`^APPROVAL_REJECTED: approval ${pending.id} was rejected by approver: not via the bridge\\.`));
    expect(JSON.stringify(await client.callTool({ name: 'demo__notes__list', arguments: { environment: 'lab' } }))).not.toContain('bridged-no');
  });

  it('without a header it gives up at once, printing Steward\'s answer (pass the token in an Authorization header), not a registration loop', async () => {
    const b = bridge([]);
    await expect(b.client.connect(b.transport)).rejects.toThrow();
    const pid = b.transport.pid;
    await until('mcp-remote without a header to exit by itself', () => (alive(pid ?? undefined) ? undefined : true), 30_000);
    const printed = b.stderr();
    // What 0.15.1 prints: /mcp answers 401, so it looks for OAuth; Steward is no authorization server, and its
    // dynamic client registration (POST /register) answers 404 AUTH_NOT_OAUTH_SERVER whose detail says to give a
    // token in a header (mcp-remote <url>/mcp --header "Authorization: Bearer ${STEWARD_TOKEN}"). mcp-remote tries
    // once over Streamable HTTP and once over SSE, then prints "Fatal error: … Dynamic Client Registration rejected
    // (HTTP 404): {…}" and exits; it never opens a browser.
    expect(printed).toMatch(/Fatal error: .*Dynamic Client Registration rejected \(HTTP 404\): .*AUTH_NOT_OAUTH_SERVER/);
    expect(printed).toContain('--header \\"Authorization: Bearer ${STEWARD_TOKEN}\\"');
    expect((printed.match(/Connecting to remote server: /g) ?? []).length).toBeLessThanOrEqual(2);
    expect(printed).not.toMatch(/authorize this client, visit|Please authorize this client/);
  });
});
