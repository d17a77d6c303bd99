import type { Logger } from 'pino';
import type { Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { Store } from '../store/store.types.js';
import type { Clock } from './clock.js';
import { jitterFor, planDue, type DuePlan } from './cron-plan.js';
import { ScheduleRepository } from './schedule.repository.js';
import { SCHEDULER, targetKey, type FireRow, type FireStatus, type ScheduleDef, type StateRow } from './schedule.types.js';

/** What the scheduler needs of runs (RunsService). */
export interface RunStarter {
  start(req: { playbook: string; inputs: Record<string, unknown>; environments: Record<string, string>; scheduleId: string }, who: Principal): Promise<{ id: string }>;
  cancel(runId: string, who: Principal): Promise<unknown>;
}

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  runs: RunStarter;
  /** A fire at most this late is on time (default 30 s): a quick restart does not drop it whatever the catch-up policy. */
  graceMs?: number;
  /** Most fires one catch-up starts (default 100). */
  maxCatchUp?: number;
  /** Most fires waiting per schedule and binding with overlap: queue (default 10). */
  maxWaiting?: number;
  /** A fire claimed this long ago (seconds) without a run was stranded by a stop and is started now (default 30). */
  strandedAfterS?: number;
}

export interface FireOutcome {
  fireId: string;
  environments: Record<string, string>;
  status: FireStatus;
  reason: string | null;
  runId: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Fires schedules. Every step runs one at a time (a promise chain), so timers, reloads, API calls and finished runs
 * never interleave. Each fire is claimed in the store before it runs (a conditional UPDATE of last_fire_at plus a
 * unique fire row), so a restart or a second replica neither fires it twice nor loses it; what became of every fire
 * (started, skipped, waiting, missed, failed) is recorded with its reason.
 */
export class Scheduler {
  private readonly repo = new ScheduleRepository();
  private defs = new Map<string, ScheduleDef>();
  private readonly state = new Map<string, StateRow>();
  private chain: Promise<unknown> = Promise.resolve();
  private cancelTimer?: () => void;
  private started = false;
  private stopped = false;
  private readonly graceMs: number;
  private readonly maxCatchUp: number;
  private readonly maxWaiting: number;

  constructor(private readonly o: SchedulerOptions) {
    this.graceMs = o.graceMs ?? 30_000;
    this.maxCatchUp = o.maxCatchUp ?? 100;
    this.maxWaiting = o.maxWaiting ?? 10;
  }

  /**
   * Replaces the schedules (at start and on reload). A schedule seen for the first time starts from now, and so does
   * one whose cron or zone just changed: fire times of the new expression before the change were never due.
   */
  setSchedules(defs: readonly ScheduleDef[]): Promise<void> {
    return this.serial(async () => {
      const before = this.defs;
      const now = new Date(this.o.clock.now());
      this.defs = new Map(defs.map((d) => [d.id, d]));
      for (const id of [...this.state.keys()]) if (!this.defs.has(id)) this.state.delete(id);
      for (const d of defs) {
        let st = await this.repo.ensure(this.o.store, d.id, now);
        const old = before.get(d.id);
        if (old && (old.cron !== d.cron || old.timezone !== d.timezone) && st.last_fire_at < now) {
          await this.repo.pass(this.o.store, d.id, now);
          st = { ...st, last_fire_at: now };
        }
        this.state.set(d.id, st);
      }
      if (this.started) await this.tick();
    });
  }

  /** Starts firing: fires stranded by a stop are started, missed ones are caught up per policy, the timer is armed. */
  start(): Promise<void> {
    return this.serial(async () => {
      if (this.started || this.stopped) return;
      this.started = true;
      await this.recoverStranded();
      await this.tick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.settled();
  }

  /** Resolves once nothing is in progress (tests: after moving a ManualClock). */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current.catch(() => undefined);
      if (current === this.chain) return;
    }
  }

  get isRunning(): boolean {
    return this.started && !this.stopped;
  }

