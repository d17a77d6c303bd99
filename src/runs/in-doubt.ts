import type { ApprovalService } from '../approvals/approval.service.js';
import { callDigest } from '../approvals/approval.service.js';
import type { ApprovalRow, PolicySpec } from '../approvals/approval.types.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { Queryable, Store } from '../store/store.types.js';
import { retryingTransaction } from '../store/transaction-retry.js';
import type { RunEventsService } from './run-events.service.js';
import type { RunRepository } from './run.repository.js';
import { isTerminal, type RunRow, type StepRow } from './run.types.js';

/** What an in-doubt decision needs to know of a step. */
export type DoubtfulStep = Pick<StepRow, 'step_key' | 'step_id' | 'tool' | 'effect' | 'idempotent' | 'input' | 'environments' | 'approval_id'>;

export interface InDoubtDeps {
  store: Store;
  approvals: Pick<ApprovalService, 'policyFor' | 'create' | 'runPolicy'>;
  invoker: Pick<ToolInvoker, 'prepare' | 'catalogue'>;
  repo: RunRepository;
  events: RunEventsService;
}

/**
 * Writes whose outcome nobody knows: a call that started and then lost its answer (the daemon was killed, the step
 * timed out, the run was cancelled) may or may not have changed the target. Such a step is `unknown` and a person
 * decides — `retry` or `skip` — under the same policy as any approval of that environment (approvers, self-approval,
 * reason), seeing the call, its arguments, its environments and the plan that was approved. A call that cannot have
 * reached its target (its approval was never released) is not in doubt: it is simply asked again.
 */
export class InDoubtSteps {
  constructor(private readonly deps: InDoubtDeps) {}

  /**
   * Whether a started call may have reached its target. Reads never matter. A call whose approval was released
   * (consumed) may have run; otherwise it ran unless the policy needs an approval for it, in which case the gate was
   * still planning or asking when the call stopped (an approval the gate never had to consume, e.g. a retry decided
   * where the environment approves writes by itself, proves nothing). `runSpec`: the playbook's policy, read before
   * any transaction.
   */
  async mayHaveRun(db: Queryable, runId: string, step: Pick<StepRow, 'tool' | 'effect' | 'approval_id' | 'environments'>, runSpec?: PolicySpec): Promise<boolean> {
    if (!step.effect || step.effect === 'read') return false;
    if (step.approval_id) {
      const a = (await db.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [step.approval_id])).rows[0];
      if (a?.status === 'consumed') return true;
    }
    // Without a run id policyFor reads no store (safe inside a transaction); the playbook's part is runSpec.
    const env = await this.deps.approvals.policyFor(step.environments ?? {}, undefined, this.pluginOf(step.tool));
    const effect = step.effect as (typeof env.requireFor)[number];
    return !(env.requireFor.includes(effect) || (runSpec?.requireFor ?? []).includes(effect));
  }

  /** The plugin a tool comes from (its policy applies to tools without an environment). */
  private pluginOf(tool: string | null): string | undefined {
    return tool ? this.deps.invoker.catalogue.get(tool)?.plugin : undefined;
  }

  /** The playbook's policy of a run (call outside transactions: it may read the store). */
  runSpec(runId: string): Promise<PolicySpec | undefined> {
    return this.deps.approvals.runPolicy(runId).catch(() => undefined);
  }

  /**
   * Marks the step `unknown` and asks for a decision (an `unknown_step` approval), in one transaction that locks the
   * run first. `park`: also set the run waiting (recovery; the runner parks through its own control flow). Returns
   * undefined when the run ended meanwhile.
   */
  async mark(run: RunRow, step: DoubtfulStep, reason: string, park: boolean): Promise<ApprovalRow | undefined> {
    const { deps } = this;
    const environments = step.environments ?? {};
    // In doubt on any environment of the call or of the run: the strictest of their policies and the playbook's.
    const names = [...new Set([...Object.values(environments), ...Object.values(run.environments)])];
    const policy = await deps.approvals.policyFor(Object.fromEntries(names.map((n) => [n, n])), run.id, this.pluginOf(step.tool));
    const released = step.approval_id ? (await deps.store.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [step.approval_id])).rows[0] : undefined;
    let digest: string | null = null;
    try {
      digest = callDigest(step.tool!, deps.invoker.prepare(step.tool!, step.input, environments).input, environments);
    } catch {
      // The tool is gone or its schema changed: a retry cannot be released (fails closed); skip still works.
    }
    const where = Object.entries(environments).map(([r, e]) => `${r}=${e}`).join(', ') || 'no environment';
    const message =
      `${step.tool} (step ${step.step_key}) on ${where} may or may not have taken effect: ${reason}.` +
      (released ? ` It ran with approval ${released.id}${released.edited_by ? ` (arguments edited by ${released.edited_by})` : ''}.` : '') +
      ` Decide: retry runs it again${step.idempotent ? '' : ' (not idempotent: its effect may happen twice)'}; skip continues without it.`;
    const effect = step.effect as NonNullable<ApprovalRow['effect']>;
    const done = await retryingTransaction(deps.store, async (tx) => {
      const current = await deps.repo.lock(tx, run.id);
      if (!current || isTerminal(current.state)) return undefined;
      const a = await deps.approvals.create(
        {
          kind: 'unknown_step', runId: run.id, stepKey: step.step_key, tool: step.tool, effect, input: step.input, environments, plan: released?.plan ?? null, message,
          requestedBy: run.requested_by,
          policy: {
            ...policy,
            // At least what the approval that released the call asked.
            approvers: Math.max(policy.approvers, released?.required_approvals ?? 1),
            allowSelfApproval: policy.allowSelfApproval && (released?.allow_self_approval ?? true),
            requireReasonFor: released?.require_reason ? [...new Set([...policy.requireReasonFor, effect])] : policy.requireReasonFor,
          },
        },
        digest,
        tx,
      );
      await deps.repo.upsertStep(tx, run.id, step.step_key, { step_id: step.step_id, kind: 'tool', state: 'unknown', approval_id: a.id, error: { code: 'IN_DOUBT', message: reason } });
      if (park && current.state !== 'awaiting_approval') await deps.repo.setState(tx, run.id, 'awaiting_approval', `step ${step.step_key} is in doubt`);
      return { a, event: await deps.events.append(tx, run.id, 'step.unknown', { stepId: step.step_id, tool: step.tool, reason }, step.step_key) };
    });
    if (done) deps.events.publish(done.event);
    return done?.a;
  }
}
