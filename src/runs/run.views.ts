import type { RunRow, StepRow } from './run.types.js';
import { iso } from '../common/time.js';


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
  dryRun: s.dry_run,
  error: s.error,
  approvalId: s.approval_id,
  startedAt: iso(s.started_at),
  finishedAt: iso(s.finished_at),
});