  list(): ScheduleDef[] {
    return [...this.defs.values()];
  }

  get(id: string): ScheduleDef | undefined {
    return this.defs.get(id);
  }

  stateOf(id: string): StateRow | undefined {
    return this.state.get(id);
  }

  /** The next `n` fire times (before jitter); none while paused or disabled. */
  nextTimes(def: ScheduleDef, n: number): number[] {
    return nextFireTimes(def, this.state.get(def.id), this.o.clock.now(), n, this.graceMs);
  }

  pause(id: string, who: Principal): Promise<StateRow> {
    return this.serial(async () => {
      this.require(id);
      const row = await this.repo.setPaused(this.o.store, id, true, who.name, new Date(this.o.clock.now()));
      this.state.set(id, row!);
      this.o.logger.info({ schedule: id, by: who.name }, 'schedule paused');
      return row!;
    });
  }

  /** Resumes from now: fire times that passed while paused are not caught up. */
  resume(id: string, who: Principal): Promise<StateRow> {
    return this.serial(async () => {
      this.require(id);
      const row = await this.repo.setPaused(this.o.store, id, false, who.name, new Date(this.o.clock.now()));
      this.state.set(id, row!);
      this.o.logger.info({ schedule: id, by: who.name }, 'schedule resumed');
      if (this.started) await this.tick();
      return row!;
    });
  }

  /** Fires now, once per binding, as `who` (overlap policy applies; paused or disabled schedules can be triggered). */
  trigger(id: string, who: Principal): Promise<FireOutcome[]> {
    return this.serial(async () => {
      const def = this.require(id);
      const at = new Date(this.o.clock.now());
      const out: FireOutcome[] = [];
      for (const env of def.targets) {
        const row = await this.repo.addFire(this.o.store, { scheduleId: id, fireAt: at, kind: 'manual', target: targetKey(env), environments: env, status: 'claimed', requestedBy: who.name });
        out.push(await this.fire(def, row!));
      }
      return out;
    });
  }

  /** A run ended: fires waiting for it (overlap: queue) may start. */
  runFinished(): Promise<void> {
    return this.serial(async () => {
      if (this.isRunning) await this.processWaiting();
    });
  }

  private require(id: string): ScheduleDef {
    const def = this.defs.get(id);
    if (!def) throw new StewardError('SCHEDULE_NOT_FOUND', `no schedule "${id}" (ids are playbook:<playbook id> or config:<name>; see GET /schedules)`);
    return def;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.catch(() => undefined).then(fn);
    this.chain = p.catch((e: unknown) => this.o.logger.error({ err: e }, 'scheduler step failed'));
    return p;
  }

  private async tick(): Promise<void> {
    if (!this.started || this.stopped) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.o.clock.now();
    for (const def of this.defs.values()) {
      await this.due(def, now).catch((e: unknown) => this.o.logger.error({ err: e, schedule: def.id }, 'schedule fire failed'));
    }
    await this.processWaiting().catch((e: unknown) => this.o.logger.error({ err: e }, 'starting waiting fires failed'));
    this.arm();
  }

