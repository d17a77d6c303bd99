import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bearer, configYaml } from '../helpers/daemon.js';
import { freePort, processApi, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const running: ProcessDaemon[] = [];

const api = processApi;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'steward-durable-'));
  writeFileSync(join(dir, 'steward.yaml'), configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`).replace('level: debug', 'level: info'));
  const port = await freePort();
  const start = async () => {
    const d = await spawnDaemon(dir, port);
    running.push(d);
    return d;
  };
  return { start };
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
  });

  it('kill -9 while a non-idempotent write is in flight: it is marked unknown and waits for retry or skip', async () => {
    const { start } = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { stallMs: 60000 } });
    await runIn(d, body.id, ['awaiting_approval']);
    const first = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    await api(d, 'POST', `/approvals/${first.id}`, 'approver', { decision: 'approve' });
    await until('the stall to be in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.key === 'stall' && s.state === 'running') ? true : undefined;
    }, 15000, 50);
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
  });

  it('SIGTERM during an idempotent read: clean exit 0, and the step re-runs after restart', async () => {
    const { start } = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { readSteps: 30, stallMs: 10 } });
    await until('warmup in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      return r.body.steps.find((s: any) => s.key === 'warmup' && s.state === 'running') ? true : undefined;
    }, 15000, 50);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);

    d = await start();
    const waiting = await runIn(d, body.id, ['awaiting_approval'], );
    expect(waiting.steps.find((s: any) => s.key === 'warmup')).toMatchObject({ state: 'succeeded', attempt: 2 });
    const a = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals[0];
    await api(d, 'POST', `/approvals/${a.id}`, 'approver', { decision: 'approve' });
    expect((await runIn(d, body.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  });
});
