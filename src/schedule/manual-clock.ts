import type { Clock } from './clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told to: timers fire in time order as it is advanced past them. For tests. */
export class ManualClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;
  private t: number;

  constructor(start: Date | string | number) {
    this.t = new Date(start).getTime();
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves to `to` (never backwards), firing every timer due on the way at its own time. */
  set(to: Date | string | number): void {
    const target = new Date(to).getTime();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = Math.max(this.t, target);
  }

  advance(ms: number): void {
    this.set(this.t + ms);
  }

  /**
   * Like set(), but stops at each timer on the way and awaits `settle` (e.g. the scheduler finishing what the timer
   * started) before going on: what a process that is awake the whole time would see.
   */
  async runTo(to: Date | string | number, settle: () => Promise<void>): Promise<void> {
    const target = new Date(to).getTime();
    for (;;) {
      const next = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.set(next.at);
      await settle();
    }
    this.set(target);
    await settle();
  }

  /** Timers waiting (for assertions). */
  get pending(): number {
    return this.timers.length;
  }
}