  private async due(def: ScheduleDef, now: number): Promise<void> {
    const st = this.state.get(def.id);
    if (!st) return;
    const plan = planDue({
      plan: def.plan, lastFireAt: st.last_fire_at.getTime(), now, catchUp: def.catchUp, windowMs: def.catchUpWindowMs, graceMs: this.graceMs,
      maxCatchUp: this.maxCatchUp, jitter: (s) => jitterFor(def.id, s, def.jitterMs),
    });
    if (plan.claimUpTo === undefined) return;
    const upTo = new Date(plan.claimUpTo);
    if (st.paused || !def.enabled) {
      await this.repo.pass(this.o.store, def.id, upTo);
      st.last_fire_at = upTo;
      return;
    }
    const rows = await this.o.store.transaction(async (tx) => {
      if (!(await this.repo.claim(tx, def.id, upTo))) return undefined;
      if (plan.missed) {
        await this.repo.addFire(tx, { scheduleId: def.id, fireAt: new Date(plan.missed.last), kind: 'cron', target: '*', environments: {}, status: 'missed', reason: missedReason(def, plan), requestedBy: SCHEDULER.name });
      }
      const out: FireRow[] = [];
      for (const f of plan.fire) {
        for (const env of def.targets) {
          const row = await this.repo.addFire(tx, { scheduleId: def.id, fireAt: new Date(f.at), kind: f.kind, target: targetKey(env), environments: env, status: 'claimed', requestedBy: SCHEDULER.name });
          if (row) out.push(row);
        }
      }
      return out;
    });
    if (!rows) {
      const [fresh] = await this.repo.states(this.o.store, [def.id]);
      if (fresh) this.state.set(def.id, fresh);
      return;
    }
    st.last_fire_at = upTo;
    if (plan.missed) this.o.logger.warn({ schedule: def.id, missed: plan.missed.count, more: plan.missed.more, catchUp: def.catchUp }, missedReason(def, plan));
    // The overlap policy is weighed against runs from before this batch: catch-up fires of one batch all start.
    const started = new Set<string>();
    for (const row of rows) {
      const out = started.has(row.target) ? await this.startRun(def, row) : await this.fire(def, row);
      if (out.status === 'started') started.add(row.target);
    }
  }

  /** One claimed fire: applies the overlap policy, then starts the run. */
  private async fire(def: ScheduleDef, row: FireRow): Promise<FireOutcome> {
    const active = await this.repo.activeRuns(this.o.store, def.id, row.environments);
    const prev = active[active.length - 1];
    if (prev && def.overlap === 'skip') return this.settle(row, 'skipped', { reason: `run ${prev.id} of this schedule is still ${prev.state} (overlap: skip)` });
    if (prev && def.overlap === 'queue') {
      const waiting = (await this.repo.waiting(this.o.store)).filter((w) => w.schedule_id === def.id && w.target === row.target).length;
      if (waiting >= this.maxWaiting) return this.settle(row, 'skipped', { reason: `${waiting} fires already wait for run ${prev.id} (overlap: queue holds at most ${this.maxWaiting})` });
      return this.settle(row, 'waiting', { reason: `waits for run ${prev.id} to end (overlap: queue)` });
    }
    let note: string | undefined;
    if (prev) {
      for (const r of active) {
        await this.o.runs.cancel(r.id, SCHEDULER).catch((e: unknown) => this.o.logger.debug({ err: e, run: r.id }, 'previous run not cancelled (it ended meanwhile)'));
      }
      note = `cancelled the previous run${active.length > 1 ? 's' : ''} ${active.map((r) => r.id).join(', ')} (overlap: cancel-previous)`;
    }
    return this.startRun(def, row, note);
  }

  private async startRun(def: ScheduleDef, row: FireRow, note?: string): Promise<FireOutcome> {
    const who: Principal = row.requested_by === SCHEDULER.name ? SCHEDULER : { name: row.requested_by, role: 'operator' };
    try {
      const run = await this.o.runs.start({ playbook: def.playbook, inputs: def.inputs, environments: row.environments, scheduleId: def.id }, who);
      this.o.logger.info({ schedule: def.id, run: run.id, fireAt: row.fire_at, kind: row.kind, by: who.name }, 'scheduled run started');
      return await this.settle(row, 'started', { runId: run.id, reason: note ?? null });
    } catch (e) {
      this.o.logger.warn({ schedule: def.id, fireAt: row.fire_at, err: e }, 'scheduled run could not start');
      return this.settle(row, 'failed', { reason: errorText(e) });
    }
  }

