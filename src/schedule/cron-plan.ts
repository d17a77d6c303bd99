import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { isTimeZone } from '../playbooks/playbook.schedule.js';

/**
 * Cron arithmetic on top of croner (IANA zones, DST): a fixed-time job (`30 2 * * *`) whose time falls in a
 * spring-forward gap fires at the first valid time after it and fires once when an autumn hour repeats; an interval
 * job (every 30 minutes: `0,30 * * * *`) skips the gap and fires on both occurrences of the repeated hour.
 */
export interface CronPlan {
  readonly expression: string;
  readonly timezone: string;
  /** The first fire time strictly after `after` (ms), or undefined when it never fires again. */
  next(after: number): number | undefined;
  /**
   * Fire times in (after, until], oldest first. At most `max`: with more, the most recent `max` and `more: true`
   * (the older ones are never enumerated, so a year of downtime costs no more than a minute of it).
   */
  between(after: number, until: number, max: number): { times: number[]; more: boolean };
}

/** Compiles a 5-field (minute first) or 6-field (seconds first) expression in a zone; throws with croner's reason. */
export function compileCron(expression: string, timezone: string): CronPlan {
  if (!isTimeZone(timezone)) throw new Error(`unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin)`);
  const cron = new Cron(expression.trim(), { timezone, mode: '5-or-6-parts' });
  const next = (after: number) => cron.nextRun(new Date(after))?.getTime();
  return {
    expression: expression.trim(),
    timezone,
    next,
    between(after, until, max) {
      const times: number[] = [];
      for (let t = after; times.length <= max; ) {
        const n = next(t);
        if (n === undefined || n > until) return { times, more: false };
        times.push(n);
        t = n;
      }
      const recent = cron
        .previousRuns(max, new Date(until + 1000))
        .map((d) => d.getTime())
        .filter((x) => x > after && x <= until)
        .sort((a, b) => a - b);
      return { times: recent, more: true };
    },
  };
}

/** Why the expression cannot be scheduled, or undefined. */
export function cronError(expression: string, timezone: string, now = Date.now()): string | undefined {
  let plan: CronPlan;
  try {
    plan = compileCron(expression, timezone);
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
  return plan.next(now) === undefined ? `"${expression}" never fires` : undefined;
}

/** The smallest gap between consecutive fire times over the next `samples` fires from `from` (undefined: fewer than two). */
export function minGapMs(plan: CronPlan, from: number, samples = 400): number | undefined {
  let min: number | undefined;
  let prev = plan.next(from);
  for (let i = 0; prev !== undefined && i < samples; i++) {
    const n = plan.next(prev);
    if (n === undefined) break;
    min = Math.min(min ?? Infinity, n - prev);
    prev = n;
  }
  return min;
}

/** A delay in [0, max) that is the same for a given schedule and fire time on every replica and after a restart. */
export function jitterFor(scheduleId: string, slot: number, max: number | undefined): number {
  if (!max || max <= 0) return 0;
  const h = createHash('sha256').update(`${scheduleId}@${slot}`).digest();
  return h.readUIntBE(0, 6) % max;
}

export type CatchUp = 'none' | 'last' | 'all';

export interface DuePlan {
  /** Fire times to run now, oldest first: `cron` for the one that is on time, `catch-up` for missed ones. */
  fire: { at: number; kind: 'cron' | 'catch-up' }[];
  /** Due fire times that will not run (catch-up policy, window, cap); `more`: there were more than `count`. */
  missed?: { count: number; more: boolean; first: number; last: number };
  /** What last_fire_at becomes once this plan is claimed; undefined: nothing is due. */
  claimUpTo?: number;
}

export interface DueInput {
  plan: CronPlan;
  lastFireAt: number;
  now: number;
  catchUp: CatchUp;
  /** Missed fires older than this are not caught up (undefined: no limit). */
  windowMs?: number;
  /** A fire at most this late counts as on time (a timer firing a little late, a quick restart). */
  graceMs: number;
  /** Most fires one catch-up runs (`all`). */
  maxCatchUp: number;
  jitter: (slot: number) => number;
}

/**
 * What is due at `now`, given the last claimed fire time: the latest due fire runs when it is on time (whatever the
 * catch-up policy); fires missed while the daemon was down run per policy — none: not at all, last: the most recent
 * one (unless a newer one is on time), all: each within the window (at most maxCatchUp) — and the rest are reported.
 */
export function planDue(o: DueInput): DuePlan {
  const { times, more } = o.plan.between(o.lastFireAt, o.now, o.maxCatchUp + 1);
  const due = times.filter((s) => s + o.jitter(s) <= o.now);
  if (due.length === 0) return { fire: [] };
  const latest = due[due.length - 1]!;
  const onTime = o.now - (latest + o.jitter(latest)) <= o.graceMs;
  const late = onTime ? due.slice(0, -1) : due;
  const inWindow = (s: number) => o.windowMs === undefined || o.now - s <= o.windowMs;
  let caught: number[] = [];
  if (o.catchUp === 'last' && !onTime && inWindow(latest)) caught = [latest];
  if (o.catchUp === 'all') caught = late.filter(inWindow).slice(-o.maxCatchUp);
  const fire = [...caught.map((at) => ({ at, kind: 'catch-up' as const })), ...(onTime ? [{ at: latest, kind: 'cron' as const }] : [])];
  const skipped = late.filter((s) => !caught.includes(s));
  const missed = skipped.length > 0 || more ? { count: skipped.length, more, first: skipped[0] ?? late[0] ?? latest, last: skipped[skipped.length - 1] ?? latest } : undefined;
  return { fire, ...(missed && { missed }), claimUpTo: latest };
}
