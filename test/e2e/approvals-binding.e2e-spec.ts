import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { fromText } from '../../src/config/config.loader.js';
import { startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { everythingStdio } from '../helpers/mcp-peers.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';

/**
 * What an approval binds, over real HTTP with the MCP SDK's own client: its requester, its run and step, the exact
 * call; outside clients never act as part of a run; a client that cannot send `_meta` gets its approved call by
 * repeating it; tools without an environment are held to the configured policy; a decision and the expiry agree;
 * a call whose plan fails cannot be approved. On the embedded store, and on PostgreSQL when STEWARD_TEST_PG_URL is set.
 */
const PLAYBOOKS = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const ALL_TOKENS = { ...TOKENS, 'operator-b': 'operator-b-token-eeeeeeeeeeeeeeee', 'approver-b': 'approver-b-token-ffffffffffffffff' } as const;
type Who = keyof typeof ALL_TOKENS;
const auth = (who: Who) => `Bearer ${ALL_TOKENS[who]}`;
const ROLE: Record<Who, string> = { viewer: 'viewer', operator: 'operator', 'operator-b': 'operator', approver: 'approver', 'approver-b': 'approver', admin: 'admin' };

const yaml = (storeUrl: string | undefined, extra = '') =>
  [
    'logging: { level: debug, format: json }',
    ...(storeUrl ? ['store:', `  url: "${storeUrl}"`] : []),
    'auth:',
    '  tokens:',
    ...Object.entries(ALL_TOKENS).map(([name, token]) => `    - { name: ${name}, token: ${token}, role: ${ROLE[name as Who]} }`),
    'environments:',
    '  lab: { kind: demo }',
    '  brief: { kind: demo, policy: { expiresAfter: 4s } }',
    `playbooks:\n  dirs: [${PLAYBOOKS}]`,
    extra,
  ].join('\n');

const errorCode = (r: CallToolResult) => (r._meta?.['steward/error'] as { code?: string } | undefined)?.code ?? (r._meta?.['steward/approval'] ? 'APPROVAL_PENDING' : undefined);
const pendingId = (r: CallToolResult) => (r._meta?.['steward/approval'] as { id: string } | undefined)?.id;

const STORES = [{ name: 'embedded store', pg: false }, ...(PG_ADMIN_URL ? [{ name: 'PostgreSQL', pg: true }] : [])];

describe.each(STORES)('approvals bind requester, run, step and call ($name)', ({ pg }) => {
  let d: TestDaemon;
  let drop: (() => Promise<void>) | undefined;
  const clients: Client[] = [];
  const connect = async (who: Who) => {
    const client = new Client({ name: `e2e-${who}`, version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: auth(who) } } }));
    clients.push(client);
    return client;
  };
  const decide = (id: string, who: Who, body: object) => request(d.url).post(`/approvals/${id}`).set('Authorization', auth(who)).send(body);
  const approval = async (id: string) => (await request(d.url).get(`/approvals/${id}`).set('Authorization', auth('viewer')).expect(200)).body;
  const notes = async (c: Client, env = 'lab') => JSON.stringify((await c.callTool({ name: 'demo.notes.list', arguments: { environment: env } })).structuredContent ?? {});

  beforeAll(async () => {
    let url: string | undefined;
    if (pg) ({ url, drop } = await freshPgDatabase('steward_apr'));
    const extra = [
      'approvals:',
      '  defaultPolicy: { approvers: 2 }',
      'plugins:',
      '  mcp:',
      '    tools: [everything.echo]',
      '    policy: { approvers: 2 }',
      '    settings:',
      '      servers:',
      `        everything: ${JSON.stringify(everythingStdio({ effects: { echo: 'write' } }))}`,
    ].join('\n');
    d = await startTestDaemon(yaml(url, extra));
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d?.close();
    await drop?.();
  });

  it("operator B presenting A's approval id is refused and nothing runs; A can still use it", async () => {
    const a = await connect('operator');
    const b = await connect('operator-b');
    const args = { key: 'ann-only', text: 'from A', environment: 'lab' };
    const first = await a.callTool({ name: 'demo__notes__write', arguments: args });
    const id = pendingId(first as CallToolResult)!;
    expect(id).toMatch(/^apr_/);
    await decide(id, 'approver', { decision: 'approve' }).expect(200);

    const stolen = (await b.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': id } })) as CallToolResult;
    expect(stolen.isError).toBe(true);
    expect(errorCode(stolen)).toBe('APPROVAL_NOT_YOURS');
    expect((stolen.content as { text: string }[])[0].text).toContain('requested by "operator"');
    expect(await notes(a)).not.toContain('ann-only');
    expect(await approval(id)).toMatchObject({ status: 'approved', requestedBy: 'operator', consumedAt: null });
    expect(d.logs.text).toMatch(/approval presented by someone other than its requester; refused/);

    const used = (await a.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': id } })) as CallToolResult;
    expect(used.isError).toBeFalsy();
    expect(used.structuredContent).toMatchObject({ key: 'ann-only', revision: 1 });
    expect(await approval(id)).toMatchObject({ status: 'consumed' });
  });

  it("a run's approval is released only to that run's step: over /mcp neither the run's requester nor anyone else can use it", async () => {
    const started = await request(d.url).post('/runs').set('Authorization', auth('operator')).send({ playbook: 'demo-write', inputs: { key: 'run-note', text: 'by the run' }, environments: { target: 'lab' } }).expect(202);
    const runId = started.body.id as string;
    await waitForRun(d, runId, ['awaiting_approval']);
    const [pending] = (await request(d.url).get(`/approvals?runId=${runId}&status=pending`).set('Authorization', auth('viewer')).expect(200)).body.approvals;
    const args = { key: 'run-note', text: 'by the run', environment: 'lab' };
    for (const who of ['operator', 'operator-b'] as const) {
      const c = await connect(who);
      const r = (await c.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': pending.id } })) as CallToolResult;
      expect(errorCode(r)).toBe('APPROVAL_NOT_YOURS');
      expect((r.content as { text: string }[])[0].text).toContain(`belongs to step write of run ${runId}`);
    }
    await decide(pending.id, 'approver', { decision: 'approve', comment: 'go' }).expect(200);
    const run = await waitForRun(d, runId, ['succeeded', 'failed', 'cancelled', 'expired']);
    expect(run).toMatchObject({ state: 'succeeded', outputs: { revision: 1 } });
    expect(run.steps.find((s: any) => s.id === 'write')).toMatchObject({ state: 'succeeded', approvalId: pending.id });
  });

  it('an outside client cannot attach a call to a run with _meta steward/runId or steward/stepId', async () => {
    const started = await request(d.url).post('/runs').set('Authorization', auth('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' } }).expect(202);
    const runId = started.body.id as string;
    await waitForRun(d, runId, ['succeeded']);
    const eventsBefore = (await request(d.url).get(`/runs/${runId}`).set('Authorization', auth('viewer')).expect(200)).body.lastEventId;
    const c = await connect('operator');
    for (const _meta of [{ 'steward/runId': runId, 'steward/stepId': 'write' }, { 'steward/runId': runId }, { 'steward/stepId': 'x' }]) {
      const r = (await c.callTool({ name: 'demo__notes__write', arguments: { key: 'attached', text: 'x', environment: 'lab' }, _meta })) as CallToolResult;
      expect(errorCode(r)).toBe('RUN_IDENTITY_REFUSED');
    }
    const approvals = (await request(d.url).get(`/approvals?runId=${runId}`).set('Authorization', auth('viewer')).expect(200)).body.approvals;
    expect(approvals).toHaveLength(0);
    expect((await request(d.url).get(`/runs/${runId}`).set('Authorization', auth('viewer')).expect(200)).body.lastEventId).toBe(eventsBefore);
  });

  it('a client that cannot send _meta: repeats while pending name the same approval; once approved, the exact repeat runs once', async () => {
    const c = await connect('operator');
    const b = await connect('operator-b');
    const args = { key: 'no-meta', text: 'plain client', environment: 'lab' };
    const first = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult)!;
    const again = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult);
    expect(again).toBe(first);
    // Other arguments, or another person, are another approval.
    const other = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: { ...args, text: 'other' } })) as CallToolResult);
    expect(other).not.toBe(first);
    const bobs = pendingId((await b.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult);
    expect(bobs).not.toBe(first);
    await decide(first, 'approver', { decision: 'approve' }).expect(200);
    // B repeating the same call does not get A's approval.
    expect(pendingId((await b.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult)).toBe(bobs);
    expect(await notes(c)).not.toContain('no-meta');

    const ran = (await c.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult;
    expect(ran.isError).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({ key: 'no-meta', revision: 1 });
    expect(await approval(first)).toMatchObject({ status: 'consumed', outcome: 'succeeded' });
    const next = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult);
    expect(next).toMatch(/^apr_/);
    expect(next).not.toBe(first);
    expect(await notes(c)).toContain('"revision":1');
  });

  it('the repeat is the same call whatever the order of its arguments, and another environment is another call', async () => {
    const c = await connect('operator');
    const first = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: { key: 'ordered', text: 'same call', environment: 'lab' } })) as CallToolResult)!;
    expect(pendingId((await c.callTool({ name: 'demo__notes__write', arguments: { environment: 'lab', text: 'same call', key: 'ordered' } })) as CallToolResult)).toBe(first);
    const elsewhere = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: { key: 'ordered', text: 'same call', environment: 'brief' } })) as CallToolResult);
    expect(elsewhere).toMatch(/^apr_/);
    expect(elsewhere).not.toBe(first);
    await decide(first, 'approver', { decision: 'approve' }).expect(200);
    // Approved for lab: the same call on brief is still waiting for its own approval, and nothing ran there.
    expect(pendingId((await c.callTool({ name: 'demo__notes__write', arguments: { text: 'same call', key: 'ordered', environment: 'brief' } })) as CallToolResult)).toBe(elsewhere);
    expect(await notes(c, 'brief')).not.toContain('ordered');
    const ran = (await c.callTool({ name: 'demo__notes__write', arguments: { text: 'same call', environment: 'lab', key: 'ordered' } })) as CallToolResult;
    expect(ran.isError).toBeFalsy();
    expect(await approval(first)).toMatchObject({ status: 'consumed', outcome: 'succeeded' });
    expect(await approval(elsewhere!)).toMatchObject({ status: 'pending' });
  });

  it('tools without an environment are held to the configured policy: two approvers for an external MCP tool and a util write', async () => {
    const c = await connect('operator');
    for (const [name, args] of [
      ['mcp.everything.echo', { message: 'held to two' }],
      ['demo.util.stall', { ms: 1 }],
    ] as const) {
      const id = pendingId((await c.callTool({ name, arguments: args })) as CallToolResult)!;
      expect(await approval(id)).toMatchObject({ requiredApprovals: 2, status: 'pending', environments: {} });
      await decide(id, 'approver', { decision: 'approve' }).expect(200);
      expect(await approval(id)).toMatchObject({ status: 'pending' });
      expect(errorCode((await c.callTool({ name, arguments: args })) as CallToolResult)).toBe('APPROVAL_PENDING');
      await decide(id, 'approver-b', { decision: 'approve' }).expect(200);
      const ran = (await c.callTool({ name, arguments: args })) as CallToolResult;
      expect(ran.isError).toBeFalsy();
      expect(await approval(id)).toMatchObject({ status: 'consumed', decisions: [expect.objectContaining({ decision: 'approve' }), expect.objectContaining({ decision: 'approve' })] });
    }
  });

  it('approved shortly before its expiry, an outside call still runs after the expiry passed (never 200 then APPROVAL_EXPIRED)', async () => {
    const c = await connect('operator');
    const args = { key: 'near-expiry', text: 'x', environment: 'brief' };
    const id = pendingId((await c.callTool({ name: 'demo__notes__write', arguments: args })) as CallToolResult)!;
    const expiresAt = new Date((await approval(id)).expiresAt).getTime();
    await until('1.5 s before the expiry', () => (Date.now() >= expiresAt - 1500 ? true : undefined), 10_000);
    const decided = await decide(id, 'approver', { decision: 'approve' });
    await until('the original expiry to pass', () => (Date.now() > expiresAt + 300 ? true : undefined), 10_000);
    const r = (await c.callTool({ name: 'demo__notes__write', arguments: args, _meta: { 'steward/approvalId': id } })) as CallToolResult;
    if (decided.status === 200) {
      expect(r.isError).toBeFalsy();
      expect(await approval(id)).toMatchObject({ status: 'consumed', outcome: 'succeeded' });
    } else {
      // The decision came too late on a slow machine: refused as expired, and the call does not run.
      expect(decided.body.code).toBe('APPROVAL_EXPIRED');
      expect(r.isError).toBe(true);
    }
  });

  it("a run's approval decided at its expiry either wins and the step runs, or is refused as expired: never approved then failed", async () => {
    const started = await request(d.url).post('/runs').set('Authorization', auth('operator')).send({ playbook: 'demo-write', inputs: { key: 'race' }, environments: { target: 'brief' } }).expect(202);
    await waitForRun(d, started.body.id, ['awaiting_approval']);
    const [pending] = (await request(d.url).get(`/approvals?runId=${started.body.id}&status=pending`).set('Authorization', auth('viewer')).expect(200)).body.approvals;
    const expiresAt = new Date(pending.expiresAt).getTime();
    await until('the last moments before the expiry', () => (Date.now() >= expiresAt - 60 ? true : undefined), 10_000, 5);
    const decided = await decide(pending.id, 'approver', { decision: 'approve' });
    const run = await waitForRun(d, started.body.id, ['succeeded', 'failed', 'cancelled', 'expired'], 30_000);
    const after = await approval(pending.id);
    if (decided.status === 200) {
      expect(run.state).toBe('succeeded');
      expect(after.status).toBe('consumed');
    } else {
      expect(decided.body.code).toBe('APPROVAL_EXPIRED');
      expect(run.state).toBe('expired');
      expect(after.status).toBe('expired');
    }
  });
});

