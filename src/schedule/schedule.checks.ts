import type { PathSegment } from '../common/json-schema.js';
import type { ScheduleEntryConfig, StewardConfig } from '../config/config.types.js';
import { parseDuration } from '../playbooks/duration.js';
import { compileCron, cronError, minGapMs } from './cron-plan.js';

export interface Problem {
  /** Relative to the schedule (or the config root for config-wide checks). */
  path: PathSegment[];
  message: string;
}

export const DEFAULT_MIN_INTERVAL_MS = 60_000;

const fmt = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/**
 * The timing of one schedule: a cron croner accepts and that fires at all, a known zone, no two fires closer than
 * the minimum interval (checked over the next 400 fire times), a jitter shorter than the gap between fires.
 */
export function timingProblems(s: { cron: string; timezone: string; jitterMs?: number }, minIntervalMs: number, now = Date.now()): Problem[] {
  const err = cronError(s.cron, s.timezone, now);
  if (err) return [{ path: err.startsWith('unknown time zone') ? ['timezone'] : ['cron'], message: err }];
  const gap = minGapMs(compileCron(s.cron, s.timezone), now);
  const out: Problem[] = [];
  if (gap !== undefined && gap < minIntervalMs) {
    out.push({ path: ['cron'], message: `"${s.cron}" fires every ${fmt(gap)}; schedules may fire at most every ${fmt(minIntervalMs)} (schedules.minInterval)` });
  }
  if (s.jitterMs !== undefined && gap !== undefined && s.jitterMs >= gap) {
    out.push({ path: ['jitter'], message: `must be shorter than the ${fmt(gap)} between fires` });
  }
  return out;
}

/** A steward.yaml schedule entry checked against the configuration alone (its playbook is checked once loaded). */
export function entryProblems(e: ScheduleEntryConfig, environments: StewardConfig['environments'], minIntervalMs: number, now = Date.now()): Problem[] {
  const jitterMs = e.jitter === undefined ? undefined : parseDuration(e.jitter);
  const out = timingProblems({ cron: e.cron, timezone: e.timezone ?? 'UTC', jitterMs }, minIntervalMs, now);
  const bindings = e.environments === undefined ? [] : Array.isArray(e.environments) ? e.environments : [e.environments];
  bindings.forEach((b, i) => {
    for (const [role, name] of Object.entries(b)) {
      const path = Array.isArray(e.environments) ? ['environments', i, role] : ['environments', role];
      if (!environments[name]) out.push({ path, message: `no environment "${name}" is configured (known: ${Object.keys(environments).join(', ') || 'none'})` });
    }
  });
  const keys = bindings.map((b) => JSON.stringify(Object.entries(b).sort()));
  keys.forEach((k, i) => {
    if (keys.indexOf(k) !== i) out.push({ path: ['environments', i], message: `the same environments are listed twice (also at environments[${keys.indexOf(k)}])` });
  });
  if (e.catchUpWindow !== undefined && (e.catchUp ?? 'none') === 'none') out.push({ path: ['catchUpWindow'], message: 'has no effect with catchUp: none; set catchUp: last or all' });
  return out;
}

/** Config-wide checks of `schedules:` and `notifications:` (run by the config loader, with line and column). */
export function checkSchedulesConfig(config: StewardConfig, now = Date.now()): Problem[] {
  const out: Problem[] = [];
  const min = parseDuration(config.schedules.minInterval) ?? DEFAULT_MIN_INTERVAL_MS;
  if (min < 1000) out.push({ path: ['schedules', 'minInterval'], message: 'must be at least 1s' });
  for (const [name, e] of Object.entries(config.schedules.entries)) {
    for (const p of entryProblems(e, config.environments, Math.max(min, 1000), now)) out.push({ path: ['schedules', 'entries', name, ...p.path], message: p.message });
  }
  const seen = new Map<string, number>();
  config.notifications.webhooks.forEach((w, i) => {
    if (seen.has(w.name)) out.push({ path: ['notifications', 'webhooks', i, 'name'], message: `duplicate webhook name "${w.name}" (also at notifications.webhooks[${seen.get(w.name)}])` });
    seen.set(w.name, i);
    if (w.retry.maxDelayMs < w.retry.initialDelayMs) out.push({ path: ['notifications', 'webhooks', i, 'retry', 'maxDelayMs'], message: 'must be at least initialDelayMs' });
  });
  return out;
}
