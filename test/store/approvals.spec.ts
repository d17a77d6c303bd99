/**
 * What an approval binds, on every store backend (PGlite always; PostgreSQL when STEWARD_TEST_PG_URL is set): the
 * release statement checks requester, run and step in the same UPDATE that consumes the approval, and a decision
 * records only before the expiry, in one conditional statement, after which the approved call does not lapse.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { pino } from 'pino';
import { ApprovalService, callDigest } from '../../src/approvals/approval.service.js';
import type { Principal } from '../../src/auth/roles.js';
import type { StewardConfig } from '../../src/config/config.types.js';
import { Redactor } from '../../src/logging/redactor.js';
import type { GateRequest } from '../../src/mcp/tool-gate.js';
import type { LoadedTool } from '../../src/plugins/plugin.types.js';
import type { ToolInvoker } from '../../src/plugins/tool.invoker.js';
import { RunEventsService } from '../../src/runs/run-events.service.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.factory.js';
import type { Store } from '../../src/store/store.types.js';
import { PG_URL, pgliteLeg, postgresLeg, type Leg } from './harness.js';

const silent = pino({ level: 'silent' });
const ANN: Principal = { name: 'ann', role: 'operator' };
const BOB: Principal = { name: 'bob', role: 'operator' };
const APPROVER: Principal = { name: 'carol', role: 'approver' };
const ENGINE: Principal = { name: 'steward-engine', role: 'admin' };

const tool = (over: Partial<LoadedTool> = {}): LoadedTool =>
  ({ id: 'demo.notes.write', plugin: 'demo', title: 'Write a note', effect: 'write', idempotent: false, supportsPlan: false, environments: ['target'], ...over }) as LoadedTool;

const config = (extra: Partial<StewardConfig> = {}) => ({ environments: { lab: { kind: 'demo' } }, plugins: { dirs: [] }, ...extra }) as unknown as StewardConfig;

function suite(leg: Leg): void {
  let store: Store;
  let approvals: ApprovalService;
  const input = { key: 'k', text: 't' };
  const environments = { target: 'lab' };

  beforeAll(() => leg.setup(), 60_000);
  afterAll(() => leg.teardown(), 60_000);
  afterEach(async () => store?.close());

  const open = async (cfg = config()) => {
    const t = await leg.fresh();
    store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    approvals = new ApprovalService(store, cfg, {} as ToolInvoker, new RunEventsService(new EventEmitter2(), new Redactor()), new EventEmitter2(), silent);
  };
  const newRun = async (id: string, requestedBy = 'ann') => {
    await store.query(`INSERT INTO runs (id, kind, playbook, state, requested_by) VALUES ($1, 'playbook', 'p', 'awaiting_approval', $2)`, [id, requestedBy]);
  };
  const gate = (caller: GateRequest['caller'], approvalId?: string, t = tool()): GateRequest => ({ tool: t, input, environments, mode: 'execute', caller, approvalId });
  const approvalRow = async (id: string) => (await store.query<any>('SELECT * FROM approvals WHERE id = $1', [id])).rows[0];

  it("a run's approval is released only to that run and step: not to another operator, not to its own requester outside the run", async () => {
    await open();
    await newRun('run_a');
    const pending = await approvals.check(gate({ principal: ENGINE, channel: 'engine', runId: 'run_a', stepId: 'write' }));
    expect(pending).toMatchObject({ action: 'pending' });
    const id = (pending as { approvalId: string }).approvalId;
    await approvals.decide(id, APPROVER, 'approve', 'ok');

    for (const caller of [{ principal: BOB, channel: 'mcp' as const }, { principal: ANN, channel: 'mcp' as const }]) {
      const refused = await approvals.check(gate(caller, id));
      expect(refused).toMatchObject({ action: 'deny', code: 'APPROVAL_NOT_YOURS' });
    }
    // Another run (even one of the same person) and another step of the run are refused too.
    await newRun('run_b');
    expect(await approvals.check(gate({ principal: ENGINE, channel: 'engine', runId: 'run_b', stepId: 'write' }, id))).toMatchObject({ action: 'deny', code: 'APPROVAL_NOT_YOURS' });
    expect(await approvals.check(gate({ principal: ENGINE, channel: 'engine', runId: 'run_a', stepId: 'other' }, id))).toMatchObject({ action: 'deny', code: 'APPROVAL_NOT_YOURS' });
    expect((await approvalRow(id)).status).toBe('approved');

    expect(await approvals.check(gate({ principal: ENGINE, channel: 'engine', runId: 'run_a', stepId: 'write' }, id))).toEqual({ action: 'run', approvalId: id });
    expect((await approvalRow(id)).status).toBe('consumed');
  });

  it("a run's step asking again for the same call (a restart came before the step recorded its approval) gets that approval, not a second one", async () => {
    await open();
    await newRun('run_e');
    const caller = { principal: ENGINE, channel: 'engine' as const, runId: 'run_e', stepId: 'write' };
    const id = ((await approvals.check(gate(caller))) as { approvalId: string }).approvalId;
    expect(await approvals.check(gate(caller))).toMatchObject({ action: 'pending', approvalId: id });
    // Another step of the run, or other arguments, are other approvals.
    expect((await approvals.check(gate({ ...caller, stepId: 'other' })) as { approvalId: string }).approvalId).not.toBe(id);
    await approvals.decide(id, APPROVER, 'approve');
    expect(await approvals.check(gate(caller))).toEqual({ action: 'run', approvalId: id });
    expect((await approvalRow(id)).status).toBe('consumed');
    expect((await store.query(`SELECT id FROM approvals WHERE run_id = 'run_e' AND step_key = 'write'`)).rows).toHaveLength(1);
  });

  it("an in-doubt step's approval decided `skip` releases no call, by id or by repeat", async () => {
    await open();
    await newRun('run_f');
    const caller = { principal: ENGINE, channel: 'engine' as const, runId: 'run_f', stepId: 'write' };
    const a = await approvals.create(
      { kind: 'unknown_step', runId: 'run_f', stepKey: 'write', tool: 'demo.notes.write', effect: 'write', input, environments, requestedBy: 'ann', policy: await approvals.policyFor(environments) },
      callDigest('demo.notes.write', input, environments),
    );
    expect((await approvals.decide(a.id, APPROVER, 'skip')).status).toBe('approved');
    expect(await approvals.check(gate(caller, a.id))).toMatchObject({ action: 'deny' });
    expect(await approvals.check(gate(caller))).toMatchObject({ action: 'pending' });
    expect((await approvalRow(a.id)).status).toBe('approved');
  });

  it("an outside caller's approval is released only to its requester, and stays usable by them after a refusal", async () => {
    await open();
    const pending = await approvals.check(gate({ principal: ANN, channel: 'mcp' }));
    const id = (pending as { approvalId: string }).approvalId;
    await approvals.decide(id, APPROVER, 'approve');
    const refused = await approvals.check(gate({ principal: BOB, channel: 'mcp' }, id));
    expect(refused).toMatchObject({ action: 'deny', code: 'APPROVAL_NOT_YOURS', message: expect.stringContaining('requested by "ann"') });
    expect((await approvalRow(id)).status).toBe('approved');
    expect(await approvals.check(gate({ principal: ANN, channel: 'mcp' }, id))).toEqual({ action: 'run', approvalId: id });
  });

  it('twenty concurrent presentations by the requester and another operator: exactly one release, to the requester', async () => {
    await open();
    const id = ((await approvals.check(gate({ principal: ANN, channel: 'mcp' }))) as { approvalId: string }).approvalId;
    await approvals.decide(id, APPROVER, 'approve');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => approvals.check(gate({ principal: i % 2 ? BOB : ANN, channel: 'mcp' }, id)).then((r) => ({ who: i % 2 ? 'bob' : 'ann', r }))));
    const released = results.filter((x) => x.r.action === 'run');
    expect(released).toHaveLength(1);
    expect(released[0].who).toBe('ann');
    expect(results.filter((x) => x.who === 'bob').every((x) => x.r.action === 'deny' && x.r.code === 'APPROVAL_NOT_YOURS')).toBe(true);
  });

  it("a run's approval given before its expiry is released after the expiry passed (the decision won)", async () => {
    await open();
    await newRun('run_c');
    const caller = { principal: ENGINE, channel: 'engine' as const, runId: 'run_c', stepId: 'write' };
    const id = ((await approvals.check(gate(caller))) as { approvalId: string }).approvalId;
    await approvals.decide(id, APPROVER, 'approve');
    await store.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]); // time passes
    expect(await approvals.check(gate(caller, id))).toEqual({ action: 'run', approvalId: id });
  });

  it('approving just before the expiry gives the approved call a fresh window to be used; after the expiry the decision is refused and nothing is recorded', async () => {
    await open();
    const early = ((await approvals.check(gate({ principal: ANN, channel: 'mcp' }))) as { approvalId: string }).approvalId;
    // Asked an hour ago, 24 h window... made to expire in two seconds: a decision now is "just before the expiry".
    await store.query(`UPDATE approvals SET created_at = now() - interval '1 hour', expires_at = now() + interval '2 seconds' WHERE id = $1`, [early]);
    const row = await approvals.decide(early, APPROVER, 'approve');
    expect(row.status).toBe('approved');
    const left = (await store.query<{ s: number }>(`SELECT extract(epoch FROM expires_at - now())::float8 AS s FROM approvals WHERE id = $1`, [early])).rows[0].s;
    expect(left).toBeGreaterThan(3000); // an hour again, not two seconds
    expect(await approvals.check(gate({ principal: ANN, channel: 'mcp' }, early))).toEqual({ action: 'run', approvalId: early });

    const late = ((await approvals.check(gate({ principal: ANN, channel: 'mcp' }))) as { approvalId: string }).approvalId;
    await store.query(`UPDATE approvals SET expires_at = now() - interval '1 millisecond' WHERE id = $1`, [late]); // the sweeper has not run yet
    await expect(approvals.decide(late, APPROVER, 'approve')).rejects.toMatchObject({ code: 'APPROVAL_EXPIRED' });
    expect(await approvalRow(late)).toMatchObject({ status: 'pending', decided_at: null });
    expect((await store.query('SELECT * FROM approval_decisions WHERE approval_id = $1', [late])).rows).toHaveLength(0);
  });

  it("an outside caller's exact repeat names the same pending approval (also when repeated at once), then releases it once approved", async () => {
    await open();
    const first = await approvals.check(gate({ principal: ANN, channel: 'mcp' }));
    const again = await Promise.all(Array.from({ length: 5 }, () => approvals.check(gate({ principal: ANN, channel: 'mcp' }))));
    const id = (first as { approvalId: string }).approvalId;
    for (const r of again) expect(r).toMatchObject({ action: 'pending', approvalId: id });
    // Another person's identical call is their own approval.
    const bob = await approvals.check(gate({ principal: BOB, channel: 'mcp' }));
    expect(bob).toMatchObject({ action: 'pending' });
    expect((bob as { approvalId: string }).approvalId).not.toBe(id);
    await approvals.decide(id, APPROVER, 'approve');
    expect(await approvals.check(gate({ principal: BOB, channel: 'mcp' }))).toMatchObject({ action: 'pending', approvalId: (bob as { approvalId: string }).approvalId });
    expect(await approvals.check(gate({ principal: ANN, channel: 'mcp' }))).toEqual({ action: 'run', approvalId: id });
    const next = await approvals.check(gate({ principal: ANN, channel: 'mcp' }));
    expect(next).toMatchObject({ action: 'pending' });
    expect((next as { approvalId: string }).approvalId).not.toBe(id);
    const count = (await store.query<{ n: string }>(`SELECT count(*) AS n FROM approvals WHERE requested_by = 'ann' AND call_digest = $1`, [callDigest('demo.notes.write', input, environments)])).rows[0].n;
    expect(Number(count)).toBe(2);
  });

  it('tools without an environment follow approvals.defaultPolicy; plugins.<id>.policy applies to its tools wherever they run', async () => {
    await open(config({ approvals: { defaultPolicy: { approvers: 2 } }, plugins: { dirs: [], mcp: { policy: { approvers: 3, requireReasonFor: ['write'] } } } } as Partial<StewardConfig>));
    expect(await approvals.policyFor({})).toMatchObject({ approvers: 2 });
    expect(await approvals.policyFor({}, undefined, 'mcp')).toMatchObject({ approvers: 3, requireReasonFor: expect.arrayContaining(['write']) });
    expect(await approvals.policyFor({ target: 'lab' }, undefined, 'demo')).toMatchObject({ approvers: 1 });
    expect(await approvals.policyFor({ target: 'lab' }, undefined, 'mcp')).toMatchObject({ approvers: 3 });
    const util = tool({ id: 'demo.util.stall', environments: [] });
    const r = await approvals.check({ tool: util, input: { ms: 1 }, environments: {}, mode: 'execute', caller: { principal: ANN, channel: 'mcp' } });
    expect((await approvalRow((r as { approvalId: string }).approvalId)).required_approvals).toBe(2);
  });

  it('an outside caller cannot act as part of a run, whatever it claims', async () => {
    await open();
    await newRun('run_d');
    const r = await approvals.check(gate({ principal: ANN, channel: 'mcp', runId: 'run_d', stepId: 'write' }));
    expect(r).toMatchObject({ action: 'deny', code: 'RUN_IDENTITY_REFUSED' });
    expect((await store.query('SELECT * FROM approvals WHERE run_id = $1', ['run_d'])).rows).toHaveLength(0);
  });

  it('migration 8 keeps the oldest of the pending repeats an outside caller piled up before it, and cancels the rest', async () => {
    const t = await leg.fresh();
    const before = await openStore(t.config, { baseDir: t.baseDir, logger: silent, migrations: MIGRATIONS.filter((m) => m.id < 8) });
    const insert = (id: string, who: string, digest: string, ageMinutes: number, runId: string | null = null) =>
      before.query(
        `INSERT INTO approvals (id, run_id, kind, tool, call_digest, requested_by, status, created_at, expires_at) VALUES ($1, $2, 'tool', 'demo.notes.write', $3, $4, 'pending', now() - make_interval(mins => $5::int), now() + interval '1 hour')`,
        [id, runId, digest, who, ageMinutes],
      );
    await before.query(`INSERT INTO runs (id, kind, playbook, state, requested_by) VALUES ('run_m', 'playbook', 'p', 'awaiting_approval', 'ann')`);
    await insert('apr_new', 'ann', 'd1', 1);
    await insert('apr_old', 'ann', 'd1', 3);
    await insert('apr_mid', 'ann', 'd1', 2);
    await insert('apr_bob', 'bob', 'd1', 2);
    await insert('apr_run1', 'ann', 'd1', 2, 'run_m');
    await insert('apr_run2', 'ann', 'd1', 1, 'run_m');
    await before.close();
    store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    const rows = (await store.query<{ id: string; status: string }>('SELECT id, status FROM approvals ORDER BY id')).rows;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      apr_bob: 'pending', apr_mid: 'cancelled', apr_new: 'cancelled', apr_old: 'pending', apr_run1: 'pending', apr_run2: 'pending',
    });
  });

  it('approved with edited arguments whose plan quotes U+0000: stored as U+FFFD, not a database error', async () => {
    const t = await leg.fresh();
    store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    const invoker = {
      prepare: (_id: string, given: unknown) => ({ input: given }),
      catalogue: { require: () => tool({ supportsPlan: true }), get: () => undefined, byWireName: () => undefined },
      invoke: async () => ({ ok: true, mode: 'plan', plan: { summary: 'rename to a\u0000b', changes: [] } }),
    } as unknown as ToolInvoker;
    approvals = new ApprovalService(store, config(), invoker, new RunEventsService(new EventEmitter2(), new Redactor()), new EventEmitter2(), silent);
    const id = ((await approvals.check(gate({ principal: ANN, channel: 'mcp' }))) as { approvalId: string }).approvalId;
    const row = await approvals.decide(id, APPROVER, 'approve', 'fixed the text', { input: { key: 'k', text: 'x\u0000y' } });
    expect(row.status).toBe('approved');
    expect(await approvalRow(id)).toMatchObject({ input: { key: 'k', text: 'x\uFFFDy' }, plan: { summary: 'rename to a\uFFFDb' }, edited_by: 'carol' });
  });

  it('a call whose plan would fail is shown with its failure and cannot be approved; it can be rejected', async () => {
    await open();
    const id = ((await approvals.check(gate({ principal: ANN, channel: 'mcp' }))) as { approvalId: string }).approvalId;
    await store.query(`UPDATE approvals SET plan = $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify({ summary: 'x', changes: [{ action: 'create', target: 'note a' }, { action: 'fail', target: 'note k', detail: 'the notebook is full' }], wouldChange: true, wouldFail: true }),
    ]);
    await expect(approvals.decide(id, APPROVER, 'approve', 'ok')).rejects.toMatchObject({ code: 'APPROVAL_PLAN_FAILED', message: expect.stringContaining('note k: the notebook is full') });
    expect((await approvals.decide(id, APPROVER, 'reject', 'fix it first')).status).toBe('rejected');
  });
}

const LEGS: Leg[] = [pgliteLeg(), ...(PG_URL ? [postgresLeg(PG_URL)] : [])];
describe.each(LEGS)('approvals on the store: $name', (leg) => suite(leg));
if (!PG_URL) describe.skip('approvals on the store: postgres (SKIPPED: set STEWARD_TEST_PG_URL)', () => it('needs a server', () => undefined));
