/**
 * The model's tokens as the run's `agent.delta` events: tokens are gathered and written as one event at most every
 * `everyMs` (or sooner once `maxChars` have gathered), so a long answer costs a few events a second, not one a token.
 * Events are written one after another in order; `flush()` writes what is gathered and resolves once everything
 * before it is written (the agent flushes before it records the end of a model call). A failed write (the run ended)
 * drops that text: the answer itself is recorded by `agent.answer`, deltas only show it early.
 */
export class DeltaStream {
  private text = '';
  private timer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (text: string) => Promise<unknown>,
    private readonly everyMs = 100,
    private readonly maxChars = 500,
  ) {}

  push(token: string): void {
    if (!token) return;
    this.text += token;
    if (this.text.length >= this.maxChars) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.everyMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.text;
    this.text = '';
    if (text) this.written = this.written.then(() => this.write(text)).then(() => undefined, () => undefined);
    return this.written;
  }

  /** Drops what is gathered and stops the timer (the task ended). */
  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.text = '';
    return this.written;
  }
}
