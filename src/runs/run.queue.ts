import type { Logger } from 'pino';
import { SHUTDOWN } from './run-context.js';

/**
 * Runs start in the order they were queued, at most `limit` at once. A run that parks (waits for a person) leaves
 * its slot; it is pushed again when it can continue. Each executing run has an AbortController: cancelling a run
 * aborts its in-flight tool calls (the signal reaches the tool through MCP cancellation).
 */
export class RunQueue {
  private readonly waiting: string[] = [];
  private readonly active = new Map<string, AbortController>();
  private readonly again = new Set<string>();
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly execute: (runId: string, signal: AbortSignal) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  push(runId: string): void {
    if (this.stopped) return;
    if (this.active.has(runId)) {
      this.again.add(runId); // it changed while executing: run it once more after
      return;
    }
    if (!this.waiting.includes(runId)) this.waiting.push(runId);
    this.pump();
  }

  cancel(runId: string): void {
    const i = this.waiting.indexOf(runId);
    if (i >= 0) this.waiting.splice(i, 1);
    this.again.delete(runId);
    this.active.get(runId)?.abort(new Error('run cancelled'));
  }

  /** Stops executing a run without touching its state (another daemon took it over): like a shutdown, for one run. */
  release(runId: string): void {
    this.again.delete(runId);
    this.active.get(runId)?.abort(SHUTDOWN);
  }

  /** The runs executing now. */
  executing(): string[] {
    return [...this.active.keys()];
  }

  get size(): { active: number; waiting: number } {
    return { active: this.active.size, waiting: this.waiting.length };
  }

  /** Stops starting runs and aborts the executing ones (shutdown: their state stays in the store for recovery). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    if (this.active.size === 0) return;
    const done = new Promise<void>((r) => this.idle.push(r));
    for (const c of this.active.values()) c.abort(SHUTDOWN);
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.limit && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const controller = new AbortController();
      this.active.set(id, controller);
      void this.execute(id, controller.signal)
        .catch((e: unknown) => this.logger.error({ err: e, run: id }, 'run execution failed'))
        .finally(() => {
          this.active.delete(id);
          if (this.again.delete(id)) this.waiting.unshift(id);
          if (this.active.size === 0) for (const r of this.idle.splice(0)) r();
          this.pump();
        });
    }
  }
}
