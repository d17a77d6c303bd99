import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { DynamicStructuredTool } from '@langchain/core/tools';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { decideInConsole, pendingIn } from '../helpers/mcp-hosts.js';

const PUBLIC = 'https://steward.example.com';

/**
 * LangChain's MultiServerMCPClient (@langchain/mcp-adapters, from npm) over Streamable HTTP with a bearer header:
 * the adapter cannot send `_meta`, so a write it asks for is finished by repeating the exact call once a person
 * (another token) approved it in the console. The adapter turns an `isError` result into a thrown ToolException
 * whose message is the result's text — what a LangChain agent's tool node hands the model.
 */
describe('LangChain MultiServerMCPClient against /mcp', () => {
  let d: TestDaemon;
  let client: MultiServerMCPClient;
  let tools: DynamicStructuredTool[];
  const tool = (name: string) => {
    const t = tools.find((x) => x.name === name);
    if (!t) throw new Error(`the adapter lists no tool ${name}; it lists ${tools.map((x) => x.name).join(', ')}`);
    return t;
  };
  /** The adapter's failure message for a call, or undefined when it succeeded. */
  const failureOf = async (name: string, args: Record<string, unknown>) => {
    try {
      await tool(name).invoke(args);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  const approval = async (id: string) => (await request(d.url).get(`/approvals/${id}`).set('Authorization', bearer('viewer')).expect(200)).body;

  beforeAll(async () => {
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo, policy: { requireFor: [write, destructive], approvers: 1 } }\nnotifications:\n  publicUrl: ${PUBLIC}\n`));
    client = new MultiServerMCPClient({
      throwOnLoadError: true,
      mcpServers: { steward: { transport: 'http', url: `${d.url}/mcp`, headers: { Authorization: `Bearer ${TOKENS.operator}` } } },
    });
    tools = await client.getTools();
  });
  afterAll(async () => {
    await client?.close();
    await d?.close();
  });

  it('lists Steward tools with their input schemas and calls a read tool', async () => {
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['demo__notes__write', 'demo__notes__list', 'demo__util__echo', 'steward__runs__start']));
    expect(tool('demo__notes__write').description).toBeTruthy();
    const echoed = await tool('demo__util__echo').invoke({ message: 'from langchain' });
    expect(JSON.stringify(echoed)).toContain('from langchain');
  });

  it('a write is pending until another person approves it in the console; the same client repeating the exact call then runs it once', async () => {
    const args = { key: 'lc-note', text: 'written through LangChain', environment: 'lab' };
    const first = await failureOf('demo__notes__write', args);
    expect(first).toMatch(/APPROVAL_PENDING: demo\.notes\.write did not run/);
    const pending = pendingIn(first!)!;
    expect(pending.consoleUrl).toBe(`${PUBLIC}/console/approvals/${pending.id}`);
    expect(first).toContain('call this tool again with exactly the same arguments');
    expect(JSON.stringify(await tool('demo__notes__list').invoke({ environment: 'lab' }))).not.toContain('lc-note');

    // A model retrying before the decision piles nothing up: the same approval is named again.
    expect(pendingIn((await failureOf('demo__notes__write', args))!)?.id).toBe(pending.id);

    const decided = await decideInConsole(d.url, 'approver', pending.id, 'approve', 'fine by me');
    expect(decided).toMatchObject({ status: 'approved', requestedBy: 'operator', decisions: [{ by: 'approver', decision: 'approve', comment: 'fine by me' }] });

    const ran = await tool('demo__notes__write').invoke(args);
    expect(JSON.stringify(ran)).toMatch(/"key\\?":\\?"lc-note\\?"/);
    expect(await approval(pending.id)).toMatchObject({ status: 'consumed', outcome: 'succeeded' });
    const listed = JSON.stringify(await tool('demo__notes__list').invoke({ environment: 'lab' }));
    expect(listed).toContain('lc-note');
    expect(listed).toContain('written through LangChain');

    // Ran once: repeating it again asks for a new approval rather than writing a second time.
    const again = pendingIn((await failureOf('demo__notes__write', args))!);
    expect(again?.id).toMatch(/^apr_/);
    expect(again?.id).not.toBe(pending.id);
  });

  it('a rejection: the repeat returns the rejection (who and why) and nothing is written', async () => {
    const args = { key: 'lc-refused', text: 'not wanted', environment: 'lab' };
    const pending = pendingIn((await failureOf('demo__notes__write', args))!)!;
    await decideInConsole(d.url, 'approver', pending.id, 'reject', 'wrong notebook');
    const repeat = await failureOf('demo__notes__write', args);
    expect(repeat).toMatch(new RegExp(`APPROVAL_REJECTED: approval ${pending.id} was rejected by approver: wrong notebook`));
    expect(repeat).toMatch(/The same call is refused until \d{4}-\d\d-\d\dT[\d:.]+Z; change it to ask again\.$/);
    // Repeating does not ask the approver again; a changed call is a new question.
    expect(await failureOf('demo__notes__write', args)).toContain('APPROVAL_REJECTED');
    const changed = pendingIn((await failureOf('demo__notes__write', { ...args, text: 'wanted after all' }))!);
    expect(changed?.id).toMatch(/^apr_/);
    expect(changed?.id).not.toBe(pending.id);
    const open = (await request(d.url).get('/approvals?status=pending').set('Authorization', bearer('viewer')).expect(200)).body.approvals as { tool: string; input: { key?: string } }[];
    expect(open.filter((a) => a.input?.key === 'lc-refused').map((a) => a.input)).toEqual([{ key: 'lc-refused', text: 'wanted after all' }]);
    expect(JSON.stringify(await tool('demo__notes__list').invoke({ environment: 'lab' }))).not.toContain('lc-refused');
  });
});
