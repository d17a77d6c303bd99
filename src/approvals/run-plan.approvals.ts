import { isStewardError, StewardError } from '../common/errors.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import { newId } from '../runs/run.repository.js';
import type { Queryable, Store } from '../store/store.types.js';
import { callDigest } from './approval.digest.js';
import type { ApprovalRepository } from './approval.repository.js';
import type { NewApproval } from './approval.service.js';
import type { ApprovalPolicy, ApprovalRow, PlanDrift, RunPlan, RunPlanStep } from './approval.types.js';
import { canonicalChanges, combinedPolicy, driftSummary, planDrift, planStepOf } from './run-plan.js';

/** One call of a run's step as the gate would see it: its policy, whether it needs a person, its digest and plan. */
export interface PlannedCall {
  tool: LoadedTool;
  /** The input validated (defaults filled), or the given one when it is invalid. */
  input: Record<string, unknown>;
  policy: ApprovalPolicy;
  needsApproval: boolean;
  /** callDigest of the validated input; null when the input is invalid (the call fails as it would anyway). */
  digest: string | null;
  /** The dry-run plan (or `{error}` when it could not be made); null for a tool without plans, or when not asked. */
  plan: unknown;
}

/** At apply time: the step released under the run plan, or asked again because its plan drifted. */
export type Applied = { released: ApprovalRow } | { drift: ApprovalRow; summary: string };

export interface RunPlanDeps {
  store: Store;
  repo: ApprovalRepository;
  invoker: ToolInvoker;
  policyFor(environments: Readonly<Record<string, string>>, runId?: string, plugin?: string): Promise<ApprovalPolicy>;
  create(a: NewApproval, digest: string | null, tx?: Queryable): Promise<ApprovalRow>;
}

/**
 * Approving a run's plan once: the run asks one `run_plan` approval of every write step's plan (under the strictest of
 * their policies); when approved, each step, when reached, recomputes its plan and is released under it only when it
 * would do exactly what was approved (same call, same changes) — a `tool` approval whose parent is the plan, at most
 * one per step, consumed by the call as any tool approval is. A step whose plan drifted asks again, showing how.
 */
export class RunPlanApprovals {
  constructor(private readonly d: RunPlanDeps) {}

  /**
   * What the gate would ask of this call (`plan`: also make its dry-run plan, when the tool makes one — always, or only
   * when the call needs a person; a plan cut short by `signal` is `{error: CANCELLED}`: the caller checks its signal).
   */
  async planCall(runId: string, stepKey: string, toolId: string, input: Record<string, unknown>, environments: Record<string, string>, opts: { plan: boolean | 'if-approval'; signal?: AbortSignal }): Promise<PlannedCall> {
    const tool = this.d.invoker.catalogue.require(toolId);
    const policy = await this.d.policyFor(environments, runId, tool.plugin);
    const needsApproval = policy.requireFor.includes(tool.effect);
    const plan = opts.plan === true || (opts.plan === 'if-approval' && needsApproval);
    let prepared: Record<string, unknown>;
    try {
      prepared = this.d.invoker.prepare(toolId, input, environments).input;
    } catch (e) {
      if (!isStewardError(e)) throw e;
      return { tool, input, policy, needsApproval, digest: null, plan: plan ? { error: { code: e.code, message: e.message } } : null };
    }
    const digest = callDigest(tool.id, prepared, environments);
    if (!plan || !tool.supportsPlan) return { tool, input: prepared, policy, needsApproval, digest, plan: null };
    // As planOf (what the gate shows), with the run's signal.
    const r = await this.d.invoker.invoke(tool.id, prepared, { environments, mode: 'plan', runId, stepId: stepKey, signal: opts.signal });
    return { tool, input: prepared, policy, needsApproval, digest, plan: r.ok && r.mode === 'plan' ? r.plan : { error: r.ok ? null : r.error } };
  }

  /** The run's plan approval, if it asked one. */
  of(runId: string): Promise<ApprovalRow | undefined> {
    return this.d.repo.runPlanOf(this.d.store, runId);
  }

