import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, configYaml } from '../helpers/daemon.js';
import { freePort, processApi, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';
import { EVERYTHING_BIN } from '../helpers/mcp-peers.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const running: ProcessDaemon[] = [];

const api = processApi;

/**
 * Two daemon starts, kill -9 and recovery on a loaded 2-core machine: each wait below is on a condition with a
 * generous limit, and the test's own limit covers all of them (jest's 30 s default did not, under a load of 9-13).
 */
const KILL_TEST_MS = 240_000;
const drops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const drop of drops.splice(0)) await drop().catch(() => undefined);
});

async function setup(extra = '', storeUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-durable-'));
  // On PostgreSQL the killed daemon's runs stay leased until the lease lapses: a short lease keeps the restart quick.
  const store = storeUrl ? `store: { url: "${storeUrl}" }\nruns: { leaseMs: 2000 }\n` : '';
  writeFileSync(join(dir, 'steward.yaml'), configYaml(`${store}environments:\n  lab: { kind: demo }\n${extra}playbooks:\n  dirs: [${FIXTURES}, ${join(dir, 'playbooks')}]\n`).replace('level: debug', 'level: info'));
  mkdirSync(join(dir, 'playbooks'));
  const port = await freePort();
  const start = async () => {
    const d = await spawnDaemon(dir, port);
    running.push(d);
    return d;
  };
  return { start, dir };
}

afterEach(() => {
  for (const d of running.splice(0)) if (d.child.exitCode === null) d.child.kill('SIGKILL');
});

describe('durability: the real binary killed mid-run', () => {
  it('kill -9 while a run waits for approval: the approval is still pending after restart and the run completes', async () => {
    const { start } = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'durable' } });
    await runIn(d, body.id, ['awaiting_approval']);
    const approvals = (await api(d, 'GET', `/approvals?runId=${body.id}`, 'viewer')).body.approvals;
    d.child.kill('SIGKILL');
    expect(await d.exited).toBeNull();

    d = await start();
    const again = await api(d, 'GET', `/approvals/${approvals[0].id}`, 'viewer');
    expect(again.body).toMatchObject({ status: 'pending', tool: 'demo.notes.write', requestedBy: 'operator' });
    expect((await api(d, 'POST', `/approvals/${approvals[0].id}`, 'approver', { decision: 'approve' })).status).toBe(200);
    const done = await runIn(d, body.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    expect(done.steps.map((s: any) => s.key)).toEqual(['before', 'write', 'after']);
  }, KILL_TEST_MS);

  it('kill -9 while a non-idempotent write is in flight: it is marked unknown and waits for retry or skip', async () => {
    const { start } = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { stallMs: 60000 } });
    await runIn(d, body.id, ['awaiting_approval']);
    const first = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    await api(d, 'POST', `/approvals/${first.id}`, 'approver', { decision: 'approve' });
    // Released (its approval consumed): killed before that, the call could not have run and simply runs again.
    await until('the stall to be released and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const a = await api(d, 'GET', `/approvals/${first.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.key === 'stall' && s.state === 'running') && a.body.status === 'consumed' ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGKILL');
    await d.exited;

    d = await start();
    const run = await runIn(d, body.id, ['awaiting_approval']);
    expect(run.steps.find((s: any) => s.key === 'warmup').state).toBe('succeeded');
    expect(run.steps.find((s: any) => s.key === 'stall').state).toBe('unknown');
    const unknown = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    expect(unknown).toMatchObject({ kind: 'unknown_step', tool: 'demo.util.stall', stepKey: 'stall' });
    expect((await api(d, 'POST', `/approvals/${unknown.id}`, 'approver', { decision: 'approve' })).body.code).toBe('VALIDATION_FAILED');
    expect((await api(d, 'POST', `/approvals/${unknown.id}`, 'approver', { decision: 'skip', comment: 'checked by hand' })).status).toBe(200);
    const done = await runIn(d, body.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { message: 'done' } });
    expect(done.steps.find((s: any) => s.key === 'stall').state).toBe('skipped');
    const events = await fetch(`${d.url}/runs/${body.id}/events`, { headers: { Authorization: bearer('viewer') } }).then((r) => r.text());
    const ids = [...events.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(events).toContain('event: step.unknown');
  }, KILL_TEST_MS);

  it('SIGTERM during an idempotent read: clean exit 0, and the step re-runs after restart', async () => {
    const { start } = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { readSteps: 30, stallMs: 10 } });
    await until('warmup in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.key === 'warmup' && s.state === 'running') ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);

    d = await start();
    const waiting = await runIn(d, body.id, ['awaiting_approval'], );
    expect(waiting.steps.find((s: any) => s.key === 'warmup')).toMatchObject({ state: 'succeeded', attempt: 2 });
    const a = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    await api(d, 'POST', `/approvals/${a.id}`, 'approver', { decision: 'approve' });
    expect((await runIn(d, body.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  }, KILL_TEST_MS);
});

