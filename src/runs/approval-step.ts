import type { ApprovalStep } from '../playbooks/playbook.types.js';
import { EndRun, Park, type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { RunnerDeps } from './runner.js';

/**
 * A playbook `approval` step: asks once (a `gate` approval under the run's policy, at least the step's approvers) and
 * parks the run; when the approval is decided the run resumes here: approved goes on, rejected or expired ends it.
 */
export async function runApprovalStep(ctx: RunContext, deps: Pick<RunnerDeps, 'repo' | 'approvals' | 'approval'>, step: ApprovalStep, scope: Scope, key: string): Promise<StepScopeEntry> {
  const row = ctx.rows.get(key);
  if (ctx.run.dry_run) {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'approval', state: 'skipped', dry_run: 'unknown', finished: true });
      await append('step.skipped', { stepId: step.id, reason: 'dry run: a real run would wait here for an approval' }, key);
    });
    return { output: null, status: 'skipped', error: null };
  }
  if (row?.approval_id) {
    const a = await deps.approval(row.approval_id);
    if (a?.status === 'pending') throw new Park(`step ${key} waits for approval ${a.id}`);
    if (a?.status === 'rejected') throw new EndRun('rejected', `approval ${a.id} (step ${key}) was rejected`);
    if (a?.status !== 'approved' && a?.status !== 'consumed') throw new EndRun('expired', `approval ${row.approval_id} (step ${key}) ${a?.status ?? 'is missing'}`);
    const output = { approvalId: a.id, approved: true };
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'approval', state: 'succeeded', output, finished: true });
      await append('step.succeeded', { stepId: step.id, durationMs: 0 }, key);
    });
    return { output, status: 'succeeded', error: null };
  }
  const policy = await deps.approvals.policyFor(ctx.run.environments, ctx.run.id);
  await ctx.tx(async (db, append) => {
    await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'approval', state: 'running', started: true });
    await append('step.started', { stepId: step.id, kind: 'approval', attempt: 1 }, key);
    const a = await deps.approvals.create(
      { kind: 'gate', runId: ctx.run.id, stepKey: key, message: step.message.renderText(scope), requestedBy: ctx.run.requested_by, policy: { ...policy, approvers: Math.max(policy.approvers, step.approvers) } },
      null,
      db,
    );
    await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'approval', state: 'awaiting_approval', approval_id: a.id });
  });
  throw new Park(`step ${key} waits for an approval`);
}
