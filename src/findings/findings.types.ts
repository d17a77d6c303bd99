import type { RunRow } from '../runs/run.types.js';

/** Bus topic: a finished run's findings were compared with its baseline and the history updated (live runs only). */
export const FINDINGS_UPDATED = 'findings.updated';

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: string): number => SEVERITIES.indexOf(s as Severity);

/** One finding of one run (the `findings` table, written by the runner's check steps). */
export interface RunFinding {
  run_id: string;
  step_key: string;
  fingerprint: string;
  check_id: string;
  severity: string;
  environment: string | null;
  asset: string | null;
  message: string;
}

/** A run's findings against its baseline: the previous successful run of the same schedule (or playbook + environments). */
export interface FindingsDiff {
  runId: string;
  baselineRunId: string | null;
  /** false: the run did not succeed, so findings it did not report are not counted as resolved. */
  complete: boolean;
  new: RunFinding[];
  open: RunFinding[];
  resolved: RunFinding[];
}

export interface FindingsUpdated {
  run: RunRow;
  diff: FindingsDiff;
}

/** A finding across runs. */
export interface FindingStateRow {
  fingerprint: string;
  check_id: string;
  environment: string | null;
  asset: string | null;
  severity: string;
  message: string;
  playbook: string | null;
  state: 'open' | 'resolved';
  first_seen_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  first_run_id: string;
  last_run_id: string;
  resolved_run_id: string | null;
  times_seen: number;
  reopened: number;
}

export interface FindingHistoryRow {
  fingerprint: string;
  run_id: string;
  change: 'opened' | 'reopened' | 'resolved';
  at: Date;
}

/**
 * new: in the run, not in the baseline (all of them without a baseline); open: in both; resolved: in the baseline,
 * not in the run — only when the run completed (a failed run may simply not have got that far).
 */
export function diffFindings(runId: string, current: RunFinding[], baseline: { runId: string; findings: RunFinding[] } | undefined, complete: boolean): FindingsDiff {
  const before = new Set((baseline?.findings ?? []).map((f) => f.fingerprint));
  const now = new Set(current.map((f) => f.fingerprint));
  const order = (a: RunFinding, b: RunFinding) => severityRank(b.severity) - severityRank(a.severity) || a.check_id.localeCompare(b.check_id) || a.fingerprint.localeCompare(b.fingerprint);
  return {
    runId,
    baselineRunId: baseline?.runId ?? null,
    complete,
    new: current.filter((f) => !before.has(f.fingerprint)).sort(order),
    open: current.filter((f) => before.has(f.fingerprint)).sort(order),
    resolved: complete ? (baseline?.findings ?? []).filter((f) => !now.has(f.fingerprint)).sort(order) : [],
  };
}
