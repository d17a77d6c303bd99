import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { hasRole, type Principal } from '../auth/roles.js';
import { isStewardError, StewardError } from '../common/errors.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { LOGGER, STORE } from '../http/tokens.js';
import type { CallOutcome, GateDecision, GateRequest, ToolGate } from '../mcp/tool-gate.js';
import { TOOL_INVOKER } from '../plugins/plugins.tokens.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import { newId } from '../runs/run.repository.js';
import { RunEventsService } from '../runs/run-events.service.js';
import { isTerminal, type RunEvent, type RunState } from '../runs/run.types.js';
import type { Queryable, Store } from '../store/store.types.js';
import { retryingTransaction } from '../store/transaction-retry.js';
import { callDigest } from './approval.digest.js';
import { ApprovalEdits, planOf } from './approval.edits.js';
import { configuredPolicy } from './approval.policy.js';
import { ApprovalRepository, type CallBinding } from './approval.repository.js';
import { planFailure } from './plan-failure.js';
import { RunPlanApprovals } from './run-plan.approvals.js';
import { combinePolicies, type ApprovalKind, type ApprovalPolicy, type ApprovalRow, type Decision, type PolicySpec } from './approval.types.js';

/** Bus topic: an approval left `pending` (decided or expired); the runner resumes the run. */
export const APPROVAL_SETTLED = 'approval.settled';

export interface NewApproval {
  kind: ApprovalKind;
  runId?: string | null;
  stepKey?: string | null;
  tool?: string | null;
  effect?: ApprovalRow['effect'];
  input?: unknown;
  environments?: Record<string, string> | null;
  plan?: unknown;
  message?: string | null;
  requestedBy: string;
  policy: ApprovalPolicy;
}

export { callDigest } from './approval.digest.js';

/**
 * Approvals: the gate every tool call passes (ToolGate), the persisted record of what waits for a person, and the
 * decisions. Decisions are claimed under a row lock, an approved call is released exactly once (approved → consumed
 * in one conditional UPDATE), and an approval past its expiry fails closed: it expires, it is never approved.
 */
@Injectable()
export class ApprovalService implements ToolGate, OnModuleInit, OnModuleDestroy {
  private readonly repo = new ApprovalRepository();
  private readonly edits: ApprovalEdits;
  /** A run's plan approved once (run_plan approvals) and its steps released under it. */
  readonly runPlans: RunPlanApprovals;
  private sweeper?: NodeJS.Timeout;
  /** Set by the runs module: the playbook's policy for a run. */
  runPolicy: (runId: string) => Promise<PolicySpec | undefined> = async () => undefined;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: StewardConfig,
    @Inject(TOOL_INVOKER) private readonly invoker: ToolInvoker,
    @Inject(RunEventsService) private readonly events: RunEventsService,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.edits = new ApprovalEdits(store, this.repo, invoker);
    this.runPlans = new RunPlanApprovals({ store, repo: this.repo, invoker, policyFor: (e, r, p) => this.policyFor(e, r, p), create: (a, d, tx) => this.create(a, d, tx) });
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.expireDue().catch((e: unknown) => this.logger.error({ err: e }, 'approval expiry sweep failed')), 1000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /**
   * The policy for one call, from steward.yaml: the strictest of the policies of the environments it names and of its
   * plugin (`plugins.<id>.policy`; `plugins.mcp` for external MCP servers); a call that names no environment and whose
   * plugin sets none follows `approvals.defaultPolicy`. The playbook's policy can then only tighten it.
   */
  async policyFor(environments: Readonly<Record<string, string>>, runId?: string, plugin?: string): Promise<ApprovalPolicy> {
    return combinePolicies(configuredPolicy(this.config, environments, plugin), runId ? await this.runPolicy(runId) : undefined);
  }

  // ---- ToolGate -------------------------------------------------------------------------------------------------

