/**
 * Approving a run's plan once (issue 12 item 2), end to end over REST + SSE against simulated Sisense tenants: the
 * shipped migration playbook plans every write step up front, asks ONE approval of the whole plan, and then applies
 * exactly the approved plan — a step whose plan drifted (the target changed after the plan was made) asks again,
 * showing the difference. A rejected plan writes nothing; the requester cannot approve their own plan; a daemon
 * restart between the approval and the apply still applies every step exactly once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { runCli } from '../../src/cli/cli.js';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { readSse, type SseMessage } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';

type Json = any;

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];
const CLIENT = '{ maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 }';
const envYaml = (sim: SisenseSim) => `{ kind: sisense, url: "${sim.url}", token: "${sim.token}", options: ${CLIENT} }`;
const PLAYBOOK = 'sisense-migrate-dashboards';
/** Sales Deep Dive jumps to "_drill Order Detail" (it comes along); ECommerce Overview's title is the target's under another oid. */
const SELECTED = ['Sales Deep Dive', 'ECommerce Overview', 'Quarterly Report Q1'];
const MIGRATED = ['Sales Deep Dive', 'Quarterly Report Q1', '_drill Order Detail'];
const WRITE_STEPS = ['groups', 'users', 'datamodels', 'dashboards'];

