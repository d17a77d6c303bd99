import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { inputSchemaProblem } from '../../src/plugins/schema-check.js';
import { bearer, configYaml, startTestDaemon, type TOKENS, type TestDaemon } from '../helpers/daemon.js';

const errorOf = (r: CallToolResult) => (r._meta as Record<string, { code: string; message: string }> | undefined)?.['steward/error'];

async function connect(d: TestDaemon, clients: Client[], role: keyof typeof TOKENS = 'operator'): Promise<Client> {
  const client = new Client({ name: 'e2e-schemas', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer(role) } } }));
  clients.push(client);
  return client;
}

describe('tools every MCP host accepts, listed where they can run', () => {
  const clients: Client[] = [];
  let bare: TestDaemon;
  let withSisense: TestDaemon;
  beforeAll(async () => {
    bare = await startTestDaemon(configYaml('environments:\n  lab: { kind: demo }\nnotifications:\n  publicUrl: https://steward.example.com/ops/\n'));
    // Nothing listens at this URL: the calls below are refused before any request to it.
    withSisense = await startTestDaemon(
      configYaml('environments:\n  lab: { kind: demo }\n  prod: { kind: sisense, url: "http://127.0.0.1:9", token: "sisense-token-for-listing-only" }\n  warehouse: { kind: postgres, url: "postgres://listing@127.0.0.1:9/none" }\n'),
    );
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await bare?.close();
    await withSisense?.close();
  });

  it('a Sisense tool is listed only when a Sisense environment is configured', async () => {
    const without = (await (await connect(bare, clients)).listTools()).tools.map((t) => t.name);
    expect(without.filter((n) => n.startsWith('sisense__'))).toEqual([]);
    expect(without).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));
    const listed = (await (await connect(withSisense, clients)).listTools()).tools;
    const sisense = listed.filter((t) => t.name.startsWith('sisense__'));
    expect(sisense.length).toBeGreaterThan(30);
    for (const t of sisense) {
      const props = t.inputSchema.properties as Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }>;
      const choices = props.environment ? [props.environment.enum] : Object.values(props.environments!.properties!).map((r) => r.enum);
      for (const names of choices) expect(names).toEqual(['prod']);
    }
  });

  it('no tool input schema has a top-level oneOf, anyOf or allOf; openWorldHint only where a tool reaches outside Steward', async () => {
    const { tools } = await (await connect(withSisense, clients)).listTools();
    const combined = tools.filter((t) => ['oneOf', 'anyOf', 'allOf'].some((k) => k in t.inputSchema)).map((t) => t.name);
    expect(combined).toEqual([]);
    // Nor a list of types anywhere (single-type hosts refuse `type: [X, "null"]`): the load-time check, on what is listed.
    expect(tools.filter((t) => t.name.startsWith('postgres__')).length).toBeGreaterThan(5);
    expect(tools.map((t) => [t.name, inputSchemaProblem(t.inputSchema)]).filter(([, problem]) => problem)).toEqual([]);
    expect(tools.find((t) => t.name === 'postgres__query__sql')?.inputSchema.properties?.params).toMatchObject({ items: { type: 'string', nullable: true } });
    const hint = (name: string) => tools.find((t: Tool) => t.name === name)?.annotations?.openWorldHint;
    expect(hint('sisense__datamodel__build-status')).toBe(true);
    expect(hint('demo__notes__write')).toBe(true);
    expect(hint('demo__util__echo')).toBe(false);
    expect(hint('steward__runs__get')).toBe(false);
  });

  it('the combinations the schemas no longer state are checked by the tools, with TOOL_INPUT_INVALID naming what to give', async () => {
    const c = await connect(withSisense, clients);
    const both = (await c.callTool({ name: 'sisense__datamodel__build-status', arguments: { build: 'b1', datamodel: 'Sales', environment: 'prod' } })) as CallToolResult;
    expect(errorOf(both)).toEqual({ code: 'TOOL_INPUT_INVALID', message: 'give exactly one of build (a build id) or datamodel (oid or title)' });
    const neither = (await c.callTool({ name: 'sisense__datamodel__build-status', arguments: { environment: 'prod' } })) as CallToolResult;
    expect(errorOf(neither)?.code).toBe('TOOL_INPUT_INVALID');
    // A write tool's dry run says it would fail, naming what to give; asked to run, its approval shows why and cannot be approved.
    const noChange = (await c.callTool({ name: 'sisense__folder__update', arguments: { folder: 'Archive', environment: 'prod' }, _meta: { 'steward/mode': 'plan' } })) as CallToolResult;
    expect((noChange.structuredContent as { plan: { changes: { action: string }[] } }).plan.changes).toMatchObject([{ action: 'fail' }]);
    expect(JSON.stringify(noChange.structuredContent)).toContain('TOOL_INPUT_INVALID: give name (to rename), parent (to move; \\"/\\" for the root), or both');
    const noParty = (await c.callTool({ name: 'sisense__dashboard__share-remove', arguments: { dashboard: 'Sales', environment: 'prod' }, _meta: { 'steward/mode': 'plan' } })) as CallToolResult;
    expect(JSON.stringify(noParty.structuredContent)).toContain('TOOL_INPUT_INVALID: give users (emails), groups (names), or both');
    const run = (await c.callTool({ name: 'sisense__folder__update', arguments: { folder: 'Archive', environment: 'prod' } })) as CallToolResult;
    expect((run.content as { text: string }[])[0]!.text).toMatch(/would fail .*TOOL_INPUT_INVALID: give name .*cannot be approved/);
  });

  it('plan mode: a tool with a dry run answers its plan; one without answers PLAN_UNAVAILABLE ("no plan available")', async () => {
    const c = await connect(bare, clients);
    const plan = (await c.callTool({ name: 'demo__notes__write', arguments: { key: 'k', text: 't', environment: 'lab' }, _meta: { 'steward/mode': 'plan' } })) as CallToolResult;
    expect(plan.isError).toBeFalsy();
    expect(plan.structuredContent).toMatchObject({ plan: { wouldChange: true } });
    const none = (await c.callTool({ name: 'demo__util__echo', arguments: { message: 'x' }, _meta: { 'steward/mode': 'plan' } })) as CallToolResult;
    expect(none.isError).toBe(true);
    expect(errorOf(none)).toEqual({ code: 'PLAN_UNAVAILABLE', message: 'no plan available: demo.util.echo has no dry run, so what it would change cannot be shown' });
    expect(JSON.stringify(none)).not.toContain('"plan":null');
  });

  it('APPROVAL_PENDING carries absolute links under notifications.publicUrl: the console page and the API', async () => {
    const c = await connect(bare, clients);
    const r = (await c.callTool({ name: 'demo__notes__write', arguments: { key: 'linked', text: 'x', environment: 'lab' } })) as CallToolResult;
    const approval = (r._meta as Record<string, { id: string; url: string; consoleUrl: string }>)['steward/approval']!;
    expect(approval).toMatchObject({ status: 'pending', url: `https://steward.example.com/ops/approvals/${approval.id}`, consoleUrl: `https://steward.example.com/ops/console/approvals/${approval.id}` });
    expect((r.content as { text: string }[])[0]!.text).toContain(`approve it at https://steward.example.com/ops/console/approvals/${approval.id}`);
  });
});
