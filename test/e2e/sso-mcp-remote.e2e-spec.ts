import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { LocalIssuer } from '../helpers/issuer.js';
import { until } from '../helpers/wait.js';

/** mcp-remote 0.15.1 from npm: the stdio bridge Claude Desktop and Cursor start (its no-header and static-token cases: mcp-hosts-mcp-remote.e2e-spec.ts). */
const MCP_REMOTE = join(new URL('.', import.meta.url).pathname, '../../node_modules/mcp-remote/dist/proxy.js');
const AUDIENCE = 'steward-e2e';

const ssoYaml = (issuer: string) =>
  configYaml(
    [
      `  jwt:`,
      `    issuer: ${issuer}`,
      `    audience: ${AUDIENCE}`,
      `    roles: { claim: groups, map: { bi-ops: operator } }`,
      `environments:\n  lab: { kind: demo }`,
      '',
    ].join('\n'),
  );

/** A real mcp-remote process, its own token store, what it writes to stderr kept. */
function bridge(url: string, args: string[], env: Record<string, string> = {}) {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_REMOTE, `${url}/mcp`, '--allow-http', ...args],
    env: { ...getDefaultEnvironment(), MCP_REMOTE_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'mcp-remote-')), ...env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  return { transport, stderr };
}

describe('mcp-remote (a real stdio bridge) with single sign-on', () => {
  let issuer: LocalIssuer;
  let d: TestDaemon;
  const clients: Client[] = [];

  beforeAll(async () => {
    issuer = await new LocalIssuer(AUDIENCE).start();
    d = await startTestDaemon(ssoYaml(issuer.url));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d?.close();
    await issuer?.close();
  });

  it('with --header "Authorization:${STEWARD_AUTH}" carrying a JWT, lists and calls tools through Steward', async () => {
    const jwt = await issuer.mint({ sub: 'u-alice', preferred_username: 'alice', groups: ['bi-ops'] });
    const { transport, stderr } = bridge(d.url, ['--header', 'Authorization:${STEWARD_AUTH}'], { STEWARD_AUTH: `Bearer ${jwt}` });
    const client = new Client({ name: 'claude-desktop-like', version: '1' });
    clients.push(client);
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));
    const echoed = await client.callTool({ name: 'demo__util__echo', arguments: { message: 'via mcp-remote' } });
    expect(JSON.stringify(echoed.content)).toContain('via mcp-remote');
    await until('the daemon to log the JWT caller', () => (d.logs.text.includes('"actor":"jwt:alice"') ? true : undefined));
    expect(stderr.join('')).not.toContain(jwt);
  });

  it('with --client-credentials and no header, discovers the issuer from the protected-resource metadata and signs in', async () => {
    issuer.clients.set('ci-bot', { secret: 'ci-bot-secret-0123456789', claims: { groups: ['bi-ops'] } });
    const info = JSON.stringify({ client_id: 'ci-bot', client_secret: '${CI_BOT_SECRET}' });
    const { transport, stderr } = bridge(d.url, ['--client-credentials', '--static-oauth-client-info', info], { CI_BOT_SECRET: 'ci-bot-secret-0123456789' });
    const client = new Client({ name: 'ci-like', version: '1' });
    clients.push(client);
    try {
      await client.connect(transport);
    } catch (e) {
      throw new Error(`mcp-remote failed: ${(e as Error).message}\n${stderr.join('')}`, { cause: e });
    }
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('demo__util__echo');
    // It asked the issuer for a token for this resource (RFC 8707), as the metadata names it.
    expect(issuer.tokenRequests).toEqual([expect.objectContaining({ grant_type: 'client_credentials', resource: `${d.url}/mcp` })]);
    await until('the daemon to log the client-credentials caller', () => (d.logs.text.includes('"actor":"jwt:ci-bot"') ? true : undefined));
  });
});
