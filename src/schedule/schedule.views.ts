import type { RunRow } from '../runs/run.types.js';
import type { FireRow, ScheduleDef, StateRow } from './schedule.types.js';
import { iso } from '../common/time.js';


export const toFireView = (f: FireRow) => ({
  id: f.id,
  at: iso(f.fire_at),
  kind: f.kind,
  environments: f.environments,
  status: f.status,
  reason: f.reason,
  runId: f.run_id,
  requestedBy: f.requested_by,
  recordedAt: iso(f.created_at),
});

/** What the API shows of a schedule: its definition, state, next fire times, last fire and last run. */
export function toScheduleView(def: ScheduleDef, st: StateRow | undefined, next: number[], lastFire?: FireRow, lastRun?: RunRow) {
  return {
    id: def.id,
    source: def.source,
    playbook: def.playbook,
    cron: def.cron,
    timezone: def.timezone,
    environments: def.targets,
    inputs: def.inputs,
    overlap: def.overlap,
    catchUp: def.catchUp,
    catchUpWindowMs: def.catchUpWindowMs ?? null,
    jitterMs: def.jitterMs ?? null,
    enabled: def.enabled,
    paused: st?.paused ?? false,
    pausedBy: st?.paused_by ?? null,
    pausedAt: iso(st?.paused_at),
    file: def.origin.file,
    line: def.origin.line,
    nextFireAt: iso(next[0]),
    nextFireTimes: next.map((t) => iso(t)),
    lastFireAt: iso(st?.last_fire_at),
    lastFire: lastFire ? toFireView(lastFire) : null,
    lastRun: lastRun
      ? { id: lastRun.id, state: lastRun.state, reason: lastRun.reason, requestedBy: lastRun.requested_by, createdAt: iso(lastRun.created_at), finishedAt: iso(lastRun.finished_at) }
      : null,
  };
}

export type ScheduleView = ReturnType<typeof toScheduleView>;