  async check(req: GateRequest): Promise<GateDecision> {
    if (req.mode === 'plan') return { action: 'run' };
    if (req.caller.channel !== 'engine' && (req.caller.runId || req.caller.stepId)) {
      return { action: 'deny', code: 'RUN_IDENTITY_REFUSED', message: 'only Steward\'s own engine calls tools as part of a run' };
    }
    const policy = await this.policyFor(req.environments, req.caller.runId, req.tool.plugin);
    if (!policy.requireFor.includes(req.tool.effect)) return { action: 'run' };
    const digest = callDigest(req.tool.id, req.input, req.environments);
    if (req.approvalId) return this.release(req, digest);
    const binding: Binding = { requestedBy: await this.requester(req), runId: req.caller.runId ?? null, stepKey: req.caller.stepId ?? null };
    // The exact repeat of a call stands for its approval: outside a run (clients that cannot send _meta), and for a
    // run's step that asks again (a restart came between the approval's record and the step's).
    const repeat = await this.repeatOf({ ...binding, digest });
    if (repeat) return repeat;
    const plan = req.tool.supportsPlan ? await planOf(this.invoker, req.tool.id, req.input, req.environments, req.caller.runId, req.caller.stepId) : null;
    let approval: ApprovalRow;
    try {
      approval = await this.create({
        kind: 'tool',
        runId: binding.runId,
        stepKey: binding.stepKey,
        tool: req.tool.id,
        effect: req.tool.effect,
        input: req.input,
        environments: req.environments,
        plan,
        requestedBy: binding.requestedBy,
        policy,
        message: `${req.tool.title} (${req.tool.effect}) on ${Object.entries(req.environments).map(([r, e]) => `${r}=${e}`).join(', ') || 'no environment'}`,
      }, digest);
    } catch (e) {
      // The run ended while the call was planned: nothing is asked for it.
      if (isStewardError(e) && e.code === 'RUN_FINISHED') return { action: 'deny', code: e.code, message: e.message };
      throw e;
    }
    const failed = planFailure(plan);
    return {
      action: 'pending',
      approvalId: approval.id,
      message: failed
        ? `${req.tool.id}: its dry run says it would fail (${failed}); the approval shows why and cannot be approved.`
        : `${req.tool.id} is a ${req.tool.effect} tool; ${policy.approvers} approver(s) must approve it first.`,
    };
  }

  /**
   * A repeat of exactly the same call (tool, arguments, environments) by the same requester, in the same run and step
   * or outside any run: its approved, unused approval is released (approved → consumed in one statement), or its
   * pending one is named again.
   */
  private async repeatOf(b: CallBinding): Promise<GateDecision | undefined> {
    const claimed = await this.repo.claimRepeat(this.store, b);
    if (claimed) {
      this.logger.info({ approval: claimed.id, by: b.requestedBy, run: b.runId, step: b.stepKey }, 'approval released to the repeated call');
      return { action: 'run', approvalId: claimed.id };
    }
    const waiting = await this.repo.pendingCall(this.store, b);
    if (waiting) return { action: 'pending', approvalId: waiting.id, message: 'The same call is already waiting for a decision.' };
    // A person said no to this very call: its repeat hears that answer (who and why) until the approval would have
    // expired, rather than asking the approvers again (a model's retries would otherwise pile up new approvals).
    const refused = b.runId === null ? await this.repo.standingRejection(this.store, b) : undefined;
    if (refused) {
      const until = new Date(refused.expires_at).toISOString();
      return { action: 'deny', code: 'APPROVAL_REJECTED', message: `${await this.rejection(refused.id)}. The same call is refused until ${until}; change it to ask again.` };
    }
    return undefined;
  }

  /** "approval X was rejected by <approver>[: <comment>]". */
  private async rejection(id: string): Promise<string> {
    const d = (await this.repo.decisions(this.store, id)).find((x) => x.decision === 'reject');
    return `approval ${id} was rejected by ${d?.approver ?? 'an approver'}${d?.comment ? `: ${d.comment}` : ''}`;
  }

  /** Who asks: the person who started the run (engine calls), or the outside MCP client's token. */
  private async requester(req: GateRequest): Promise<string> {
    if (req.caller.channel !== 'engine' || !req.caller.runId) return req.caller.principal.name;
    const r = await this.store.query<{ requested_by: string }>('SELECT requested_by FROM runs WHERE id = $1', [req.caller.runId]);
    return r.rows[0]?.requested_by ?? req.caller.principal.name;
  }

  async completed(_req: GateRequest, approvalId: string, outcome: CallOutcome): Promise<void> {
    await this.store.query('UPDATE approvals SET outcome = $2 WHERE id = $1', [approvalId, outcome]);
  }

