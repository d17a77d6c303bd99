import type { RunRow, RunState } from '../runs/run.types.js';
import type { Queryable } from '../store/store.types.js';
import type { FireKind, FireRow, FireStatus, StateRow } from './schedule.types.js';

export interface NewFire {
  scheduleId: string;
  fireAt: Date;
  kind: FireKind;
  target: string;
  environments: Record<string, string>;
  status: FireStatus;
  reason?: string | null;
  requestedBy: string;
}

const ACTIVE: RunState[] = ['queued', 'running', 'awaiting_approval'];

/** All SQL about schedules: their persisted state (last fire time, pause) and what became of each fire. */
export class ScheduleRepository {
  /** The schedule's state, created on first sight with last_fire_at = now (a new schedule never fires retroactively). */
  async ensure(db: Queryable, id: string, now: Date): Promise<StateRow> {
    await db.query('INSERT INTO schedules_state (id, last_fire_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, now]);
    return (await db.query<StateRow>('SELECT * FROM schedules_state WHERE id = $1', [id])).rows[0]!;
  }

  async states(db: Queryable, ids: string[]): Promise<StateRow[]> {
    return (await db.query<StateRow>('SELECT * FROM schedules_state WHERE id = ANY($1::text[])', [`{${ids.map(quote).join(',')}}`])).rows;
  }

  /**
   * Claims every fire time up to `upTo` for this process: one conditional UPDATE, so two replicas (or a restart racing
   * a timer) cannot both claim the same fire. false: already claimed (or paused).
   */
  async claim(db: Queryable, id: string, upTo: Date): Promise<boolean> {
    const r = await db.query('UPDATE schedules_state SET last_fire_at = $2, updated_at = now() WHERE id = $1 AND last_fire_at < $2 AND NOT paused', [id, upTo]);
    return r.rowCount === 1;
  }

  /** Moves last_fire_at forward without firing (a paused or disabled schedule lets its fire times pass). */
  async pass(db: Queryable, id: string, upTo: Date): Promise<void> {
    await db.query('UPDATE schedules_state SET last_fire_at = $2, updated_at = now() WHERE id = $1 AND last_fire_at < $2', [id, upTo]);
  }

  async setPaused(db: Queryable, id: string, paused: boolean, by: string, now: Date): Promise<StateRow | undefined> {
    const r = await db.query<StateRow>(
      `UPDATE schedules_state SET paused = $2, paused_by = CASE WHEN $2 THEN $3 ELSE NULL END, paused_at = CASE WHEN $2 THEN $4::timestamptz ELSE NULL END,
         last_fire_at = CASE WHEN $2 THEN last_fire_at ELSE GREATEST(last_fire_at, $4::timestamptz) END, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, paused, by, now],
    );
    return r.rows[0];
  }

  /** Records a fire; undefined when this fire time of this binding is already recorded (claimed elsewhere). */
  async addFire(db: Queryable, f: NewFire): Promise<FireRow | undefined> {
    const r = await db.query<FireRow>(
      `INSERT INTO schedule_fires (schedule_id, fire_at, kind, target, environments, status, reason, requested_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *`,
      [f.scheduleId, f.fireAt, f.kind, f.target, JSON.stringify(f.environments), f.status, f.reason ?? null, f.requestedBy],
    );
    return r.rows[0] && norm(r.rows[0]);
  }

  async setFire(db: Queryable, id: string, status: FireStatus, fields: { reason?: string | null; runId?: string | null } = {}): Promise<void> {
    await db.query('UPDATE schedule_fires SET status = $2, reason = COALESCE($3, reason), run_id = COALESCE($4, run_id), updated_at = now() WHERE id = $1', [
      id, status, fields.reason ?? null, fields.runId ?? null,
    ]);
  }

  /** Takes a fire from `from` to `to` if it is still in `from` (one process acts on it). */
  async moveFire(db: Queryable, id: string, from: FireStatus, to: FireStatus): Promise<boolean> {
    return (await db.query('UPDATE schedule_fires SET status = $3, updated_at = now() WHERE id = $1 AND status = $2', [id, from, to])).rowCount === 1;
  }

  async fires(db: Queryable, scheduleId: string, limit: number): Promise<FireRow[]> {
    return (await db.query<FireRow>('SELECT * FROM schedule_fires WHERE schedule_id = $1 ORDER BY id DESC LIMIT $2', [scheduleId, limit])).rows.map(norm);
  }

  /** Fires waiting for a previous run (overlap: queue), oldest first. */
  async waiting(db: Queryable): Promise<FireRow[]> {
    return (await db.query<FireRow>(`SELECT * FROM schedule_fires WHERE status = 'waiting' ORDER BY id`)).rows.map(norm);
  }

  /** Fires claimed at least `olderThanS` seconds ago whose run was never started (the process stopped in between). */
  async stranded(db: Queryable, olderThanS: number): Promise<FireRow[]> {
    return (await db.query<FireRow>(`SELECT * FROM schedule_fires WHERE status = 'claimed' AND created_at < now() - make_interval(secs => $1) ORDER BY id`, [olderThanS])).rows.map(norm);
  }

  /** Unfinished runs of a schedule for one binding, oldest first. */
  async activeRuns(db: Queryable, scheduleId: string, environments: Record<string, string>): Promise<Pick<RunRow, 'id' | 'state' | 'created_at'>[]> {
    return (
      await db.query<Pick<RunRow, 'id' | 'state' | 'created_at'>>(
        `SELECT id, state, created_at FROM runs WHERE schedule_id = $1 AND environments = $2::jsonb AND state = ANY($3::text[]) ORDER BY created_at, id`,
        [scheduleId, JSON.stringify(environments), `{${ACTIVE.join(',')}}`],
      )
    ).rows;
  }

  /** A run of this schedule and binding created at or after `since` (a fire whose run did start before a crash). */
  async runSince(db: Queryable, scheduleId: string, environments: Record<string, string>, since: Date): Promise<string | undefined> {
    const r = await db.query<{ id: string }>('SELECT id FROM runs WHERE schedule_id = $1 AND environments = $2::jsonb AND created_at >= $3 ORDER BY created_at LIMIT 1', [
      scheduleId, JSON.stringify(environments), since,
    ]);
    return r.rows[0]?.id;
  }

  /** The latest run of each schedule. */
  async lastRuns(db: Queryable, ids: string[]): Promise<Map<string, RunRow>> {
    const r = await db.query<RunRow>(
      'SELECT DISTINCT ON (schedule_id) * FROM runs WHERE schedule_id = ANY($1::text[]) ORDER BY schedule_id, created_at DESC, id DESC',
      [`{${ids.map(quote).join(',')}}`],
    );
    return new Map(r.rows.map((x) => [x.schedule_id!, x]));
  }

  /** The latest fire of each schedule. */
  async lastFires(db: Queryable, ids: string[]): Promise<Map<string, FireRow>> {
    const r = await db.query<FireRow>('SELECT DISTINCT ON (schedule_id) * FROM schedule_fires WHERE schedule_id = ANY($1::text[]) ORDER BY schedule_id, id DESC', [
      `{${ids.map(quote).join(',')}}`,
    ]);
    return new Map(r.rows.map((x) => [x.schedule_id, norm(x)]));
  }
}

/** A text[] literal element: ids may hold ':' and '-', so always quote. */
const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const norm = (r: FireRow): FireRow => ({ ...r, id: String(r.id) });
