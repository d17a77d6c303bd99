/** Runs: states, events and the rows behind them. */

export const RUN_STATES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const;
export type RunState = (typeof RUN_STATES)[number];
export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];
export const isTerminal = (s: RunState): boolean => TERMINAL_STATES.includes(s);

export type StepState = 'running' | 'succeeded' | 'failed' | 'skipped' | 'awaiting_approval' | 'unknown' | 'cancelled';
/** would_fail: the plan could not be made, or has a `fail` change (src/approvals/plan-failure.ts). */
export type DryRunOutcome = 'would_change' | 'no_change' | 'would_fail' | 'unknown';

export interface RunRow {
  id: string;
  kind: 'playbook' | 'prompt';
  playbook: string | null;
  playbook_digest: string | null;
  definition: { source: string; file: string } | null;
  prompt: string | null;
  inputs: Record<string, unknown>;
  environments: Record<string, string>;
  dry_run: boolean;
  state: RunState;
  reason: string | null;
  requested_by: string;
  schedule_id: string | null;
  outputs: Record<string, unknown> | null;
  /** false: the run opted out of showing tool results to a model. */
  share_tool_results?: boolean | null;
  /** true: one approval of the whole run's plan; false: one per write step; null: the playbook's policy.approval.scope. */
  approve_once?: boolean | null;
  last_event_id: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface StepRow {
  run_id: string;
  step_key: string;
  step_id: string;
  kind: string;
  state: StepState;
  attempt: number;
  tool: string | null;
  effect: string | null;
  idempotent: boolean | null;
  input: unknown;
  environments: Record<string, string> | null;
  output: unknown;
  plan: unknown;
  error: { code: string; message: string } | null;
  dry_run: DryRunOutcome | null;
  approval_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Every event type a run emits, with its data. One typed map (STYLE: event names in one place). */
export interface RunEventMap {
  'run.queued': { playbook: string | null; requestedBy: string; dryRun: boolean };
  'run.started': Record<string, never>;
  'run.state': { from: RunState; to: RunState; reason?: string };
  'run.finished': { state: RunState; reason?: string; outputs?: Record<string, unknown> | null };
  /**
   * A run approved once has planned every write step (each plan is in a step.plan event before it): approvalId is the
   * one approval of the whole plan (null when no step needs one).
   */
  'run.plan_ready': { approvalId: string | null; steps: { stepKey: string; stepId: string; tool: string; outcome: DryRunOutcome; summary: string | null; needsApproval: boolean }[] };
  'step.started': { stepId: string; kind: string; tool?: string; attempt: number };
  'step.progress': { stepId: string; progress: number; total?: number; message?: string };
  'step.plan': { stepId: string; tool: string; outcome: DryRunOutcome; plan: unknown };
  'step.succeeded': { stepId: string; output?: unknown; durationMs: number };
  'step.failed': { stepId: string; error: { code: string; message: string }; continued: boolean; durationMs: number };
  'step.skipped': { stepId: string; reason: string };
  'step.retry': { stepId: string; attempt: number; delayMs: number; error: { code: string; message: string } };
  'step.unknown': { stepId: string; tool: string | null; reason: string };
  /** The run ended (cancelled, failed, ...) while this step was waiting or running and could not have taken effect. */
  'step.cancelled': { stepId: string; reason: string };
  'approval.requested': { approvalId: string; stepId: string | null; kind: string; tool?: string | null; message?: string | null; expiresAt: string };
  'approval.decided': { approvalId: string; decision: string; by: string; comment?: string | null; status: string };
  'approval.expired': { approvalId: string };
  /** The run asks a person (an ask step, or the agent's steward.ask call stepKey) and waits: GET/POST /questions/{id}. */
  'question.asked': { questionId: string; stepId: string; question: string; schema: Record<string, unknown>; from: string[] | null; expiresAt: string };
  /** The question was answered (status answered), or stopped waiting unanswered (expired, cancelled: answer null). */
  'question.answered': { questionId: string; stepId: string; status: string; answer: unknown; by: string | null };
  'agent.model': { stepId: string; call: number; phase: 'start' | 'end'; messages?: number; purpose?: 'repair'; latencyMs?: number; usage?: { input: number; output: number; total: number }; toolCalls?: number; invalidToolCalls?: number; error?: string };
  'agent.proposed': { stepId: string; callId: string; tool: string; effect: string | null; args: unknown };
  'agent.result': { stepId: string; callId: string; tool: string; ok: boolean; shared: boolean; count?: number; size?: number; error?: { code: string; message: string } };
  /** Text the model is writing, as it streams (model call `call`); the whole answer follows in agent.answer. */
  'agent.delta': { stepId: string; call: number; text: string };
  'agent.answer': { stepId: string; text: string };
  'finding': { check: string; severity: string; asset?: string | null; message: string; fingerprint: string };
}
export type RunEventType = keyof RunEventMap;

export interface RunEvent<T extends RunEventType = RunEventType> {
  runId: string;
  seq: number;
  type: T;
  stepKey?: string | null;
  data: RunEventMap[T];
  at: string;
}

/** The in-process bus topic every persisted run event is published on (after it is committed). */
export const RUN_EVENT = 'run.event';