  /**
   * Releases an approved call once (approved → consumed), only to what the approval binds — checked in the consuming
   * statement (ApprovalRepository.claim); otherwise says precisely why not.
   */
  private async release(req: GateRequest, digest: string): Promise<GateDecision> {
    const id = req.approvalId!;
    const runId = req.caller.runId ?? null;
    const claimed = await this.repo.claim(this.store, {
      id, digest, caller: req.caller.principal.name, runId, stepKey: req.caller.stepId ?? null, idempotent: req.tool.idempotent, engineRun: req.caller.channel === 'engine' && runId !== null,
    });
    if (claimed) return { action: 'run', approvalId: id };
    const b: Binding = { requestedBy: await this.requester(req), runId, stepKey: req.caller.stepId ?? null };
    const a = await this.repo.get(this.store, id);
    if (!a) return { action: 'deny', code: 'APPROVAL_NOT_FOUND', message: `approval ${id} does not exist` };
    if (a.run_id !== b.runId || a.step_key !== b.stepKey) {
      this.logger.warn({ approval: id, run: a.run_id, step: a.step_key, presentedBy: req.caller.principal.name, presentedRun: b.runId, presentedStep: b.stepKey }, 'approval presented outside its run and step; refused');
      const where = a.run_id ? `step ${a.step_key} of run ${a.run_id}; it is released only to that step` : 'a call outside any run; a run cannot use it';
      return { action: 'deny', code: 'APPROVAL_NOT_YOURS', message: `approval ${id} belongs to ${where}` };
    }
    if (a.requested_by !== b.requestedBy) {
      this.logger.warn({ approval: id, requestedBy: a.requested_by, presentedBy: req.caller.principal.name, channel: req.caller.channel, run: b.runId }, 'approval presented by someone other than its requester; refused');
      return { action: 'deny', code: 'APPROVAL_NOT_YOURS', message: `approval ${id} was requested by "${a.requested_by}"; it is released only to its requester (ask for your own approval)` };
    }
    if (a.call_digest !== digest) return { action: 'deny', code: 'APPROVAL_MISMATCH', message: `approval ${id} was given for a different call (tool, input or environment differ)` };
    switch (a.status) {
      case 'pending':
        return { action: 'pending', approvalId: id, message: 'It is still waiting for a decision.' };
      case 'rejected':
        return { action: 'deny', code: 'APPROVAL_REJECTED', message: await this.rejection(id) };
      case 'consumed':
        return { action: 'deny', code: 'APPROVAL_CONSUMED', message: `approval ${id} was already used; an approved action runs at most once` };
      default:
        return { action: 'deny', code: 'APPROVAL_EXPIRED', message: `approval ${id} is ${a.status === 'approved' ? 'expired' : a.status}` };
    }
  }

  // ---- records --------------------------------------------------------------------------------------------------

  /**
   * Persists a pending approval (and, for a run, its `approval.requested` event in the same transaction). Outside a
   * run, a call already pending for the same requester is not asked twice: that approval is returned.
   */
  async create(a: NewApproval, digest: string | null = null, tx?: Queryable): Promise<ApprovalRow> {
    const work = async (db: Queryable) => {
      // A run's approval: the run row first (the order every transaction about a run takes), and only while it runs —
      // an approval asked for after the run ended (a gate still planning when it was cancelled) would wait for nothing.
      if (a.runId) {
        const state = (await db.query<{ state: string }>('SELECT state FROM runs WHERE id = $1 FOR UPDATE', [a.runId])).rows[0]?.state;
        if (!state || isTerminal(state as RunState)) throw new StewardError('RUN_FINISHED', `run ${a.runId} ${state ? `already ended ${state}` : 'does not exist'}; nothing is asked for it any more`);
      }
      const row = await this.repo.insert(db, { ...a, id: newId('apr'), digest, expiresAt: new Date(Date.now() + a.policy.expiresAfterMs) });
      if (!row) return { row: (await this.repo.pendingCall(db, { requestedBy: a.requestedBy, digest: digest!, runId: null, stepKey: null }))!, events: [] as RunEvent[], repeated: true };
      const events: RunEvent[] = [];
      if (row.run_id) {
        events.push(
          await this.events.append(db, row.run_id, 'approval.requested', {
            approvalId: row.id, stepId: a.stepKey ?? null, kind: row.kind, tool: row.tool, message: row.message, expiresAt: new Date(row.expires_at).toISOString(),
          }, row.step_key),
        );
      }
      return { row, events, repeated: false };
    };
    const { row, events, repeated } = tx ? await work(tx) : await retryingTransaction(this.store, work);
    this.events.publish(events);
    if (repeated) return row;
    this.logger.info({ approval: row.id, run: row.run_id, tool: row.tool, requestedBy: row.requested_by }, 'approval requested');
    return row;
  }