  private async settle(row: FireRow, status: FireStatus, f: { reason?: string | null; runId?: string | null }): Promise<FireOutcome> {
    await this.repo.setFire(this.o.store, row.id, status, f);
    if (status === 'skipped' || status === 'waiting') this.o.logger.info({ schedule: row.schedule_id, fireAt: row.fire_at, status, reason: f.reason }, `scheduled fire ${status}`);
    return { fireId: row.id, environments: row.environments, status, reason: f.reason ?? row.reason, runId: f.runId ?? row.run_id };
  }

  /** Waiting fires (overlap: queue) whose binding has no unfinished run any more start, oldest first, one per binding. */
  private async processWaiting(): Promise<void> {
    const seen = new Set<string>();
    for (const row of await this.repo.waiting(this.o.store)) {
      const key = `${row.schedule_id}|${row.target}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const def = this.defs.get(row.schedule_id);
      if (!def) {
        await this.repo.setFire(this.o.store, row.id, 'skipped', { reason: 'the schedule was removed while this fire waited' });
        continue;
      }
      if (this.state.get(def.id)?.paused) continue;
      if ((await this.repo.activeRuns(this.o.store, def.id, row.environments)).length > 0) continue;
      if (await this.repo.moveFire(this.o.store, row.id, 'waiting', 'claimed')) await this.startRun(def, row, `started after waiting (overlap: queue)`);
    }
  }

  /** Fires claimed before a stop whose run never started: started now, unless the run turns out to exist. */
  private async recoverStranded(): Promise<void> {
    for (const row of await this.repo.stranded(this.o.store, this.o.strandedAfterS ?? 30)) {
      const def = this.defs.get(row.schedule_id);
      if (!def) {
        await this.repo.setFire(this.o.store, row.id, 'failed', { reason: 'claimed before a stop; the schedule no longer exists' });
        continue;
      }
      const existing = await this.repo.runSince(this.o.store, def.id, row.environments, row.created_at);
      if (existing) await this.settle(row, 'started', { runId: existing });
      else {
        this.o.logger.warn({ schedule: def.id, fireAt: row.fire_at }, 'starting a fire claimed before the daemon stopped');
        await this.fire(def, row);
      }
    }
  }

  /** One timer for the earliest next fire of any schedule. */
  private arm(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    let wake: number | undefined;
    for (const def of this.defs.values()) {
      const st = this.state.get(def.id);
      if (!st) continue;
      const next = def.plan.next(st.last_fire_at.getTime());
      if (next === undefined) continue;
      const at = next + jitterFor(def.id, next, def.jitterMs);
      wake = Math.min(wake ?? Infinity, at <= now ? now + 1000 : at);
    }
    if (wake === undefined) return;
    this.cancelTimer = this.o.clock.setTimer(() => void this.serial(() => this.tick()), wake - now);
  }
}

/** The next `n` fire times of a schedule in a state (before jitter); none while paused or disabled. */
export function nextFireTimes(def: ScheduleDef, st: StateRow | undefined, now: number, n: number, graceMs = 30_000): number[] {
  if (!def.enabled || st?.paused) return [];
  let t = st && new Date(st.last_fire_at).getTime() >= now - graceMs ? new Date(st.last_fire_at).getTime() : now;
  const out: number[] = [];
  while (out.length < n) {
    const next = def.plan.next(t);
    if (next === undefined) break;
    out.push(next);
    t = next;
  }
  return out;
}

function missedReason(def: ScheduleDef, plan: DuePlan): string {
  const m = plan.missed!;
  const n = `${m.more ? 'more than ' : ''}${m.count} fire time${m.count === 1 && !m.more ? '' : 's'}`;
  const span = m.first === m.last ? `at ${iso(m.first)}` : `from ${iso(m.first)} to ${iso(m.last)}`;
  const why = def.catchUp === 'none' ? 'catchUp: none' : `catchUp: ${def.catchUp}${def.catchUpWindowMs !== undefined ? `, window ${def.catchUpWindowMs / 1000}s` : ''}`;
  return `${n} ${span} passed while the daemon was not running and did not run (${why})`;
}
