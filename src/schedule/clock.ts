/**
 * Time for the scheduler, injectable so tests drive it: no test waits for a real cron interval. The daemon uses the
 * system clock; a test installs a ManualClock (manual-clock.ts) before it starts a daemon and moves time by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once, `ms` from now (a ManualClock: when it is advanced that far). Returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** setTimeout caps delays at 2^31-1 ms; the scheduler wakes at least this often anyway and re-plans. */
export const MAX_TIMER_MS = 3_600_000;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    t.unref();
    return () => clearTimeout(t);
  },
};

let installed: Clock | undefined;

/**
 * Tests only: the clock that daemons started afterwards in this process use (undefined: the system clock again).
 * Jest gives every test file its own module registry, so this never leaks between files.
 */
export function installClock(clock: Clock | undefined): void {
  installed = clock;
}

/** The clock a daemon starting now uses. */
export const currentClock = (): Clock => installed ?? systemClock;