  async get(id: string): Promise<{ approval: ApprovalRow; decisions: Awaited<ReturnType<ApprovalRepository['decisions']>> }> {
    const approval = await this.repo.get(this.store, id);
    if (!approval) throw new StewardError('NOT_FOUND', `approval ${id} does not exist`);
    return { approval, decisions: await this.repo.decisions(this.store, id) };
  }

  list(filter: { status?: string; runId?: string; limit: number; threadsOf?: string }) {
    return this.repo.list(this.store, filter);
  }

  /**
   * A person's decision. Under a row lock: still pending and not expired, the role, no self-approval unless allowed,
   * one vote per approver, a reason when the policy wants one; enough approvals → approved, one rejection → rejected.
   */
  async decide(id: string, who: Principal, decision: Decision, comment?: string, edit?: { input?: Record<string, unknown>; tool?: string; digest?: string }): Promise<ApprovalRow> {
    if (!hasRole(who, 'approver')) throw new StewardError('AUTH_FORBIDDEN', `token "${who.name}" has role ${who.role}; deciding approvals needs approver or higher`);
    // Edited arguments are validated and planned before the row is locked (a plan may ask the target system).
    const edited = edit?.input ? await this.edits.prepare(id, edit.input, edit.tool) : undefined;
    // Locks in one order everywhere: the run, then its approval (a cancellation and a run's end take them so too).
    const runId = (await this.repo.get(this.store, id))?.run_id ?? null;
    const { row, events } = await retryingTransaction(this.store, async (tx) => {
      if (runId) await tx.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [runId]);
      const a = await this.repo.lock(tx, id);
      if (!a) throw new StewardError('NOT_FOUND', `approval ${id} does not exist`);
      if (a.status === 'expired') throw expiredError(a);
      if (a.status !== 'pending') throw new StewardError('APPROVAL_NOT_PENDING', `approval ${id} is ${a.status}; only pending approvals can be decided`);
      const allowed: Decision[] = a.kind === 'unknown_step' ? ['retry', 'skip', 'reject'] : ['approve', 'reject'];
      if (!allowed.includes(decision)) throw new StewardError('VALIDATION_FAILED', `decision must be one of ${allowed.join(', ')} for a ${a.kind} approval`);
      if (a.requested_by === who.name && !a.allow_self_approval) {
        throw new StewardError('APPROVAL_SELF', `"${who.name}" requested this action and cannot approve it (the policy does not allow self-approval)`);
      }
      if ((decision === 'approve' || decision === 'retry') && a.require_reason && !comment?.trim()) {
        throw new StewardError('VALIDATION_FAILED', `approving a ${a.effect} action needs a reason: send a comment`);
      }
      const editing = !!(edit?.input || edit?.tool);
      if (editing) await this.edits.apply(tx, a, who, decision, edit, edited);
      else if (decision === 'approve' && a.edited_by && a.edited_by !== who.name && edit?.digest !== a.call_digest) {
        // Approving an edited call means approving the edit: say which version you reviewed.
        throw new StewardError('APPROVAL_CHANGED', `${a.edited_by} changed the arguments of approval ${id}; review them (GET /approvals/${id}) and approve with "digest": "${a.call_digest}"`);
      }
      // A call whose dry run says it would fail is not approved (the plan shown is the edited call's after an edit).
      const failed = decision === 'approve' ? planFailure(edited ? edited.plan : a.plan) : undefined;
      if (failed) throw new StewardError('APPROVAL_PLAN_FAILED', `approval ${id} cannot be approved: its dry run says the call would fail (${failed}); reject it, fix the cause and ask again`);
      if (!(await this.repo.addDecision(tx, id, who.name, decision, comment ?? null))) {
        throw new StewardError('APPROVAL_ALREADY_DECIDED', `"${who.name}" already decided approval ${id}; a second approval must come from someone else`);
      }
      // Running the call (approve, or retry of a call in doubt) takes as many approvers as the policy asks; a rejection,
      // or a skip (which runs nothing), settles it at once.
      const runs = decision === 'approve' || decision === 'retry';
      const votes = (await this.repo.decisions(tx, id)).filter((d) => d.decision === decision).length;
      const status = decision === 'reject' ? 'rejected' : runs && votes < a.required_approvals ? 'pending' : 'approved';
      const outcome = decision === 'retry' || decision === 'skip' ? decision : null;
      // The expiry is checked in the statement that records the outcome: approved in time, or refused as expired.
      const updated = await this.repo.decideStatus(tx, id, status, outcome);
      if (!updated) throw expiredError(a);
      const evs: RunEvent[] = [];
      if (a.run_id) evs.push(await this.events.append(tx, a.run_id, 'approval.decided', { approvalId: id, decision, by: who.name, comment: comment ?? null, status }, a.step_key));
      return { row: updated, events: evs };
    });
    this.events.publish(events);
    this.logger.info({ approval: id, decision, by: who.name, status: row.status }, 'approval decided');
    if (row.status !== 'pending') this.bus.emit(APPROVAL_SETTLED, row);
    return row;
  }

  /** Pending approvals past their expiry become `expired` (and their runs end `expired`). */
  async expireDue(): Promise<number> {
    // One cheap read a second; the locking transaction only when something is due (on the embedded store every
    // statement runs on the event loop, and SSE delivery shares it).
    const due = await this.store.query(`SELECT 1 FROM approvals WHERE status = 'pending' AND expires_at <= now() LIMIT 1`);
    if (due.rows.length === 0) return 0;
    const expired = await retryingTransaction(this.store, async (tx) => {
      // The runs first, then their approvals: the order a decision and a cancellation take.
      await tx.query(`SELECT 1 FROM runs WHERE id IN (SELECT run_id FROM approvals WHERE status = 'pending' AND expires_at <= now()) ORDER BY id FOR UPDATE`);
      const rows = await this.repo.expireDue(tx);
      const evs: RunEvent[] = [];
      for (const r of rows) if (r.run_id) evs.push(await this.events.append(tx, r.run_id, 'approval.expired', { approvalId: r.id }, r.step_key));
      return { rows, evs };
    });
    this.events.publish(expired.evs);
    for (const r of expired.rows) {
      this.logger.warn({ approval: r.id, run: r.run_id }, 'approval expired (fails closed)');
      this.bus.emit(APPROVAL_SETTLED, r);
    }
    return expired.rows.length;
  }

  /** Pending approvals of a run that ends another way are cancelled. */
  async cancelForRun(tx: Queryable, runId: string): Promise<void> {
    await tx.query(`UPDATE approvals SET status = 'cancelled', decided_at = now() WHERE run_id = $1 AND status IN ('pending', 'approved')`, [runId]);
  }

  /**
   * An outside call's pending approval nobody waits for any more (the MCP task that waited for it was cancelled by its
   * requester): it is cancelled, so approvers are not asked to decide it. Only the requester's own, outside any run.
   */
  async cancelOutsideCall(id: string, by: string): Promise<boolean> {
    const r = await this.store.query<ApprovalRow>(
      `UPDATE approvals SET status = 'cancelled', decided_at = now() WHERE id = $1 AND run_id IS NULL AND requested_by = $2 AND status = 'pending' RETURNING *`,
      [id, by],
    );
    const row = r.rows[0];
    if (!row) return false;
    this.logger.info({ approval: id, by }, 'approval cancelled: its requester cancelled the call');
    this.bus.emit(APPROVAL_SETTLED, row);
    return true;
  }

}

/** Who asks and where (the call's digest aside). */
type Binding = Omit<CallBinding, 'digest'>;

const expiredError = (a: ApprovalRow) => new StewardError('APPROVAL_EXPIRED', `approval ${a.id} expired at ${new Date(a.expires_at).toISOString()}; it can no longer be decided`);
