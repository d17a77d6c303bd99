import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { scriptedLlmYaml, startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');

/** A playbook of this test: an enum input (for completions), a check that records a finding when the colour is red. */
const COLOURS = `apiVersion: steward/v1
kind: Playbook
metadata:
  name: mcp-colours
  description: Echoes a colour and records a finding when it is red.
inputs:
  colour: { type: string, enum: [red, green, blue], required: true, description: The colour to echo. }
  times: { type: integer, default: 1 }
environments:
  target: { kind: demo }
steps:
  - id: echo
    tool: demo.util.echo
    with: { message: "\${{ inputs.colour }}" }
  - id: check
    check:
      assert:
        - id: not-red
          that: steps.echo.output.message != "red"
          severity: warning
          asset: colour
          check: mcp/colour
          message: the colour is \${{ steps.echo.output.message }}
`;

const parse = (r: { contents: object[] }) => JSON.parse(String((r.contents[0] as { text?: unknown }).text));
const out = (r: CallToolResult) => r.structuredContent as Record<string, any>;
const errorOf = (r: CallToolResult) => (r._meta as Record<string, { code: string; message: string }> | undefined)?.['steward/error'];

describe('/mcp resources, prompts, completions and run tools (SDK client over real HTTP)', () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;
  let playbookFile: string;
  const clients: Client[] = [];
  const connect = async (role: keyof typeof TOKENS) => {
    const client = new Client({ name: 'e2e-resources', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: bearer(role) } } }));
    clients.push(client);
    return client;
  };
  const start = async (c: Client, args: Record<string, unknown>) => {
    const r = (await c.callTool({ name: 'steward__runs__start', arguments: args })) as CallToolResult;
    expect(errorOf(r)).toBeUndefined();
    return out(r).id as string;
  };

  beforeAll(async () => {
    llm = await startScriptedLlm();
    const dir = mkdtempSync(join(tmpdir(), 'steward-mcp-resources-'));
    const own = join(dir, 'playbooks');
    mkdirSync(own);
    playbookFile = join(own, 'colours.yaml');
    writeFileSync(playbookFile, COLOURS);
    const yaml = configYaml(
      `environments:\n  lab: { kind: demo }\n  lab2: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}, ${own}]\n` +
        scriptedLlmYaml(llm.url, { maxRetries: 0 }),
    );
    d = await startTestDaemon(yaml, { dir });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d?.close();
    await llm?.close();
  });

  it('declares resources (subscribe, listChanged), prompts and completions, and lists its own tools as closed-world', async () => {
    const c = await connect('viewer');
    expect(c.getServerCapabilities()).toMatchObject({ resources: { subscribe: true, listChanged: true }, prompts: {}, completions: {}, tools: {} });
    const { tools } = await c.listTools();
    const own = tools.filter((t) => t.name.startsWith('steward__'));
    expect(own.map((t) => t.name).sort()).toEqual(['steward__approvals__list', 'steward__runs__get', 'steward__runs__list', 'steward__runs__start']);
    for (const t of own) expect(t.annotations?.openWorldHint).toBe(false);
    expect(tools.find((t) => t.name === 'steward__runs__start')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    const { resourceTemplates } = await c.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'steward://runs/{id}',
      'steward://runs/{id}/report.md',
      'steward://runs/{id}/report.json',
      'steward://approvals/{id}',
      'steward://findings/{check}',
      'steward://playbooks/{id}',
    ]);
  });

  it('steward.runs.start needs operator; a run is read as steward://runs/{id}, its report as Markdown and JSON, its finding by check', async () => {
    const viewer = await connect('viewer');
    const refused = (await viewer.callTool({ name: 'steward__runs__start', arguments: { playbook: 'mcp-colours', inputs: { colour: 'red' }, environments: { target: 'lab' } } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(errorOf(refused)).toMatchObject({ code: 'AUTH_FORBIDDEN', message: expect.stringContaining('needs operator') });
    const bad = (await (await connect('operator')).callTool({ name: 'steward__runs__start', arguments: { playbook: 'mcp-colours', inputs: { colour: 'purple' }, environments: { target: 'lab' } } })) as CallToolResult;
    expect(errorOf(bad)).toMatchObject({ code: 'RUN_INVALID', message: expect.stringContaining('inputs.colour') });

    const operator = await connect('operator');
    const id = await start(operator, { playbook: 'mcp-colours', inputs: { colour: 'red' }, environments: { target: 'lab' } });
    await waitForRun(d, id, ['succeeded']);
    const run = parse(await viewer.readResource({ uri: `steward://runs/${id}` }));
    expect(run).toMatchObject({ id, playbook: 'mcp-colours', state: 'succeeded', requestedBy: 'operator', steps: [{ id: 'echo', state: 'succeeded' }, { id: 'check' }] });

    const md = await viewer.readResource({ uri: `steward://runs/${id}/report.md` });
    expect(md.contents[0]).toMatchObject({ uri: `steward://runs/${id}/report.md`, mimeType: 'text/markdown' });
    const text = String((md.contents[0] as { text?: unknown }).text);
    expect(text).toContain(id);
    expect(text).toContain('the colour is red');
    const json = parse(await viewer.readResource({ uri: `steward://runs/${id}/report.json` }));
    const rest = await request(d.url).get(`/runs/${id}/report`).set('Authorization', bearer('viewer')).expect(200);
    expect(json).toEqual(rest.body);

    const got = (await viewer.callTool({ name: 'steward__runs__get', arguments: { id } })) as CallToolResult;
    expect(out(got)).toMatchObject({ id, state: 'succeeded' });
    const listed = (await viewer.callTool({ name: 'steward__runs__list', arguments: { playbook: 'mcp-colours' } })) as CallToolResult;
    expect(out(listed).runs.map((r: { id: string }) => r.id)).toContain(id);

    const byCheck = await until('the finding is recorded', async () => {
      const f = parse(await viewer.readResource({ uri: `steward://findings/${encodeURIComponent('mcp/colour')}` }));
      return f.findings.length > 0 ? f : undefined;
    });
    expect(byCheck).toMatchObject({ check: 'mcp/colour', findings: [{ check: 'mcp/colour', severity: 'warning', asset: 'colour', message: 'the colour is red', state: 'open' }] });
    expect(parse(await viewer.readResource({ uri: 'steward://findings' })).findings.map((f: { check: string }) => f.check)).toContain('mcp/colour');
  });

  it('resources/list shows findings, every playbook and the newest runs; a playbook reads as its YAML file', async () => {
    const c = await connect('viewer');
    const { resources } = await c.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['steward://findings', 'steward://playbooks/mcp-colours', 'steward://playbooks/demo-write']));
    expect(uris.some((u) => /^steward:\/\/runs\/run_[0-9a-z]+$/.test(u))).toBe(true);
    for (const r of resources) expect(r.name).toBeTruthy();
    const source = await c.readResource({ uri: 'steward://playbooks/mcp-colours' });
    expect(source.contents[0]).toMatchObject({ mimeType: 'application/yaml', text: readFileSync(playbookFile, 'utf8') });
  });

  it('unknown resources are "resource not found" (-32002), naming the URI', async () => {
    const c = await connect('viewer');
    await expect(c.readResource({ uri: 'steward://runs/run_doesnotexist' })).rejects.toMatchObject({ code: -32002, message: expect.stringContaining('steward://runs/run_doesnotexist') });
    await expect(c.readResource({ uri: 'steward://nothing/here' })).rejects.toMatchObject({ code: -32002 });
    await expect(c.readResource({ uri: 'steward://playbooks/no-such-playbook' })).rejects.toMatchObject({ code: -32002, message: expect.stringContaining('no playbook "no-such-playbook"') });
    await expect(c.subscribeResource({ uri: 'steward://approvals/apr_nope' })).rejects.toMatchObject({ code: -32002 });
  });

  it('a subscribed run and approval get resources/updated as the run parks, is approved and finishes; a new run changes the list', async () => {
    const operator = await connect('operator');
    const updated: string[] = [];
    let listChanges = 0;
    operator.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    operator.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanges++);

    const id = await start(operator, { playbook: 'demo-write', inputs: { key: 'via-mcp' }, environments: { target: 'lab' } });
    await until('list_changed after the run was queued', () => (listChanges > 0 ? true : undefined));
    const parked = await waitForRun(d, id, ['awaiting_approval']);
    const approvalId = parked.steps.find((s: { id: string }) => s.id === 'write').approvalId as string;
    await operator.subscribeResource({ uri: `steward://runs/${id}` });
    await operator.subscribeResource({ uri: `steward://approvals/${approvalId}` });
    const pending = (await operator.callTool({ name: 'steward__approvals__list', arguments: { status: 'pending', runId: id } })) as CallToolResult;
    expect(out(pending).approvals).toMatchObject([{ id: approvalId, tool: 'demo.notes.write', status: 'pending' }]);
    expect(parse(await operator.readResource({ uri: `steward://approvals/${approvalId}` }))).toMatchObject({ id: approvalId, status: 'pending', plan: { wouldChange: true } });

    await request(d.url).post(`/approvals/${approvalId}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
    await waitForRun(d, id, ['succeeded']);
    await until('updates of the run and its approval', () => (updated.includes(`steward://runs/${id}`) && updated.includes(`steward://approvals/${approvalId}`) ? true : undefined));

    await operator.unsubscribeResource({ uri: `steward://runs/${id}` });
    const before = updated.length;
    const other = await start(operator, { playbook: 'mcp-colours', inputs: { colour: 'blue' }, environments: { target: 'lab' } });
    await waitForRun(d, other, ['succeeded']);
    await new Promise((r) => setTimeout(r, 300));
    expect(updated.slice(before).filter((u) => u === `steward://runs/${id}`)).toEqual([]);
  });

  it("a thread's run is its owner's: other clients cannot read, list, subscribe to or get it", async () => {
    const { body: thread } = await request(d.url).post('/threads').set('Authorization', bearer('operator')).send({ environments: ['lab'] }).expect(201);
    llm.push({ content: 'the private answer' });
    const m = await request(d.url).post(`/threads/${thread.id}/messages`).set('Authorization', bearer('operator')).send({ content: 'my private question' }).expect(202);
    const runId = m.body.runId as string;
    await waitForRun(d, runId, ['succeeded'], 15000, 'operator');

    const owner = await connect('operator');
    expect(parse(await owner.readResource({ uri: `steward://runs/${runId}` }))).toMatchObject({ id: runId, prompt: 'my private question' });
    for (const role of ['viewer', 'approver'] as const) {
      const c = await connect(role);
      for (const uri of [`steward://runs/${runId}`, `steward://runs/${runId}/report.md`, `steward://runs/${runId}/report.json`]) {
        await expect(c.readResource({ uri })).rejects.toMatchObject({ code: -32002 });
      }
      await expect(c.subscribeResource({ uri: `steward://runs/${runId}` })).rejects.toMatchObject({ code: -32002 });
      const got = (await c.callTool({ name: 'steward__runs__get', arguments: { id: runId } })) as CallToolResult;
      expect(errorOf(got)).toMatchObject({ code: 'RUN_NOT_FOUND' });
      expect(JSON.stringify(got)).not.toContain('private');
      const { resources } = await c.listResources();
      expect(resources.map((r) => r.uri)).not.toContain(`steward://runs/${runId}`);
      const listed = (await c.callTool({ name: 'steward__runs__list', arguments: { limit: 200 } })) as CallToolResult;
      expect(JSON.stringify(listed)).not.toContain('my private question');
    }
  });

  it('each playbook is a prompt with its inputs and environment roles as arguments; its message asks to run it', async () => {
    const c = await connect('operator');
    const { prompts } = await c.listPrompts();
    const colours = prompts.find((p) => p.name === 'run-mcp-colours')!;
    expect(colours.description).toContain('Echoes a colour');
    expect(colours.arguments).toEqual([
      { name: 'colour', description: expect.stringContaining('One of: red, green, blue'), required: true },
      { name: 'times', description: expect.stringContaining('Default: 1'), required: false },
      { name: 'environment.target', description: expect.stringContaining('lab, lab2'), required: true },
      { name: 'dryRun', description: expect.any(String), required: false },
    ]);
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['well-check-summary', 'migration-review', 'approval-review']));

    const got = await c.getPrompt({ name: 'run-mcp-colours', arguments: { colour: 'green', times: '3', 'environment.target': 'lab2' } });
    const text = (got.messages[0]!.content as { text: string }).text;
    expect(text).toContain('steward__runs__start');
    const call = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
    expect(call).toEqual({ playbook: 'mcp-colours', inputs: { colour: 'green', times: 3 }, environments: { target: 'lab2' } });
    // What the prompt asks for is what the tool takes.
    const id = await start(c, call);
    expect((await waitForRun(d, id, ['succeeded'])).inputs).toEqual({ colour: 'green', times: 3 });

    await expect(c.getPrompt({ name: 'run-mcp-colours', arguments: { times: '2' } })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('colour, environment.target') });
    await expect(c.getPrompt({ name: 'run-nothing' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('no prompt "run-nothing"') });
  });

  it('governance prompts embed what they review: the open findings, a run report, an approval', async () => {
    const c = await connect('viewer');
    // Red again (a blue run since resolved the finding): it is open once more.
    await waitForRun(d, await start(await connect('operator'), { playbook: 'mcp-colours', inputs: { colour: 'red' }, environments: { target: 'lab' } }), ['succeeded']);
    const findings = await until('the finding is open again', async () => {
      const summary = await c.getPrompt({ name: 'well-check-summary', arguments: { check: 'mcp/colour' } });
      const content = summary.messages.find((m) => m.content.type === 'resource')!.content as { resource: { uri: string; text: string } };
      return JSON.parse(content.resource.text).findings.length > 0 ? content : undefined;
    });
    expect(findings.resource.uri).toBe('steward://findings/mcp%2Fcolour');
    expect(JSON.parse(findings.resource.text).findings[0]).toMatchObject({ check: 'mcp/colour', state: 'open' });

    const runs = (await c.callTool({ name: 'steward__runs__list', arguments: { playbook: 'mcp-colours', state: 'succeeded', limit: 1 } })) as CallToolResult;
    const runId = out(runs).runs[0].id as string;
    const review = await c.getPrompt({ name: 'migration-review', arguments: { run: runId } });
    const report = review.messages.find((m) => m.content.type === 'resource')!.content as { resource: { uri: string; mimeType: string; text: string } };
    expect(report.resource).toMatchObject({ uri: `steward://runs/${runId}/report.md`, mimeType: 'text/markdown', text: expect.stringContaining(runId) });
    await expect(c.getPrompt({ name: 'migration-review', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('needs the argument run') });
  });

  it('completes enum inputs, environment names, playbook ids, run ids and checks', async () => {
    const c = await connect('viewer');
    const values = async (ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }, name: string, value: string) =>
      (await c.complete({ ref, argument: { name, value } })).completion.values;
    expect(await values({ type: 'ref/prompt', name: 'run-mcp-colours' }, 'colour', 'g')).toEqual(['green']);
    expect(await values({ type: 'ref/prompt', name: 'run-mcp-colours' }, 'colour', '')).toEqual(['blue', 'green', 'red']);
    expect(await values({ type: 'ref/prompt', name: 'run-mcp-colours' }, 'environment.target', 'lab')).toEqual(['lab', 'lab2']);
    expect(await values({ type: 'ref/prompt', name: 'run-mcp-colours' }, 'times', '')).toEqual([]);
    expect(await values({ type: 'ref/prompt', name: 'well-check-summary' }, 'environment', 'lab2')).toEqual(['lab2']);
    expect(await values({ type: 'ref/prompt', name: 'well-check-summary' }, 'check', 'mcp/')).toEqual(['mcp/colour']);
    expect(await values({ type: 'ref/resource', uri: 'steward://playbooks/{id}' }, 'id', 'mcp-')).toEqual(['mcp-colours']);
    const runIds = await values({ type: 'ref/resource', uri: 'steward://runs/{id}' }, 'id', 'run_');
    expect(runIds.length).toBeGreaterThan(0);
    await expect(c.complete({ ref: { type: 'ref/prompt', name: 'no-such-prompt' }, argument: { name: 'x', value: '' } })).rejects.toMatchObject({ code: -32602 });
  });
});