describe.each(STORES)('honest outcomes of a plan that fails ($name)', ({ pg }) => {
  let d: TestDaemon;
  let drop: (() => Promise<void>) | undefined;
  let client: Client;
  beforeAll(async () => {
    let url: string | undefined;
    if (pg) ({ url, drop } = await freshPgDatabase('steward_plan'));
    d = await startTestDaemon(yaml(url, 'plugins:\n  demo:\n    settings: { maxNotes: 1 }\n'));
    client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: auth('operator') } } }));
    // Fill lab's notebook (it holds one note): any further note would fail.
    const id = pendingId((await client.callTool({ name: 'demo__notes__write', arguments: { key: 'only', text: 'x', environment: 'lab' } })) as CallToolResult)!;
    await request(d.url).post(`/approvals/${id}`).set('Authorization', auth('approver')).send({ decision: 'approve' }).expect(200);
    expect((await client.callTool({ name: 'demo__notes__write', arguments: { key: 'only', text: 'x', environment: 'lab' } })).isError).toBeFalsy();
  }, 60_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await d?.close();
    await drop?.();
  });

  it('a dry run whose plan fails ends failed, and the Markdown report lists the failed asset', async () => {
    const started = await request(d.url).post('/runs').set('Authorization', auth('operator')).send({ playbook: 'demo-write', inputs: { key: 'second' }, environments: { target: 'lab' }, dryRun: true }).expect(202);
    const run = await waitForRun(d, started.body.id, ['succeeded', 'failed']);
    expect(run.state).toBe('failed');
    expect(run.reason).toContain('PLAN_FAILED');
    expect(run.steps.find((s: any) => s.id === 'write')).toMatchObject({ state: 'failed', dryRun: 'would_fail', error: { code: 'PLAN_FAILED', detail: { failed: [{ target: 'note second' }] } } });
    const md = await request(d.url).get(`/runs/${started.body.id}/report?format=md`).set('Authorization', auth('viewer')).expect(200);
    expect(md.text).toContain('## Failed assets (1)');
    expect(md.text).toMatch(/\| write \| note second \| the notebook holds its maximum of 1 notes \|/);
    const json = await request(d.url).get(`/runs/${started.body.id}/report`).set('Authorization', auth('viewer')).expect(200);
    expect(json.body.failedAssets).toEqual([{ step: 'write', asset: 'note second', reason: 'the notebook holds its maximum of 1 notes' }]);
  });

  it('an approval whose plan fails shows the failure and cannot be approved; rejecting it ends the run', async () => {
    const started = await request(d.url).post('/runs').set('Authorization', auth('operator')).send({ playbook: 'demo-write', inputs: { key: 'second' }, environments: { target: 'lab' } }).expect(202);
    await waitForRun(d, started.body.id, ['awaiting_approval']);
    const [pending] = (await request(d.url).get(`/approvals?runId=${started.body.id}&status=pending`).set('Authorization', auth('viewer')).expect(200)).body.approvals;
    expect(pending.planFailure).toContain('note second: the notebook holds its maximum of 1 notes');
    const refused = await request(d.url).post(`/approvals/${pending.id}`).set('Authorization', auth('approver')).send({ decision: 'approve', comment: 'looks fine' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'APPROVAL_PLAN_FAILED' });
    expect(refused.body.detail ?? refused.body.message ?? '').toContain('note second');
    expect((await request(d.url).get(`/approvals/${pending.id}`).set('Authorization', auth('viewer')).expect(200)).body).toMatchObject({ status: 'pending', decisions: [] });
    await request(d.url).post(`/approvals/${pending.id}`).set('Authorization', auth('approver')).send({ decision: 'reject', comment: 'notebook full' }).expect(200);
    expect((await waitForRun(d, started.body.id, ['rejected', 'failed', 'succeeded'])).state).toBe('rejected');
  });
});

describe('policy config for tools without an environment', () => {
  it('is validated: a bad approvals.defaultPolicy or plugins.<id>.policy names its path', () => {
    const load = (extra: string) => fromText('/tmp/steward.yaml', yaml(undefined, extra), '/tmp', {});
    expect(() => load('approvals:\n  defaultPolicy: { approvers: 0 }\n')).toThrow(/approvals\.defaultPolicy\.approvers/);
    expect(() => load('plugins:\n  mcp:\n    policy: { approver: 2 }\n')).toThrow(/plugins\.mcp\.policy/);
    expect(() => load('approvals:\n  fallback: {}\n')).toThrow(/approvals/);
    expect(load('approvals:\n  defaultPolicy: { approvers: 2, expiresAfter: 1h }\nplugins:\n  mcp:\n    policy: { approvers: 3 }\n').config).toMatchObject({
      approvals: { defaultPolicy: { approvers: 2, expiresAfter: '1h' } },
      plugins: { mcp: { policy: { approvers: 3 } } },
    });
  });
});

if (!PG_ADMIN_URL) describe.skip('approvals e2e on PostgreSQL (SKIPPED: set STEWARD_TEST_PG_URL)', () => it('needs a server', () => undefined));
