/**
 * Writes whose outcome nobody knows, in one daemon (no restart: the kill -9 cases are in durability.e2e-spec.ts):
 * a step timeout shorter than the write, a cancellation after the write was released, a reply the store could not
 * hold, and how a run's end closes its steps. Each ends `unknown` (a person decides retry or skip, under the
 * environment's policy) or `cancelled`, never `failed` or `running`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, PG_ADMIN_URL } from '../helpers/pg.js';
import { RunsService } from '../../src/runs/runs.service.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';
import { startScriptedLlm, type ScriptedLlm } from '../llm-sim/scripted-llm.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

type Role = 'viewer' | 'operator' | 'approver' | 'admin';

const PLAYBOOKS: Record<string, string> = {
  'timeout.yaml': `
apiVersion: steward/v1
kind: Playbook
metadata: { name: indoubt-timeout, description: A write that outlives its step timeout and a step that tests its output. }
inputs:
  ms: { type: integer, default: 20000 }
environments:
  target: { kind: demo }
steps:
  - id: stall
    tool: demo.util.stall
    timeout: 300ms
    with: { ms: "\${{ inputs.ms }}" }
  - id: after
    if: steps.stall.output == null
    tool: demo.util.echo
    with: { message: "the stall was \${{ steps.stall.status }}" }
outputs:
  waited: \${{ steps.stall.output.waitedMs }}
  after: \${{ steps.after.output.message }}
`,
  'slow-write.yaml': `
apiVersion: steward/v1
kind: Playbook
metadata: { name: indoubt-slow-write, description: A gated write that takes a while. }
inputs:
  ms: { type: integer, default: 20000 }
environments:
  target: { kind: demo }
steps:
  - id: list
    tool: demo.notes.list
  - id: stall
    tool: demo.util.stall
    with: { ms: "\${{ inputs.ms }}" }
`,
  'nul.yaml': `
apiVersion: steward/v1
kind: Playbook
metadata: { name: indoubt-nul, description: A reply carrying U+0000 and a lone surrogate. }
environments:
  target: { kind: demo }
steps:
  - id: echo
    tool: demo.util.echo
    with: { message: "a\\0b\\ud800c" }
outputs:
  message: \${{ steps.echo.output.message }}
`,
};

describe('in-doubt writes and the end of a run (one daemon)', () => {
  let d: TestDaemon;
  let llm: ScriptedLlm;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    const dir = mkdtempSync(join(tmpdir(), 'steward-indoubt-pb-'));
    for (const [file, text] of Object.entries(PLAYBOOKS)) writeFileSync(join(dir, file), text);
    const agentPlaybooks = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-agent');
    d = await startTestDaemon(
      configYaml(
        `environments:\n  lab: { kind: demo }\n  pair: { kind: demo, policy: { approvers: 2 } }\n` +
          `playbooks:\n  dirs: [${dir}, ${agentPlaybooks}]\n` +
          `llm:\n  provider: openai-compatible\n  baseUrl: ${llm.url}\n  model: scripted\n  maxRetries: 0\n`,
      ),
    );
  }, 60000);

  afterAll(async () => {
    await d?.close();
    await llm?.close();
  });

  const api = (method: 'get' | 'post', path: string, role: Role, body?: object) => {
    const r = request(d.url)[method](path).set('Authorization', bearer(role));
    return body ? r.send(body) : r;
  };
  const start = async (playbook: string, target: string, role: Role = 'operator', inputs: object = {}) =>
    (await api('post', '/runs', role, { playbook, environments: { target }, inputs }).expect(202)).body.id as string;
  const pending = async (runId: string) => (await api('get', `/approvals?runId=${runId}&status=pending`, 'viewer').expect(200)).body.approvals as any[];
  const approvalOf = async (id: string) => (await api('get', `/approvals/${id}`, 'viewer').expect(200)).body;
  const stepOf = (run: any, key: string) => run.steps.find((s: any) => s.key === key);
  const events = async (runId: string) => (await fetch(`${d.url}/runs/${runId}/events`, { headers: { Authorization: bearer('viewer') } }).then((r) => r.text()));
  /** Approves the run's pending tool approval with as many distinct approvers as it needs. */
  const approveAll = async (runId: string) => {
    const [a] = await pending(runId);
    expect(a).toMatchObject({ kind: 'tool' });
    for (const role of ['approver', 'admin'].slice(0, a.requiredApprovals) as Role[]) await api('post', `/approvals/${a.id}`, role, { decision: 'approve' }).expect(200);
    return a;
  };
  const unknownApproval = (runId: string) =>
    until(`an unknown_step approval for ${runId}`, async () => (await pending(runId)).find((a) => a.kind === 'unknown_step'), 30000, 50);
  /** No step of a finished run is still open. */
  const expectClosed = (run: any) => expect(run.steps.filter((s: any) => ['running', 'awaiting_approval'].includes(s.state))).toEqual([]);

  it('a write outliving its step timeout is unknown, decided under the environment policy (two approvers, no self-approval), with the approved plan shown', async () => {
    const id = await start('indoubt-timeout', 'pair', 'admin');
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    const first = await approveAll(id);
    const doubt = await unknownApproval(id);
    const run = await waitForRun(d, id, ['awaiting_approval'], 30000);
    expect(stepOf(run, 'stall')).toMatchObject({ state: 'unknown' });
    expect(doubt).toMatchObject({
      kind: 'unknown_step', tool: 'demo.util.stall', stepKey: 'stall', requestedBy: 'admin',
      requiredApprovals: 2, allowSelfApproval: false, input: { ms: 20000 }, plan: first.plan,
    });
    expect(doubt.message).toMatch(/timed out after 300 ms/);
    expect(doubt.message).toContain(first.id);
    // The requester cannot decide it; one retry is not enough where the environment wants two approvers.
    expect((await api('post', `/approvals/${doubt.id}`, 'admin', { decision: 'retry' })).body.code).toBe('APPROVAL_SELF');
    expect((await api('post', `/approvals/${doubt.id}`, 'approver', { decision: 'retry' }).expect(200)).body.status).toBe('pending');
    expect((await approvalOf(doubt.id)).status).toBe('pending');
    expect(stepOf(await waitForRun(d, id, ['awaiting_approval']), 'stall').state).toBe('unknown');
  });

  it('retry needs every approver the policy asks for and runs the call again; skip gives the step a null output later steps and outputs can test', async () => {
    const id = await start('indoubt-timeout', 'pair', 'operator');
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    await approveAll(id);
    const doubt = await unknownApproval(id);
    await api('post', `/approvals/${doubt.id}`, 'approver', { decision: 'retry' }).expect(200);
    expect((await api('post', `/approvals/${doubt.id}`, 'admin', { decision: 'retry' }).expect(200)).body.status).toBe('approved');
    // The call ran again (attempt 2), timed out again, and is in doubt again.
    const again = await until('a second unknown_step approval', async () => (await pending(id)).find((a) => a.kind === 'unknown_step' && a.id !== doubt.id), 30000, 50);
    const waiting = await waitForRun(d, id, ['awaiting_approval'], 30000);
    expect(stepOf(waiting, 'stall')).toMatchObject({ state: 'unknown', attempt: 2 });
    await api('post', `/approvals/${again.id}`, 'approver', { decision: 'skip', comment: 'checked by hand' }).expect(200);
    const done = await waitForRun(d, id, ['succeeded', 'failed'], 30000);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { waited: null, after: 'the stall was skipped' } });
    expect(stepOf(done, 'stall')).toMatchObject({ state: 'skipped', output: null });
    expectClosed(done);
  });

  it('cancelled after the write was released: the step is unknown (it may have landed), never running', async () => {
    const id = await start('indoubt-slow-write', 'lab');
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    const a = await approveAll(id);
    await until('the stall to be released and in flight', async () => {
      const run = (await api('get', `/runs/${id}`, 'viewer').expect(200)).body;
      return stepOf(run, 'stall')?.state === 'running' && (await approvalOf(a.id)).status === 'consumed' ? true : undefined;
    }, 30000, 25);
    await api('post', `/runs/${id}/cancel`, 'operator').expect(200);
    const run = await waitForRun(d, id, ['cancelled']);
    expect(stepOf(run, 'stall')).toMatchObject({ state: 'unknown' });
    expectClosed(run);
    expect(await events(id)).toMatch(/event: step\.unknown[\s\S]*event: run\.finished/);
    // The execution that was cut short records nothing over it.
    await until('the cut-short execution to end', () => (d.app.get(RunsService).queueSize().active === 0 ? true : undefined), 30000);
    expect(stepOf((await api('get', `/runs/${id}`, 'viewer').expect(200)).body, 'stall').state).toBe('unknown');
  });

  it('cancelled while waiting for approval: the step is cancelled, the approval too, no step left open', async () => {
    const id = await start('indoubt-slow-write', 'lab');
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    const [a] = await pending(id);
    await api('post', `/runs/${id}/cancel`, 'operator').expect(200);
    const run = await waitForRun(d, id, ['cancelled']);
    expect(stepOf(run, 'stall')).toMatchObject({ state: 'cancelled' });
    expect(stepOf(run, 'list')).toMatchObject({ state: 'succeeded' });
    expectClosed(run);
    expect((await approvalOf(a.id)).status).toBe('cancelled');
    expect(await events(id)).toContain('event: step.cancelled');
  });

  it('a reply carrying U+0000 and a lone surrogate is stored (as U+FFFD) and the run goes on', async () => {
    const id = await start('indoubt-nul', 'lab');
    const run = await waitForRun(d, id, ['succeeded', 'failed'], 30000);
    expect(run.reason).toBeNull();
    expect(run).toMatchObject({ state: 'succeeded', outputs: { message: 'a\uFFFDb\uFFFDc' } });
    expect(stepOf(run, 'echo').output).toEqual({ message: 'a\uFFFDb\uFFFDc' });
  });

  it('an agent step followed by a gated step: after the approval, the run sees the validated answer, as one that never parked', async () => {
    llm.push({ content: '{"keys": ["alpha", "beta"]}' });
    const id = await start('demo-agent-pick', 'lab');
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    // Each note write parks the run; every approval resumes it from the store.
    const done = await until('the run to end, approving each note', async () => {
      for (const a of await pending(id)) await api('post', `/approvals/${a.id}`, 'approver', { decision: 'approve' });
      const run = (await api('get', `/runs/${id}`, 'viewer').expect(200)).body;
      return ['succeeded', 'failed'].includes(run.state) ? run : undefined;
    }, 30000, 50);
    expect(done.reason).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', outputs: { picked: ['alpha', 'beta'] } });
    expect(done.steps.filter((s: any) => s.tool === 'demo.notes.write').map((s: any) => s.state)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('in-doubt writes where the policy approves writes by itself', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-indoubt-auto-'));
    writeFileSync(join(dir, 'timeout.yaml'), PLAYBOOKS['timeout.yaml']);
    // Tools without an environment (the stall) run with no approval here; an in-doubt step is still decided by a person.
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\napprovals:\n  defaultPolicy: { requireFor: [] }\nplaybooks:\n  dirs: [${dir}]\n`));
  }, 60000);
  afterAll(async () => d?.close());

  it('a retried write that times out again is in doubt again, never failed (the retry approval was never consumed: it proves nothing)', async () => {
    const call = (method: 'get' | 'post', path: string, role: Role, body?: object) => {
      const r = request(d.url)[method](path).set('Authorization', bearer(role));
      return body ? r.send(body) : r;
    };
    const id = (await call('post', '/runs', 'operator', { playbook: 'indoubt-timeout', environments: { target: 'lab' } }).expect(202)).body.id as string;
    const doubtOf = (not?: string) =>
      until(`an unknown_step approval for ${id}`, async () => ((await call('get', `/approvals?runId=${id}&status=pending`, 'viewer').expect(200)).body.approvals as any[]).find((a) => a.kind === 'unknown_step' && a.id !== not), 30000, 50);
    const first = await doubtOf();
    expect((await call('get', `/runs/${id}`, 'viewer').expect(200)).body.steps.find((s: any) => s.key === 'stall')).toMatchObject({ state: 'unknown', attempt: 1 });
    await call('post', `/approvals/${first.id}`, 'approver', { decision: 'retry' }).expect(200);
    const second = await doubtOf(first.id);
    const run = await waitForRun(d, id, ['awaiting_approval', 'failed'], 30000);
    expect(run.state).toBe('awaiting_approval');
    expect(run.steps.find((s: any) => s.key === 'stall')).toMatchObject({ state: 'unknown', attempt: 2, approvalId: second.id });
    await call('post', `/approvals/${second.id}`, 'approver', { decision: 'skip' }).expect(200);
    expect((await waitForRun(d, id, ['succeeded', 'failed'], 30000)).outputs).toEqual({ waited: null, after: 'the stall was skipped' });
  });
});

describe("a write whose target's client timed out", () => {
  let d: TestDaemon;
  let sim: SisenseSim;
  beforeAll(async () => {
    sim = await startSisenseSim({ seed: 'target' });
    const dir = mkdtempSync(join(tmpdir(), 'steward-indoubt-sisense-'));
    writeFileSync(
      join(dir, 'folder.yaml'),
      'apiVersion: steward/v1\nkind: Playbook\nmetadata: { name: indoubt-folder, description: A gated Sisense write. }\n' +
        'environments:\n  target: { kind: sisense }\nsteps:\n  - id: folder\n    tool: sisense.folder.create\n    with: { name: Doubtful }\n',
    );
    const env = `  target: { kind: sisense, url: "${sim.url}", token: "${sim.token}", timeoutMs: 500, options: { maxRetries: 0 } }\n`;
    d = await startTestDaemon(configYaml(`environments:\n${env}playbooks:\n  dirs: [${dir}]\n`));
  }, 60000);
  afterAll(async () => {
    await d?.close();
    await sim?.close();
  });

  it('SISENSE_TIMEOUT on an approved create: the step is unknown (the folder may exist), not failed', async () => {
    const call = (method: 'get' | 'post', path: string, role: Role, body?: object) => {
      const r = request(d.url)[method](path).set('Authorization', bearer(role));
      return body ? r.send(body) : r;
    };
    const id = (await call('post', '/runs', 'operator', { playbook: 'indoubt-folder', environments: { target: 'target' } }).expect(202)).body.id as string;
    await waitForRun(d, id, ['awaiting_approval'], 30000);
    const [a] = (await call('get', `/approvals?runId=${id}&status=pending`, 'viewer').expect(200)).body.approvals;
    // The create reaches Sisense and is applied after the client gave up waiting.
    sim.faults.push({ method: 'POST', path: '/api/v1/folders', delayMs: 3000, times: 1 });
    await call('post', `/approvals/${a.id}`, 'approver', { decision: 'approve' }).expect(200);
    const doubt = await until('an unknown_step approval', async () => ((await call('get', `/approvals?runId=${id}&status=pending`, 'viewer').expect(200)).body.approvals as any[]).find((x) => x.kind === 'unknown_step'), 30000, 50);
    const run = await waitForRun(d, id, ['awaiting_approval', 'failed'], 30000);
    expect(run.state).toBe('awaiting_approval');
    expect(run.steps.find((s: any) => s.key === 'folder')).toMatchObject({ state: 'unknown', approvalId: doubt.id });
    expect(doubt.message).toContain('SISENSE_TIMEOUT');
    // The approval that released it says so too: its call's outcome is unknown, not failed.
    expect((await call('get', `/approvals/${a.id}`, 'viewer').expect(200)).body).toMatchObject({ status: 'consumed', outcome: 'unknown' });
    await until('the create to land in Sisense', () => (sim.snapshot().includes('"Doubtful"') ? true : undefined), 30000);
  });
});

const STORES: [string, boolean][] = [['embedded store', false], ...(PG_ADMIN_URL ? ([['PostgreSQL', true]] as [string, boolean][]) : [])];

describe.each(STORES)('a cancellation racing a decision (%s)', (_name, pg) => {
  let d: TestDaemon;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let store = '';
    if (pg) {
      const db = await freshPgDatabase('steward_race');
      drop = db.drop;
      store = `store: { url: "${db.url}" }\n`;
    }
    const dir = mkdtempSync(join(tmpdir(), 'steward-race-pb-'));
    writeFileSync(join(dir, 'slow-write.yaml'), PLAYBOOKS['slow-write.yaml']);
    d = await startTestDaemon(configYaml(`${store}environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${dir}]\n`));
  }, 60000);

  afterAll(async () => {
    await d?.close();
    await drop?.();
  });

  it('decide and cancel at once, twenty times: never a 500, one outcome each, no step left open, a released write never lost', async () => {
    const call = (method: 'get' | 'post', path: string, role: Role, body?: object) => {
      const r = request(d.url)[method](path).set('Authorization', bearer(role));
      return body ? r.send(body) : r;
    };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await call('post', '/runs', 'operator', { playbook: 'indoubt-slow-write', environments: { target: 'lab' }, inputs: { ms: 30 } }).expect(202)).body.id);
    const statuses: number[] = [];
    for (const id of ids) {
      await waitForRun(d, id, ['awaiting_approval'], 30000);
      const [a] = (await call('get', `/approvals?runId=${id}&status=pending`, 'viewer').expect(200)).body.approvals;
      const [decided, cancelled] = await Promise.all([call('post', `/approvals/${a.id}`, 'approver', { decision: 'approve' }), call('post', `/runs/${id}/cancel`, 'operator')]);
      statuses.push(decided.status, cancelled.status);
      if (decided.status !== 200) expect(decided.body.code).toBe('APPROVAL_NOT_PENDING');
      if (cancelled.status !== 200) expect(cancelled.body.code).toBe('RUN_FINISHED');
      const run = await waitForRun(d, id, ['cancelled', 'succeeded', 'failed'], 30000);
      expect(run.steps.filter((s: any) => ['running', 'awaiting_approval'].includes(s.state))).toEqual([]);
      const approval = (await call('get', `/approvals/${a.id}`, 'viewer').expect(200)).body;
      const stall = run.steps.find((s: any) => s.key === 'stall');
      // Released (consumed): the write ran or may have; it is never recorded as cancelled or failed.
      if (approval.status === 'consumed') expect(['succeeded', 'unknown']).toContain(stall.state);
      else expect(stall.state).toBe('cancelled');
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  }, 180000);
});