describe('approve once: one approval of a whole migration plan, applied exactly, drift asked again', () => {
  let src: SisenseSim;
  const dst: Record<'once' | 'drift' | 'reject' | 'restart' | 'steps' | 'strict' | 'expire', SisenseSim> = {} as never;
  let yaml: string;
  let d: TestDaemon;

  beforeAll(async () => {
    src = await startSisenseSim({ seed: 'source' });
    for (const name of Object.keys({ once: 1, drift: 1, reject: 1, restart: 1, steps: 1, strict: 1, expire: 1 }) as (keyof typeof dst)[]) dst[name] = await startSisenseSim({ seed: 'target' });
    /** The environments' own policies: two approvers and a reason for writes; an approval that lapses in 5 s. */
    const policies: Partial<Record<keyof typeof dst, string>> = { strict: '{ approvers: 2, requireReasonFor: [write, destructive] }', expire: '{ expiresAfter: 5s }' };
    const env = (name: keyof typeof dst) => envYaml(dst[name]).replace(/ }$/, policies[name] ? `, policy: ${policies[name]} }` : ' }');
    const environments = [`  src: ${envYaml(src)}`, ...(Object.keys(dst) as (keyof typeof dst)[]).map((name) => `  dst-${name}: ${env(name)}`)];
    yaml = configYaml(`environments:\n${environments.join('\n')}\n`);
    d = await startTestDaemon(yaml);
  }, 60000);

  afterAll(async () => {
    await d?.close();
    await Promise.all([src?.close(), ...Object.values(dst).map((s) => s.close())]);
  });

  // ---- helpers ---------------------------------------------------------------------------------------------------

  const getJson = async (path: string): Promise<Json> => (await request(d.url).get(path).set('Authorization', bearer('viewer')).expect(200)).body;
  const decide = (id: string, who: 'operator' | 'approver' | 'admin', decision: 'approve' | 'reject', comment?: string) =>
    request(d.url).post(`/approvals/${id}`).set('Authorization', bearer(who)).send({ decision, ...(comment && { comment }) });

  async function start(target: string, extra: object = {}, who: 'operator' | 'approver' = 'operator', inputs: object = { dashboards: SELECTED }): Promise<string> {
    const res = await request(d.url).post('/runs').set('Authorization', bearer(who)).send({ playbook: PLAYBOOK, inputs, environments: { source: 'src', target }, ...extra });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { state: 'queued' } });
    return res.body.id as string;
  }

  /** Waits until the run parks (or ends) and returns it with its pending approvals. */
  async function parked(id: string, timeoutMs = 120000): Promise<{ run: Json; pending: Json[] }> {
    const run = await until(`run ${id} to wait for an approval`, async () => {
      const r = await getJson(`/runs/${id}`);
      return r.state === 'awaiting_approval' || TERMINAL.includes(r.state) ? r : undefined;
    }, timeoutMs, 50);
    return { run, pending: (await getJson(`/approvals?runId=${id}&status=pending`)).approvals };
  }

  const finished = (id: string, timeoutMs = 120000): Promise<Json> =>
    until(`run ${id} to end`, async () => {
      const r = await getJson(`/runs/${id}`);
      return TERMINAL.includes(r.state) ? r : undefined;
    }, timeoutMs, 50);

  /** Every event of a run that ended, from its first (the stream replays from the start and ends at run.finished). */
  const eventsOf = async (id: string): Promise<SseMessage[]> =>
    (await readSse(`${d.url}/runs/${id}/events`, { Authorization: bearer('viewer') }, { until: (m) => m.event === 'run.finished', timeoutMs: 30000 })).messages;

  const approvalsOf = async (id: string): Promise<Json[]> => (await getJson(`/approvals?runId=${id}`)).approvals.reverse();
  const step = (run: Json, key: string): Json => run.steps.find((s: Json) => s.key === key);
  const dashboards = (sim: SisenseSim, title: string) => sim.state.dashboards.filter((x) => x.title === title);
  const oidIn = (sim: SisenseSim, title: string) => dashboards(sim, title)[0]!.oid;
  const writes = (sim: SisenseSim) => sim.requests.filter((r) => r.method !== 'GET');

  /** The run plan approval as asked: one step per write step, each with its call's digest and its dry-run plan. */
  function expectRunPlan(a: Json, target: string, requestedBy = 'operator'): void {
    expect(a).toMatchObject({ kind: 'run_plan', status: 'pending', stepKey: null, tool: null, requestedBy, requiredApprovals: 1, allowSelfApproval: false, environments: { source: 'src', target } });
    expect(a.plan.steps.map((s: Json) => [s.stepKey, s.stepId, s.tool, s.environments])).toEqual(WRITE_STEPS.map((k) => [k, k, `sisense.migration.${k}`, { source: 'src', target }]));
    for (const s of a.plan.steps) expect(s).toMatchObject({ effect: 'write', inputDigest: expect.stringMatching(/^[0-9a-f]{64}$/), plan: { changes: expect.any(Array) } });
    const dashboardsPlan = a.plan.steps[3].plan.changes;
    for (const title of MIGRATED) expect(dashboardsPlan).toContainEqual(expect.objectContaining({ action: 'create', target: `dashboard ${oidIn(src, title)} "${title}"` }));
    expect(a.message).toContain('4 write step(s), approved once');
  }

  // ---- the scenarios -------------------------------------------------------------------------------------------

  it('a migration asks exactly one approval of its whole plan (nothing written before); the requester cannot approve it; approved by a second person, every step applies under it and the target is migrated', async () => {
    const t = dst.once;
    // Started by an approver, who may decide approvals but not their own.
    const id = await start('dst-once', {}, 'approver');
    const { run, pending } = await parked(id);
    expect(run.state).toBe('awaiting_approval');
    expect(pending).toHaveLength(1);
    const [plan] = pending;
    expectRunPlan(plan, 'dst-once', 'approver');
    // Planning read the target and wrote nothing; no write step has started.
    expect(writes(t)).toEqual([]);
    expect(run.steps.filter((s: Json) => WRITE_STEPS.includes(s.key))).toEqual([]);

    // Self-approval is refused by default; a second person approves.
    const self = await decide(plan.id, 'approver', 'approve');
    expect({ status: self.status, code: self.body.code }).toEqual({ status: 403, code: 'APPROVAL_SELF' });
    expect((await decide(plan.id, 'admin', 'approve', 'whole plan read')).status).toBe(200);

    const done = await finished(id);
    expect(done).toMatchObject({ state: 'succeeded', approveOnce: null });
    expect(done.steps.map((s: Json) => [s.key, s.state])).toEqual([['needs', 'succeeded'], ...WRITE_STEPS.map((k) => [k, 'succeeded'])]);

    // One approval was asked; each step was released under it (a child bound to its step, carrying the approver's vote), once.
    const all = await approvalsOf(id);
    const [runPlan, ...released] = all;
    expect(runPlan).toMatchObject({ id: plan.id, kind: 'run_plan', status: 'consumed', decisions: [] });
    expect((await getJson(`/approvals/${plan.id}`)).decisions.map((x: Json) => [x.by, x.decision, x.comment])).toEqual([['admin', 'approve', 'whole plan read']]);
    expect(released.map((a: Json) => [a.stepKey, a.kind, a.parentId, a.status, a.tool])).toEqual(WRITE_STEPS.map((k) => [k, 'tool', plan.id, 'consumed', `sisense.migration.${k}`]));
    for (const a of released) {
      expect(step(done, a.stepKey).approvalId).toBe(a.id);
      expect(a.callDigest).toBe(plan.plan.steps.find((s: Json) => s.stepKey === a.stepKey).inputDigest);
      expect((await getJson(`/approvals/${a.id}`)).decisions.map((x: Json) => [x.by, x.decision])).toEqual([['admin', 'approve']]);
    }

    // Watchers saw the plans, the plan ready, one approval asked, then the steps.
    const events = await eventsOf(id);
    const names = events.map((e) => e.event);
    expect(names.filter((n) => n === 'approval.requested')).toHaveLength(1);
    const ready = events.find((e) => e.event === 'run.plan_ready')!;
    expect(ready.data.data).toMatchObject({ approvalId: plan.id, steps: WRITE_STEPS.map((k) => expect.objectContaining({ stepKey: k, tool: `sisense.migration.${k}`, needsApproval: true, outcome: 'would_change' })) });
    expect(events.filter((e) => e.event === 'step.plan').map((e) => e.data.stepKey)).toEqual(WRITE_STEPS);
    expect(names.indexOf('run.plan_ready')).toBeLessThan(names.indexOf('approval.decided'));
    expect(names.indexOf('approval.decided')).toBeLessThan(events.findIndex((e) => e.event === 'step.started' && e.data.stepKey === 'groups'));

    // The target is migrated: each dashboard once, with its source oid; the title conflict left alone.
    for (const title of MIGRATED) expect(dashboards(t, title).map((x) => x.oid)).toEqual([oidIn(src, title)]);
    expect(dashboards(t, 'ECommerce Overview')).toHaveLength(1);
    expect(step(done, 'dashboards').output.summary).toEqual({ succeeded: 6, skipped: 1, failed: 0 });
  }, 240000);

  it('drift: the target changes after the plan was approved-to-be; only the step whose plan differs asks again, showing the difference; the others apply under the run plan', async () => {
    const t = dst.drift;
    const id = await start('dst-drift');
    const { pending } = await parked(id);
    expect(pending.map((a: Json) => a.kind)).toEqual(['run_plan']);
    const plan = pending[0];
    // Someone creates a dashboard titled as one the plan creates (another oid): the dashboards step would now skip it.
    const home = t.state.dashboards.find((x) => x.title === 'Target Home')!;
    t.state.dashboards.push({ ...structuredClone(home), oid: 'feedfacefeedfacefeedface', title: 'Quarterly Report Q1' });
    expect((await decide(plan.id, 'approver', 'approve', 'plan read')).status).toBe(200);

    const again = await parked(id);
    expect(again.run.state).toBe('awaiting_approval');
    expect(again.pending).toHaveLength(1);
    const asked = again.pending[0];
    const conflict = `dashboard ${oidIn(src, 'Quarterly Report Q1')} "Quarterly Report Q1"`;
    expect(asked).toMatchObject({ kind: 'tool', stepKey: 'dashboards', tool: 'sisense.migration.dashboards', parentId: null, requestedBy: 'operator', plan: { runPlanId: plan.id, drift: { inputChanged: false } } });
    expect(asked.message).toMatch(/the target changed since run plan .* was approved/);
    expect(asked.plan.drift.changed).toContainEqual({ target: conflict, approved: [expect.objectContaining({ action: 'create' })], now: [expect.objectContaining({ action: 'skip' })] });
    // Beside the difference, the new plan itself.
    expect(asked.plan.changes).toContainEqual(expect.objectContaining({ action: 'skip', target: conflict }));
    // The steps before it were applied under the run plan, without asking.
    const mid = await getJson(`/runs/${id}`);
    expect(['groups', 'users', 'datamodels'].map((k) => step(mid, k).state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const children = (await approvalsOf(id)).filter((a: Json) => a.parentId === plan.id);
    expect(children.map((a: Json) => [a.stepKey, a.status])).toEqual([['groups', 'consumed'], ['users', 'consumed'], ['datamodels', 'consumed']]);

    expect((await decide(asked.id, 'approver', 'approve', 'skip the conflict')).status).toBe(200);
    const done = await finished(id);
    expect(done.state).toBe('succeeded');
    expect(step(done, 'dashboards').approvalId).toBe(asked.id);
    // The drifted plan was applied: the conflicting dashboard stands alone, the others arrived.
    expect(dashboards(t, 'Quarterly Report Q1').map((x) => x.oid)).toEqual(['feedfacefeedfacefeedface']);
    expect(dashboards(t, 'Sales Deep Dive').map((x) => x.oid)).toEqual([oidIn(src, 'Sales Deep Dive')]);
    const events = await eventsOf(id);
    expect(events.filter((e) => e.event === 'approval.requested').map((e) => [e.data.stepKey ?? null, e.data.data.kind])).toEqual([[null, 'run_plan'], ['dashboards', 'tool']]);
  }, 240000);

  it('rejecting the run plan ends the run rejected, with nothing written', async () => {
    const t = dst.reject;
    const id = await start('dst-reject');
    const { pending } = await parked(id);
    expect(pending.map((a: Json) => a.kind)).toEqual(['run_plan']);
    expect((await decide(pending[0].id, 'approver', 'reject', 'not today')).status).toBe(200);
    const done = await finished(id);
    expect(done).toMatchObject({ state: 'rejected', reason: expect.stringContaining(pending[0].id) });
    expect(done.steps.filter((s: Json) => WRITE_STEPS.includes(s.key))).toEqual([]);
    expect(writes(t)).toEqual([]);
    expect((await approvalsOf(id)).map((a: Json) => [a.kind, a.status])).toEqual([['run_plan', 'rejected']]);
  }, 240000);

  it('a plan that would fail fails the run before anything is asked or written, as a dry run does (the step says why)', async () => {
    const t = dst.reject;
    const before = t.snapshot();
    // Without the group the later steps need, the users step's plan fails (a user cannot get the excluded group).
    const id = await start('dst-reject', {}, 'operator', { dashboards: ['Sales Deep Dive'], exclude: ['group:EMEA Analysts'] });
    const done = await finished(id);
    expect(done).toMatchObject({ state: 'failed', reason: expect.stringContaining('APPROVAL_PLAN_FAILED') });
    expect(await approvalsOf(id)).toEqual([]);
    const failed = done.steps.filter((s: Json) => s.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ dryRun: 'would_fail', error: { code: 'APPROVAL_PLAN_FAILED' }, plan: { changes: expect.arrayContaining([expect.objectContaining({ action: 'fail' })]) } });
    expect(failed[0].error.message).toMatch(/the run's plan cannot be approved/);
    expect(t.snapshot()).toBe(before);
    const events = await eventsOf(id);
    expect(events.map((e) => e.event)).not.toContain('run.plan_ready');
    expect(events.filter((e) => e.event === 'step.plan').map((e) => e.data.data.outcome)).toContain('would_fail');
  }, 240000);

  it('steward run --approve-once asks the daemon for a run approved once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-once-cli-'));
    writeFileSync(join(dir, 'operator.token'), TOKENS.operator);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), env: {}, cwd: dir, onSignal: () => undefined };
    const args = ['run', PLAYBOOK, '-e', 'source=src', '-e', 'target=dst-steps', '-i', `dashboards=${JSON.stringify(SELECTED)}`, '--approve-once', '--json', '--server', d.url, '--token-file', join(dir, 'operator.token')];
    expect(await runCli(['node', 'steward', ...args], io)).toBe(0);
    const { runId } = JSON.parse(out.join('')) as { runId: string };
    const { run, pending } = await parked(runId);
    expect(run.approveOnce).toBe(true);
    expect(pending.map((a: Json) => a.kind)).toEqual(['run_plan']);
    await request(d.url).post(`/runs/${runId}/cancel`).set('Authorization', bearer('operator')).expect(200);
  }, 240000);

  it('the plan is asked under the policy of its steps\' environment, as any approval there: two approvers, each with a reason; a plan nobody decides in time expires and the run ends expired, nothing written', async () => {
    const id = await start('dst-strict');
    const { pending } = await parked(id);
    const [plan] = pending;
    expect(plan).toMatchObject({ kind: 'run_plan', requiredApprovals: 2, requireReason: true, effect: 'write' });
    const noReason = await decide(plan.id, 'approver', 'approve');
    expect({ status: noReason.status, code: noReason.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await decide(plan.id, 'approver', 'approve', 'first look')).body.status).toBe('pending');
    expect((await decide(plan.id, 'admin', 'approve', 'second look')).body.status).toBe('approved');
    const done = await finished(id);
    expect(done.state).toBe('succeeded');
    const released = (await approvalsOf(id)).filter((a: Json) => a.parentId === plan.id);
    expect(released.map((a: Json) => [a.stepKey, a.requiredApprovals, a.requireReason])).toEqual(WRITE_STEPS.map((k) => [k, 2, true]));
    expect((await getJson(`/approvals/${released[0].id}`)).decisions.map((x: Json) => [x.by, x.comment])).toEqual([['approver', 'first look'], ['admin', 'second look']]);

    const late = await start('dst-expire');
    await parked(late);
    const [asked] = await approvalsOf(late);
    expect(asked.kind).toBe('run_plan');
    const ended = await finished(late, 60000);
    expect(ended).toMatchObject({ state: 'expired' });
    expect((await getJson(`/approvals/${asked.id}`)).status).toBe('expired');
    expect(writes(dst.expire)).toEqual([]);
  }, 240000);

  it('a run may ask step by step instead (approveOnce: false); approveOnce must be a boolean (a playbook approved step by step approved once: approve-once-durability)', async () => {
    const id = await start('dst-steps', { approveOnce: false });
    const { run, pending } = await parked(id);
    expect(run.approveOnce).toBe(false);
    expect(pending.map((a: Json) => [a.kind, a.stepKey])).toEqual([['tool', 'groups']]);
    await request(d.url).post(`/runs/${id}/cancel`).set('Authorization', bearer('operator')).expect(200);
    const bad = await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: PLAYBOOK, inputs: { dashboards: SELECTED }, environments: { source: 'src', target: 'dst-steps' }, approveOnce: 'yes' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(bad.body)).toContain('approveOnce');
  }, 240000);

  it('a restart between the approval and the apply: the run resumes under the approved plan and applies each step exactly once', async () => {
    const t = dst.restart;
    const id = await start('dst-restart');
    const { pending } = await parked(id);
    const plan = pending[0];
    expect(plan.kind).toBe('run_plan');
    // Hold the target's answers, so the daemon stops while the first step is making its plan again (before any write).
    t.latencyMs = 3000;
    const seen = t.requests.length;
    expect((await decide(plan.id, 'approver', 'approve', 'go')).status).toBe(200);
    await until('the apply to ask the target for the first step\'s plan', () => (t.requests.length > seen ? true : undefined), 60000, 10);
    await d.close();
    t.latencyMs = 0;
    expect(writes(t)).toEqual([]);

    d = await startTestDaemon(yaml, { dir: d.dir });
    const done = await finished(id, 180000);
    expect(done.state).toBe('succeeded');
    // The first daemon stopped the run while it was running again after the decision, before any write step started.
    const events = await eventsOf(id);
    const decided = events.findIndex((e) => e.event === 'approval.decided');
    const resumed = events.findIndex((e, i) => i > decided && e.event === 'run.state' && e.data.data.from === 'running' && e.data.data.to === 'running');
    expect({ decided: decided > 0, resumed: resumed > decided }).toEqual({ decided: true, resumed: true });
    expect(events.slice(0, resumed).filter((e) => e.event === 'step.started' && WRITE_STEPS.includes(e.data.stepKey))).toEqual([]);
    const all = await approvalsOf(id);
    expect(all.map((a: Json) => [a.kind, a.stepKey, a.status])).toEqual([['run_plan', null, 'consumed'], ...WRITE_STEPS.map((k) => ['tool', k, 'consumed'])]);
    for (const title of MIGRATED) expect(dashboards(t, title).map((x) => x.oid)).toEqual([oidIn(src, title)]);
    // Each asset the plan creates is in the target once: the groups and the users.
    const created = (k: number) => plan.plan.steps[k].plan.changes.filter((c: Json) => c.action === 'create').map((c: Json) => c.target as string);
    expect(created(0).length).toBeGreaterThan(0);
    expect(created(1).length).toBeGreaterThan(0);
    for (const g of created(0)) expect({ g, n: t.state.groups.filter((x) => `group "${x.name}"` === g).length }).toEqual({ g, n: 1 });
    for (const u of created(1)) expect({ u, n: t.state.users.filter((x) => `user ${x.email}` === u).length }).toEqual({ u, n: 1 });
    expect(step(done, 'dashboards').output.summary).toEqual({ succeeded: 6, skipped: 1, failed: 0 });
  }, 300000);
});
