import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { decideInConsole, inspector, pendingIn } from '../helpers/mcp-hosts.js';
import { waitForRun } from '../helpers/runs.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');

interface Listed {
  tools?: { name: string; annotations?: Record<string, unknown> }[];
  resources?: { uri: string; mimeType?: string }[];
  resourceTemplates?: { uriTemplate: string }[];
  prompts?: { name: string; arguments?: { name: string; required?: boolean }[] }[];
}
interface Called {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/**
 * The MCP Inspector's CLI (@modelcontextprotocol/inspector-cli 1.0.3 from npm, `mcp-inspector-cli --cli <url>/mcp
 * --transport http --header "Authorization: Bearer …" --method …`), one process per call as people script it: the
 * JSON it prints for tools, a read call, resources (steward://…), resource templates, prompts, a run started and
 * read back, and a write that waits for a person.
 */
describe('MCP Inspector CLI against /mcp', () => {
  let d: TestDaemon;
  const mcp = () => `${d.url}/mcp`;
  const as = (role: keyof typeof TOKENS, ...args: string[]) => inspector(mcp(), TOKENS[role], args);

  beforeAll(async () => {
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`));
  });
  afterAll(async () => {
    await d?.close();
  });

  it('lists tools with their annotations and calls a read tool', async () => {
    const [listed, echoed] = await Promise.all([
      as('viewer', '--method', 'tools/list') as Promise<Listed>,
      as('viewer', '--method', 'tools/call', '--tool-name', 'demo__util__echo', '--tool-arg', 'message=from the inspector') as Promise<Called>,
    ]);
    const names = listed.tools!.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['demo__notes__list', 'demo__notes__write', 'demo__util__echo', 'steward__runs__start', 'steward__runs__get']));
    expect(listed.tools!.find((t) => t.name === 'demo__notes__list')!.annotations).toMatchObject({ readOnlyHint: true });
    expect(listed.tools!.find((t) => t.name === 'demo__notes__write')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(echoed.isError).toBeFalsy();
    expect(echoed.structuredContent).toEqual({ message: 'from the inspector' });
  }, 60_000);

  it('lists resources (steward://), resource templates and prompts (one per playbook)', async () => {
    const [resources, templates, prompts] = (await Promise.all([
      as('viewer', '--method', 'resources/list'),
      as('viewer', '--method', 'resources/templates/list'),
      as('viewer', '--method', 'prompts/list'),
    ])) as Listed[];
    expect(resources.resources!.map((r) => r.uri)).toEqual(expect.arrayContaining(['steward://findings', 'steward://playbooks/demo-read', 'steward://playbooks/demo-write']));
    expect(resources.resources!.every((r) => r.uri.startsWith('steward://'))).toBe(true);
    expect(templates.resourceTemplates!.map((t) => t.uriTemplate)).toEqual(expect.arrayContaining(['steward://runs/{id}', 'steward://runs/{id}/report.md', 'steward://approvals/{id}']));
    const demoRead = prompts.prompts!.find((p) => p.name === 'run-demo-read');
    expect(demoRead).toBeDefined();
    expect(demoRead!.arguments).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'greeting', required: false })]));
  }, 60_000);

  it('starts a run (operator), then reads it and its Markdown report as resources', async () => {
    const started = (await as('operator', '--method', 'tools/call', '--tool-name', 'steward__runs__start', '--tool-arg', 'playbook=demo-read', 'environments={"target":"lab"}', 'inputs={"greeting":"hello"}')) as Called;
    expect(started.isError).toBeFalsy();
    const id = String(started.structuredContent!.id);
    expect(id).toMatch(/^run_/);
    await waitForRun(d, id, ['succeeded']);
    const [run, report, listed] = await Promise.all([
      as('viewer', '--method', 'resources/read', '--uri', `steward://runs/${id}`) as Promise<{ contents: { uri: string; text: string }[] }>,
      as('viewer', '--method', 'resources/read', '--uri', `steward://runs/${id}/report.md`) as Promise<{ contents: { uri: string; mimeType: string; text: string }[] }>,
      as('viewer', '--method', 'resources/list') as Promise<Listed>,
    ]);
    expect(JSON.parse(run.contents[0]!.text)).toMatchObject({ id, state: 'succeeded', outputs: { shout: 'HELLO' } });
    expect(report.contents[0]).toMatchObject({ uri: `steward://runs/${id}/report.md`, mimeType: 'text/markdown' });
    expect(report.contents[0]!.text).toContain(id);
    expect(listed.resources!.map((r) => r.uri)).toContain(`steward://runs/${id}`);
    // A viewer cannot start one: the same roles as the REST API.
    const refused = (await as('viewer', '--method', 'tools/call', '--tool-name', 'steward__runs__start', '--tool-arg', 'playbook=demo-read', 'environments={"target":"lab"}')) as Called;
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/operator/);
  }, 60_000);

  it('a write prints APPROVAL_PENDING; once another person approved it, the exact call again runs it', async () => {
    const write = ['--method', 'tools/call', '--tool-name', 'demo__notes__write', '--tool-arg', 'key=inspected', 'text=by the inspector', 'environment=lab'];
    const first = (await as('operator', ...write)) as Called;
    expect(first.isError).toBe(true);
    const pending = pendingIn(first.content[0]!.text!)!;
    expect(first._meta).toMatchObject({ 'steward/approval': { id: pending.id, status: 'pending' } });
    await decideInConsole(d.url, 'approver', pending.id, 'approve', 'inspected');
    const ran = (await as('operator', ...write)) as Called;
    expect(ran.isError).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({ key: 'inspected', revision: 1 });
    const approval = await request(d.url).get(`/approvals/${pending.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(approval.body).toMatchObject({ status: 'consumed', requestedBy: 'operator' });
  }, 60_000);
});
