import type { Logger } from 'pino';
import type { ApprovalRow } from '../approvals/approval.types.js';
import type { ParsedPlaybook } from '../playbooks/playbook.types.js';
import type { Queryable } from '../store/store.types.js';
import type { RunEvent, RunEventMap, RunEventType, RunRow, StepRow } from './run.types.js';

/** Runner control flow (a third error family, never shown to a model or an API caller as such). */
export class Park extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Park';
  }
}

/** The run must end now in this state (rejected, expired, failed, cancelled). */
export class EndRun extends Error {
  constructor(
    readonly state: 'failed' | 'rejected' | 'expired' | 'cancelled',
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'EndRun';
  }
}

/**
 * A loop's budget (loop.budget) is spent: the agent step that ran out fails with LOOP_BUDGET_SPENT and the loop ends
 * with stoppedBy "budget"; the run goes on. Thrown only for an agent whose limit was the loop's budget, not its own.
 */
export class BudgetSpent extends EndRun {
  constructor(reason: string) {
    super('failed', reason);
    this.name = 'BudgetSpent';
  }
}

/** The error code of an agent step stopped (or not started) because its loop's budget was spent. */
export const LOOP_BUDGET_SPENT = 'LOOP_BUDGET_SPENT';

/** The daemon is stopping: leave the run exactly as it is in the store; recovery continues it after the restart. */
export class Interrupted extends Error {
  constructor() {
    super('daemon shutting down');
    this.name = 'Interrupted';
  }
}

/** The abort reason the queue uses on shutdown (anything else aborting a run is a cancellation). */
export const SHUTDOWN = new Interrupted();

/** What stopping means for a run whose signal fired. */
export const stopFor = (signal: AbortSignal): Error => (signal.reason === SHUTDOWN ? SHUTDOWN : new EndRun('cancelled', 'the run was cancelled'));

/** What a step can see and do while a run executes. */
export interface RunContext {
  run: RunRow;
  /** The step rows as stored when this execution began (what earlier executions finished or left waiting). */
  rows: ReadonlyMap<string, StepRow>;
  /** The playbook, or null for an ad-hoc (prompt) run. */
  playbook: ParsedPlaybook | null;
  signal: AbortSignal;
  logger: Logger;
  /** The run's approved plan (kind run_plan) when the run is approved once: its write steps are released under it. */
  runPlan?: ApprovalRow;
  /** Appends and publishes one event (its own transaction). */
  emit<T extends RunEventType>(type: T, data: RunEventMap[T], stepKey?: string): Promise<RunEvent<T>>;
  /** Runs fn in a transaction; events appended through `append` are published after commit. */
  tx<T>(fn: (db: Queryable, append: <E extends RunEventType>(type: E, data: RunEventMap[E], stepKey?: string) => Promise<void>) => Promise<T>): Promise<T>;
}

/** A step's result in the expression scope: `steps.<id>`. */
export interface StepScopeEntry {
  output: unknown;
  status: string;
  error: { code: string; message: string } | null;
}

export type Scope = Record<string, unknown> & { steps: Record<string, StepScopeEntry> };
