import { request as httpRequest, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const CONFIG = configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`);

/** One sample's value from the exposition text (undefined when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics over real HTTP', () => {
  let d: TestDaemon;
  const scrape = async () => {
    const res = await request(d.url).get('/metrics').set('Authorization', bearer('viewer')).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };
  beforeAll(async () => {
    d = await startTestDaemon(CONFIG);
  });
  afterAll(() => d.close());

  it('answers 401 without a token and a viewer with the text exposition format', async () => {
    const res = await request(d.url).get('/metrics').expect(401);
    expect(res.body.code).toBe('AUTH_MISSING_TOKEN');
    const text = await scrape();
    for (const name of ['steward_runs', 'steward_approvals_pending', 'steward_sse_streams', 'steward_mcp_sessions', 'nodejs_eventloop_lag_seconds', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });

  it('the series move after a run: runs by state and playbook, run, step and tool durations, tool calls', async () => {
    const before = await scrape();
    const labels = { state: 'succeeded', playbook: 'demo-read' };
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' }, inputs: { greeting: 'hi' } }).expect(202);
    await waitForRun(d, body.id, ['succeeded']);
    // run.finished is counted after the run's row is read back: wait for it rather than for a fixed time.
    let after = '';
    await until('steward_runs_finished_total to count the run', async () => {
      after = await scrape();
      return (sample(after, 'steward_runs_finished_total', labels) ?? 0) > (sample(before, 'steward_runs_finished_total', labels) ?? 0) ? true : undefined;
    }, 15000);
    expect(sample(after, 'steward_runs', labels)).toBe((sample(before, 'steward_runs', labels) ?? 0) + 1);
    expect(sample(after, 'steward_run_duration_seconds_count', labels)).toBe((sample(before, 'steward_run_duration_seconds_count', labels) ?? 0) + 1);
    expect(sample(after, 'steward_step_duration_seconds_count', { outcome: 'succeeded' })).toBeGreaterThanOrEqual((sample(before, 'steward_step_duration_seconds_count', { outcome: 'succeeded' }) ?? 0) + 5);
    const list = { tool: 'demo.notes.list', environment: 'lab', mode: 'execute', outcome: 'ok' };
    expect(sample(after, 'steward_tool_calls_total', list)).toBe((sample(before, 'steward_tool_calls_total', list) ?? 0) + 1);
    expect(sample(after, 'steward_tool_call_duration_seconds_count', list)).toBe((sample(before, 'steward_tool_call_duration_seconds_count', list) ?? 0) + 1);
    expect(sample(after, 'steward_tool_calls_total', { tool: 'demo.util.echo', environment: 'none' })).toBeGreaterThanOrEqual(2);
    expect(after).not.toContain(body.id); // no run ids as labels
  });

  it('counts pending approvals and the decision latency', async () => {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'metrics-note' } }).expect(202);
    await waitForRun(d, body.id, ['awaiting_approval']);
    const waiting = await scrape();
    expect(sample(waiting, 'steward_approvals_pending')).toBe(1);
    const { approvals } = (await request(d.url).get(`/approvals?runId=${body.id}`).set('Authorization', bearer('viewer'))).body;
    await request(d.url).post(`/approvals/${approvals[0].id}`).set('Authorization', bearer('approver')).send({ decision: 'approve' }).expect(200);
    await waitForRun(d, body.id, ['succeeded']);
    const settled = await scrape();
    expect(sample(settled, 'steward_approvals_pending')).toBe(0);
    expect(sample(settled, 'steward_approval_decision_seconds_count', { status: 'approved' })).toBeGreaterThanOrEqual(1);
  });

  it('counts open MCP sessions; an unconfigured environment name a caller sends is no label', async () => {
    const before = sample(await scrape(), 'steward_mcp_sessions') ?? 0;
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'metrics-test', version: '1' } } };
    const headers = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json', Authorization: bearer('viewer') };
    const res = await request(d.url).post('/mcp').set(headers).send(init).expect(200);
    const sid = res.headers['mcp-session-id'];
    expect(sample(await scrape(), 'steward_mcp_sessions')).toBe(before + 1);
    // A caller naming an environment that is not configured: the call fails, and the name is no label.
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'demo__notes__list', arguments: { environment: 'made-up-env-7c1' } } };
    await request(d.url).post('/mcp').set(headers).set('Mcp-Session-Id', sid).set('Mcp-Protocol-Version', '2025-06-18').send(call).expect(200);
    const text = await scrape();
    expect(text).not.toContain('made-up-env-7c1');
    await request(d.url).delete('/mcp').set(headers).set('Mcp-Session-Id', sid);
    await until('the closed MCP session to leave steward_mcp_sessions', async () => (sample(await scrape(), 'steward_mcp_sessions') === before ? true : undefined), 15000);
  });

  it('counts open SSE streams', async () => {
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'sse-note' } }).expect(202);
    await waitForRun(d, body.id, ['awaiting_approval']);
    const url = new URL(`/runs/${body.id}/events`, d.url);
    let req: ClientRequest | undefined;
    await new Promise<void>((resolve, reject) => {
      req = httpRequest(url, { headers: { Authorization: `Bearer ${TOKENS.viewer}`, Accept: 'text/event-stream' } }, (res) => {
        res.once('data', () => resolve());
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      req.end();
    });
    try {
      expect(sample(await scrape(), 'steward_sse_streams')).toBe(1);
    } finally {
      req?.destroy();
    }
    await until('the closed stream to leave steward_sse_streams', async () => (sample(await scrape(), 'steward_sse_streams') === 0 ? true : undefined), 15000);
    await request(d.url).post(`/runs/${body.id}/cancel`).set('Authorization', bearer('operator')).expect(200);
  });
});

describe('/metrics when the store does not answer', () => {
  it('still answers with the process metrics (the store gauges keep their last values)', async () => {
    const d = await startTestDaemon();
    try {
      await request(d.url).get('/metrics').set('Authorization', bearer('viewer')).expect(200);
      await d.store.close();
      const res = await request(d.url).get('/metrics').set('Authorization', bearer('viewer')).expect(200);
      expect(res.text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(d.logs.text).toContain('a gauge could not be read');
    } finally {
      await d.close().catch(() => undefined);
    }
  });
});

describe('/metrics: Sisense requests by status', () => {
  let sim: SisenseSim;
  let d: TestDaemon;
  beforeAll(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    d = await startTestDaemon(configYaml(`environments:\n  bi: { kind: sisense, url: "${sim.url}", token: "${sim.token}", options: { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 } }\n`));
  }, 60000);
  afterAll(async () => {
    await d?.close();
    await sim?.close();
  });

  it('counts each answer of the target by plugin, environment and status, retried ones included; no token or URL in the text', async () => {
    sim.faults.push({ method: 'GET', path: /./, status: 503, times: 1 });
    const { body } = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'sisense-wellcheck', environments: { target: 'bi' } }).expect(202);
    await waitForRun(d, body.id, ['succeeded'], 60000);
    const text = (await request(d.url).get('/metrics').set('Authorization', bearer('viewer')).expect(200)).text;
    expect(sample(text, 'steward_target_requests_total', { plugin: 'sisense', environment: 'bi', status: '503' })).toBe(1);
    expect(sample(text, 'steward_target_requests_total', { plugin: 'sisense', environment: 'bi', status: '200' })).toBe(sim.requests.filter((r) => r.status === 200).length);
    expect(text).not.toContain(sim.token);
    expect(text).not.toContain(sim.url);
  }, 90000);
});

(PG_ADMIN_URL ? describe : describe.skip)('/metrics: the PostgreSQL store pool', () => {
  let database: Awaited<ReturnType<typeof freshPgDatabase>>;
  let d: TestDaemon;
  beforeAll(async () => {
    database = await freshPgDatabase('steward_metrics');
    d = await startTestDaemon(configYaml(`store:\n  url: "${database.url}"\n`));
  }, 60000);
  afterAll(async () => {
    await d?.close();
    await database?.drop();
  });

  it('reports the pool connections by state, and not the database URL', async () => {
    const text = (await request(d.url).get('/metrics').set('Authorization', bearer('viewer')).expect(200)).text;
    expect(sample(text, 'steward_store_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    // The scrape's own store queries may be waiting for a connection at that moment.
    expect(sample(text, 'steward_store_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'steward_store_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
    expect(text).not.toContain(new URL(database.url).password);
  });
});
