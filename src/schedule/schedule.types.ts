import type { Principal } from '../auth/roles.js';
import type { CatchUpPolicy, OverlapPolicy } from '../config/config.types.js';
import type { CronPlan } from './cron-plan.js';

/** Who starts scheduled runs: recorded as the runs' requester. It cannot approve anything (no token has its name). */
export const SCHEDULER: Principal = { name: 'scheduler', role: 'operator' };

/** One schedule as the scheduler runs it (validated; its cron compiled). */
export interface ScheduleDef {
  /** `playbook:<playbookId>` (declared in the playbook) or `config:<name>` (steward.yaml). */
  id: string;
  source: 'playbook' | 'config';
  playbook: string;
  cron: string;
  timezone: string;
  inputs: Record<string, unknown>;
  /** Environment bindings (role -> environment): each fire starts one run per binding. */
  targets: Record<string, string>[];
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  catchUpWindowMs?: number;
  jitterMs?: number;
  enabled: boolean;
  /** Where it is written: the playbook file or steward.yaml, at its `cron`. */
  origin: { file: string; line: number; col: number };
  plan: CronPlan;
}

/** A schedule that could not be (re)loaded, positioned in its file. `kept`: the previous version stays in force. */
export interface ScheduleProblem {
  scheduleId?: string;
  file: string;
  line: number;
  col: number;
  message: string;
  kept?: boolean;
}

export type FireKind = 'cron' | 'catch-up' | 'manual';
export type FireStatus = 'claimed' | 'waiting' | 'started' | 'skipped' | 'missed' | 'failed';

export interface StateRow {
  id: string;
  last_fire_at: Date;
  paused: boolean;
  paused_by: string | null;
  paused_at: Date | null;
}

/** What became of one fire time for one binding (or, `missed`, of fire times not run). */
export interface FireRow {
  id: string;
  schedule_id: string;
  fire_at: Date;
  kind: FireKind;
  target: string;
  environments: Record<string, string>;
  status: FireStatus;
  reason: string | null;
  run_id: string | null;
  requested_by: string;
  created_at: Date;
  updated_at: Date;
}

/** `role=env,role2=env2` (sorted): a binding's key in the store. */
export const targetKey = (env: Record<string, string>): string =>
  Object.entries(env)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