const SLOW_IDEMPOTENT = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: durable-idempotent-write, description: An idempotent write of a few seconds on an outside MCP server. }
steps:
  - id: op
    tool: mcp.everything.trigger-long-running-operation
    with: { duration: 6, steps: 6 }
`;

const FOLDER = `
apiVersion: steward/v1
kind: Playbook
metadata: { name: durable-folder, description: A gated Sisense write whose plan asks the target. }
environments:
  target: { kind: sisense }
steps:
  - id: folder
    tool: sisense.folder.create
    with: { name: Durable }
`;

// server-everything's long-running operation, declared an idempotent write (its hints say read-only).
const EVERYTHING = `plugins:\n  mcp:\n    settings:\n      servers:\n        everything: { transport: stdio, command: ${process.execPath}, args: [${EVERYTHING_BIN}, stdio], effects: { trigger-long-running-operation: write }, idempotent: [trigger-long-running-operation] }\n`;

const STORES: [string, boolean][] = [['embedded store', false], ...(PG_ADMIN_URL ? ([['PostgreSQL', true]] as [string, boolean][]) : [])];

describe.each(STORES)('durability of writes in doubt: the real binary killed mid-call (%s)', (_name, pg) => {
  const storeUrl = async () => {
    if (!pg) return undefined;
    const db = await freshPgDatabase('steward_durable');
    drops.push(db.drop);
    return db.url;
  };
  const pendingOf = async (d: ProcessDaemon, runId: string) => (await api(d, 'GET', `/approvals?runId=${runId}&status=pending`, 'viewer')).body.approvals as any[];
  const stepOf = (run: any, key: string) => run.steps.find((s: any) => s.key === key);

  it('a non-idempotent write: unknown, decided under the environment policy (two approvers, no self-approval), showing the approved plan', async () => {
    const { start } = await setup('  pair: { kind: demo, policy: { approvers: 2 } }\n', await storeUrl());
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'pair' }, inputs: { stallMs: 60000 } });
    await runIn(d, body.id, ['awaiting_approval']);
    const first = (await pendingOf(d, body.id))[0];
    for (const role of (['approver', 'admin'] as const).slice(0, first.requiredApprovals)) expect((await api(d, 'POST', `/approvals/${first.id}`, role, { decision: 'approve' })).status).toBe(200);
    await until('the stall to be released and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const a = await api(d, 'GET', `/approvals/${first.id}`, 'viewer');
      return stepOf(r.body, 'stall')?.state === 'running' && a.body.status === 'consumed' ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGKILL');
    await d.exited;

    d = await start();
    const run = await runIn(d, body.id, ['awaiting_approval']);
    expect(stepOf(run, 'stall').state).toBe('unknown');
    const [doubt] = await pendingOf(d, body.id);
    expect(doubt).toMatchObject({ kind: 'unknown_step', stepKey: 'stall', requiredApprovals: 2, allowSelfApproval: false, plan: first.plan, input: { ms: 60000 } });
    expect(doubt.message).toContain(first.id);
    expect((await api(d, 'POST', `/approvals/${doubt.id}`, 'approver', { decision: 'retry' })).body.status).toBe('pending');
    expect((await api(d, 'POST', `/approvals/${doubt.id}`, 'admin', { decision: 'skip', comment: 'the stall changes nothing' })).body.status).toBe('approved');
    const done = await runIn(d, body.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { message: 'done' } });
    expect(done.steps.filter((s: any) => ['running', 'awaiting_approval'].includes(s.state))).toEqual([]);
  }, KILL_TEST_MS);

  it('an idempotent write: it runs again after the restart (its approval released again to that step) and the run succeeds', async () => {
    const { start, dir } = await setup(EVERYTHING, await storeUrl());
    writeFileSync(join(dir, 'playbooks', 'idempotent.yaml'), SLOW_IDEMPOTENT);
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'durable-idempotent-write' });
    expect(body.id).toBeDefined();
    await runIn(d, body.id, ['awaiting_approval']);
    const [a] = await pendingOf(d, body.id);
    expect(a).toMatchObject({ kind: 'tool', tool: 'mcp.everything.trigger-long-running-operation' });
    await api(d, 'POST', `/approvals/${a.id}`, 'approver', { decision: 'approve' });
    await until('the operation to be released and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const now = await api(d, 'GET', `/approvals/${a.id}`, 'viewer');
      return stepOf(r.body, 'op')?.state === 'running' && now.body.status === 'consumed' ? true : undefined;
    }, 60000, 50);
    d.child.kill('SIGKILL');
    await d.exited;

    d = await start();
    const done = await runIn(d, body.id, ['succeeded', 'failed', 'awaiting_approval']);
    expect(done.reason).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(stepOf(done, 'op')).toMatchObject({ state: 'succeeded', attempt: 2 });
    const all = (await api(d, 'GET', `/approvals?runId=${body.id}`, 'viewer')).body.approvals as any[];
    expect(all.map((x) => [x.kind, x.status])).toEqual([['tool', 'consumed']]);
  }, KILL_TEST_MS);

  describe('against a simulated Sisense', () => {
    let sim: SisenseSim;
    beforeAll(async () => {
      sim = await startSisenseSim({ seed: 'target' });
    });
    afterAll(() => sim?.close());

    it('killed while the plan was being computed: no write runs unseen; the plan is made again and asked for', async () => {
      const env = `  target: { kind: sisense, url: "${sim.url}", token: "${sim.token}", options: { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 } }\n`;
      const { start, dir } = await setup(env, await storeUrl());
      writeFileSync(join(dir, 'playbooks', 'folder.yaml'), FOLDER);
      let d = await start();
      sim.latencyMs = 8000; // the plan reads the folders: it takes a while
      const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'durable-folder', environments: { target: 'target' } });
      expect(body.id).toBeDefined();
      await until('the gate to be planning the write', async () => {
        const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
        return stepOf(r.body, 'folder')?.state === 'running' ? true : undefined;
      }, 60000, 25);
      expect((await api(d, 'GET', `/approvals?runId=${body.id}`, 'viewer')).body.approvals).toEqual([]);
      d.child.kill('SIGKILL');
      await d.exited;
      sim.latencyMs = 0;

      d = await start();
      const waiting = await runIn(d, body.id, ['awaiting_approval', 'succeeded', 'failed']);
      expect(waiting.state).toBe('awaiting_approval');
      const all = (await api(d, 'GET', `/approvals?runId=${body.id}`, 'viewer')).body.approvals as any[];
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ kind: 'tool', status: 'pending', tool: 'sisense.folder.create', requestedBy: 'operator' });
      expect(all[0].plan).toMatchObject({ changes: [expect.objectContaining({ action: 'create' })] });
      expect(stepOf(waiting, 'folder').state).toBe('awaiting_approval');
      await api(d, 'POST', `/approvals/${all[0].id}`, 'approver', { decision: 'approve' });
      const done = await runIn(d, body.id, ['succeeded', 'failed']);
      expect(done).toMatchObject({ state: 'succeeded' });
      expect(stepOf(done, 'folder').output).toMatchObject({ created: true, folder: { name: 'Durable' } });
    }, KILL_TEST_MS);
  });
});
