/**
 * A run approved once, and the real binary killed (kill -9) at the points that matter: while its plan waits, between
 * the plan's approval and the write, and while the released write is in flight. The exactly-once and in-doubt
 * guarantees are those of a step approved on its own: a write whose release was never used simply runs (once); a
 * write released and cut short is in doubt, and a person decides.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { configYaml } from '../helpers/daemon.js';
import { freePort, processApi as api, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const KILL_TEST_MS = 240_000;
const running: ProcessDaemon[] = [];

afterEach(() => {
  for (const d of running.splice(0)) if (d.child.exitCode === null) d.child.kill('SIGKILL');
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'steward-once-'));
  writeFileSync(join(dir, 'steward.yaml'), configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`).replace('level: debug', 'level: info'));
  const port = await freePort();
  return async () => {
    const d = await spawnDaemon(dir, port);
    running.push(d);
    return d;
  };
}

const approvalsOf = async (d: ProcessDaemon, runId: string): Promise<any[]> => (await api(d, 'GET', `/approvals?runId=${runId}`, 'viewer')).body.approvals.reverse();
const stepOf = (run: any, key: string) => run.steps.find((s: any) => s.key === key);
const kill = async (d: ProcessDaemon) => {
  d.child.kill('SIGKILL');
  expect(await d.exited).toBeNull();
};

describe('approve once: the real binary killed mid-run', () => {
  it('kill -9 while the plan waits, then while the released write is in flight: the plan is still pending after the restart; the write is then in doubt and a person decides', async () => {
    const start = await setup();
    let d = await start();
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { stallMs: 60000 }, approveOnce: true });
    await runIn(d, body.id, ['awaiting_approval']);
    const [plan] = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals;
    expect(plan).toMatchObject({ kind: 'run_plan', plan: { steps: [{ stepKey: 'stall', tool: 'demo.util.stall', plan: { summary: 'would wait 60000 ms' } }] } });
    await kill(d);

    d = await start();
    expect((await api(d, 'GET', `/approvals/${plan.id}`, 'viewer')).body).toMatchObject({ status: 'pending', kind: 'run_plan' });
    expect((await api(d, 'GET', `/runs/${body.id}`, 'viewer')).body.state).toBe('awaiting_approval');
    expect((await api(d, 'POST', `/approvals/${plan.id}`, 'approver', { decision: 'approve' })).status).toBe(200);
    // Released under the plan (its release consumed) and in flight: killed now, it may have taken effect.
    const release = await until('the stall to be released under the plan and in flight', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      const child = (await approvalsOf(d, body.id)).find((a) => a.parentId === plan.id);
      return stepOf(r.body, 'stall')?.state === 'running' && child?.status === 'consumed' ? child : undefined;
    }, 60000, 50);
    expect(release).toMatchObject({ kind: 'tool', stepKey: 'stall', tool: 'demo.util.stall' });
    await kill(d);

    d = await start();
    const run = await runIn(d, body.id, ['awaiting_approval']);
    expect(stepOf(run, 'stall')).toMatchObject({ state: 'unknown' });
    const doubt = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals;
    expect(doubt.map((a: any) => [a.kind, a.stepKey, a.plan?.summary])).toEqual([['unknown_step', 'stall', 'would wait 60000 ms']]);
    expect((await api(d, 'POST', `/approvals/${doubt[0].id}`, 'approver', { decision: 'skip', comment: 'checked by hand' })).status).toBe(200);
    const done = await runIn(d, body.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { message: 'done' } });
    // The plan was asked once, its one step released once; nothing asked again but the decision on the doubt.
    expect((await approvalsOf(d, body.id)).map((a) => [a.kind, a.stepKey, a.kind === 'unknown_step' ? a.outcome : a.status])).toEqual([
      ['run_plan', null, 'consumed'],
      ['tool', 'stall', 'consumed'],
      ['unknown_step', 'stall', 'skip'],
    ]);
  }, KILL_TEST_MS);

  it('kill -9 after the plan is approved and before its write is released: after the restart the write runs once under the same approval', async () => {
    const start = await setup();
    let d = await start();
    // A slow read comes before the write: it runs again when the run applies, which is where the daemon is killed.
    const { body } = await api(d, 'POST', '/runs', 'operator', { playbook: 'demo-durable', environments: { target: 'lab' }, inputs: { readSteps: 100, stallMs: 0 }, approveOnce: true });
    await runIn(d, body.id, ['awaiting_approval'], 120000);
    const [plan] = (await api(d, 'GET', `/approvals?runId=${body.id}&status=pending`, 'viewer')).body.approvals;
    expect(plan.kind).toBe('run_plan');
    expect((await api(d, 'POST', `/approvals/${plan.id}`, 'approver', { decision: 'approve' })).status).toBe(200);
    await until('the read before the write to run under the approved plan', async () => {
      const r = await api(d, 'GET', `/runs/${body.id}`, 'viewer');
      return stepOf(r.body, 'warmup')?.state === 'running' ? true : undefined;
    }, 60000, 20);
    expect((await approvalsOf(d, body.id)).map((a) => [a.kind, a.status])).toEqual([['run_plan', 'approved']]);
    await kill(d);

    d = await start();
    const done = await runIn(d, body.id, ['succeeded', 'failed', 'awaiting_approval'], 120000);
    expect(done).toMatchObject({ state: 'succeeded', reason: null });
    expect(stepOf(done, 'stall')).toMatchObject({ state: 'succeeded', attempt: 1 });
    const all = await approvalsOf(d, body.id);
    expect(all.map((a) => [a.kind, a.stepKey, a.status, a.parentId])).toEqual([['run_plan', null, 'consumed', null], ['tool', 'stall', 'consumed', plan.id]]);
    expect(stepOf(done, 'stall').approvalId).toBe(all[1].id);
  }, KILL_TEST_MS);
});