  /** Asks one approval of the run's plan (in the caller's transaction, the run locked), under the strictest policy of its steps. */
  async ask(run: { id: string; requested_by: string; environments: Record<string, string>; playbook: string | null }, steps: { step: RunPlanStep; policy: ApprovalPolicy }[], tx: Queryable): Promise<ApprovalRow> {
    const { policy, effect } = combinedPolicy(steps.map((s) => ({ policy: s.policy, effect: s.step.effect })));
    const plan: RunPlan = { steps: steps.map((s) => s.step) };
    const shown = steps.slice(0, 10).map(({ step }) => `${step.stepKey}: ${summaryOf(step.plan) ?? step.tool}`);
    const message =
      `The plan of run ${run.id}${run.playbook ? ` (${run.playbook})` : ''}: ${steps.length} write step(s), approved once — ` +
      `${shown.join('; ')}${steps.length > shown.length ? `; and ${steps.length - shown.length} more` : ''}. ` +
      `Each step is applied only if its plan is still the same then; one that changed asks again.`;
    return this.d.create({ kind: 'run_plan', runId: run.id, stepKey: null, effect, environments: run.environments, plan, message, requestedBy: run.requested_by, policy }, null, tx);
  }

  /**
   * A step reached under an approved run plan (`call` planned by planCall, outside the transaction; `tx` has the run
   * locked): released when it is the approved call with the approved changes; otherwise a `tool` approval of this step
   * shows the drift beside the new plan, under the step's own policy.
   */
  async apply(tx: Queryable, runPlan: ApprovalRow, call: PlannedCall & { runId: string; stepKey: string; requestedBy: string; environments: Record<string, string> }): Promise<Applied> {
    const parent = await this.d.repo.lock(tx, runPlan.id);
    if (!parent || parent.kind !== 'run_plan' || parent.run_id !== call.runId || (parent.status !== 'approved' && parent.status !== 'consumed')) {
      throw new StewardError('APPROVAL_NOT_PENDING', `run plan ${runPlan.id} is ${parent?.status ?? 'missing'}; no step is released under it`);
    }
    const approved = planStepOf(parent.plan, call.stepKey);
    const drift: PlanDrift | undefined = approved
      ? planDrift(approved, call.plan, call.digest!)
      : { added: canonicalChanges(call.plan), removed: [], changed: [], inputChanged: false };
    if (approved && !drift) {
      const released = await this.d.repo.insertRelease(tx, {
        id: newId('apr'), parentId: parent.id, runId: call.runId, stepKey: call.stepKey, tool: call.tool.id, effect: call.tool.effect, input: call.input,
        environments: call.environments, digest: call.digest, plan: call.plan, requestedBy: call.requestedBy, expiresAt: new Date(parent.expires_at),
        message: `${call.tool.title} (${call.tool.effect}), step ${call.stepKey}: released under run plan ${parent.id}; its plan is the approved one`,
        requiredApprovals: parent.required_approvals, requireReason: parent.require_reason, allowSelfApproval: parent.allow_self_approval,
      });
      await this.d.repo.markConsumed(tx, parent.id);
      return { released };
    }
    const summary = approved ? driftSummary(drift!) : 'the approved plan has no such step';
    const where = Object.entries(call.environments).map(([r, e]) => `${r}=${e}`).join(', ') || 'no environment';
    const asked = await this.d.create(
      {
        kind: 'tool', runId: call.runId, stepKey: call.stepKey, tool: call.tool.id, effect: call.tool.effect, input: call.input, environments: call.environments,
        plan: { ...(call.plan && typeof call.plan === 'object' ? call.plan : {}), drift, runPlanId: parent.id },
        message: `${call.tool.title} (${call.tool.effect}) on ${where}: the target changed since run plan ${parent.id} was approved — ${summary}; approve this step again`,
        requestedBy: call.requestedBy, policy: call.policy,
      },
      call.digest,
      tx,
    );
    return { drift: asked, summary };
  }
}

const summaryOf = (plan: unknown): string | undefined => {
  const s = (plan as { summary?: unknown } | null)?.summary;
  return typeof s === 'string' ? s : undefined;
};
