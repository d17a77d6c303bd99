import { hasRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { RunRow, StepRow } from './run.types.js';
import { iso } from '../common/time.js';
import { planView } from '../plans/plan-view.js';

/**
 * Who may read a run: anyone with the viewer role, except a thread's run — its prompt and answer are the thread's
 * conversation, read only by the thread's owner (who sent the message; only the owner can) or an admin, as at
 * GET /threads/{id}. Others are told it does not exist.
 */
export function mayReadRun(run: Pick<RunRow, 'kind' | 'inputs' | 'requested_by'>, who: Principal): boolean {
  const threadId = run.kind === 'prompt' ? (run.inputs as { threadId?: unknown } | null)?.threadId : undefined;
  return threadId === undefined || run.requested_by === who.name || hasRole(who, 'admin');
}

/** The run when `who` may read it; RUN_NOT_FOUND otherwise (a thread's run is not revealed). */
export function readableRun<R extends Pick<RunRow, 'id' | 'kind' | 'inputs' | 'requested_by'>>(run: R, who: Principal): R {
  if (!mayReadRun(run, who)) throw new StewardError('RUN_NOT_FOUND', `run ${run.id} does not exist`);
  return run;
}


/** What the API shows of a run (the stored definition stays internal). */
export const toRunView = (r: RunRow) => ({
  id: r.id,
  kind: r.kind,
  playbook: r.playbook,
  prompt: r.prompt,
  state: r.state,
  reason: r.reason,
  dryRun: r.dry_run,
  shareToolResults: r.share_tool_results ?? null,
  approveOnce: r.approve_once ?? null,
  inputs: r.inputs,
  environments: r.environments,
  requestedBy: r.requested_by,
  scheduleId: r.schedule_id,
  outputs: r.outputs,
  lastEventId: Number(r.last_event_id),
  createdAt: iso(r.created_at),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
});

export const toStepView = (s: StepRow) => ({
  key: s.step_key,
  id: s.step_id,
  kind: s.kind,
  state: s.state,
  attempt: s.attempt,
  tool: s.tool,
  effect: s.effect,
  environments: s.environments,
  input: s.input,
  output: s.output,
  plan: s.plan,
  /** The plan as people read it (src/plans/plan-view.ts), or null when the step has none. */
  planView: s.plan === null || s.plan === undefined ? null : planView(s.plan),
  dryRun: s.dry_run,
  error: s.error,
  approvalId: s.approval_id,
  startedAt: iso(s.started_at),
  finishedAt: iso(s.finished_at),
});
