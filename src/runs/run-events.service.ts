import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { REDACTOR } from '../http/tokens.js';
import type { Redactor } from '../logging/redactor.js';
import type { Queryable } from '../store/store.types.js';
import { json } from './run.repository.js';
import { RUN_EVENT, type RunEvent, type RunEventMap, type RunEventType } from './run.types.js';

interface EventRow {
  run_id: string;
  seq: string | number;
  type: RunEventType;
  step_key: string | null;
  data: unknown;
  at: Date;
}

const toEvent = (r: EventRow): RunEvent => ({
  runId: r.run_id,
  seq: Number(r.seq),
  type: r.type,
  stepKey: r.step_key,
  data: r.data as RunEventMap[RunEventType],
  at: new Date(r.at).toISOString(),
});

/**
 * Run events: appended with a per-run, gap-free, increasing sequence inside the caller's transaction (so an event
 * exists exactly when the state change it reports does), redacted before they are stored, and published on the
 * in-process bus only after the transaction commits.
 */
@Injectable()
export class RunEventsService {
  constructor(
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(REDACTOR) private readonly redactor: Redactor,
  ) {}

  /** Appends within `tx`; returns the event to publish after commit. */
  async append<T extends RunEventType>(tx: Queryable, runId: string, type: T, data: RunEventMap[T], stepKey?: string | null): Promise<RunEvent<T>> {
    const clean = this.redactor.redact(data);
    // One statement: take the run's next sequence number and insert the event with it.
    const row = await tx.query<EventRow>(
      `WITH next AS (UPDATE runs SET last_event_id = last_event_id + 1 WHERE id = $1 RETURNING last_event_id)
       INSERT INTO run_events (run_id, seq, type, step_key, data) SELECT $1, last_event_id, $2, $3, $4::jsonb FROM next RETURNING *`,
      [runId, type, stepKey ?? null, json(clean)],
    );
    if (!row.rows[0]) throw new Error(`run ${runId} does not exist`);
    return toEvent(row.rows[0]) as RunEvent<T>;
  }

  publish(events: RunEvent | RunEvent[]): void {
    for (const e of Array.isArray(events) ? events : [events]) this.bus.emit(RUN_EVENT, e);
  }

  /** Stored events of a run after `after`, in order (at most `limit`). */
  async after(db: Queryable, runId: string, after: number, limit = 1000): Promise<RunEvent[]> {
    const rows = await db.query<EventRow>('SELECT * FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [runId, after, limit]);
    return rows.rows.map(toEvent);
  }

  /** The lowest stored seq of a run (events before it were pruned), or undefined when none are stored. */
  async firstSeq(db: Queryable, runId: string): Promise<number | undefined> {
    const r = await db.query<{ min: string | number | null }>('SELECT min(seq) AS min FROM run_events WHERE run_id = $1', [runId]);
    return r.rows[0]?.min === null || r.rows[0]?.min === undefined ? undefined : Number(r.rows[0].min);
  }

  /**
   * Live events: one bus listener fans out to per-run subscriber sets (a thousand SSE clients of one run cost one
   * map lookup per event, not a thousand emitter listeners). runId undefined: every run.
   */
  subscribe(listener: (e: RunEvent) => void, runId?: string): () => void {
    if (!this.hooked) {
      this.bus.on(RUN_EVENT, (e: RunEvent) => {
        for (const l of this.byRun.get(e.runId) ?? []) l(e);
        for (const l of this.everyRun) l(e);
      });
      this.hooked = true;
    }
    const set = runId === undefined ? this.everyRun : (this.byRun.get(runId) ?? this.byRun.set(runId, new Set()).get(runId)!);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (runId !== undefined && set.size === 0) this.byRun.delete(runId);
    };
  }

  private hooked = false;
  private readonly byRun = new Map<string, Set<(e: RunEvent) => void>>();
  private readonly everyRun = new Set<(e: RunEvent) => void>();
}
