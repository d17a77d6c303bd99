import { json, newId } from '../runs/run.repository.js';
import type { Queryable } from '../store/store.types.js';
import type { NewQuestion, QuestionRow, QuestionStatus } from './question.types.js';

/** All SQL about questions. A plain class (no DI): the runner and the agent use it inside a run's transactions. */
export class QuestionRepository {
  /** A new pending question, or the one this run's step already asked (asking again after a restart is a no-op). */
  async ask(db: Queryable, q: NewQuestion): Promise<{ row: QuestionRow; created: boolean }> {
    const r = await db.query<QuestionRow>(
      `INSERT INTO questions (id, run_id, step_key, question, answer_schema, answer_from, asked_by, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)
       ON CONFLICT (run_id, step_key) DO NOTHING RETURNING *`,
      [newId('q'), q.runId, q.stepKey, q.question, json(q.schema), q.from ? JSON.stringify(q.from) : null, q.askedBy, q.expiresAt],
    );
    if (r.rows[0]) return { row: r.rows[0], created: true };
    return { row: (await this.of(db, q.runId, q.stepKey))!, created: false };
  }

  async of(db: Queryable, runId: string, stepKey: string): Promise<QuestionRow | undefined> {
    return (await db.query<QuestionRow>('SELECT * FROM questions WHERE run_id = $1 AND step_key = $2', [runId, stepKey])).rows[0];
  }

  async get(db: Queryable, id: string): Promise<QuestionRow | undefined> {
    return (await db.query<QuestionRow>('SELECT * FROM questions WHERE id = $1', [id])).rows[0];
  }

  async lock(db: Queryable, id: string): Promise<QuestionRow | undefined> {
    return (await db.query<QuestionRow>('SELECT * FROM questions WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  async list(db: Queryable, f: { status?: QuestionStatus; runId?: string; limit: number }): Promise<QuestionRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.status) where.push(`status = $${args.push(f.status)}`);
    if (f.runId) where.push(`run_id = $${args.push(f.runId)}`);
    return (
      await db.query<QuestionRow>(`SELECT * FROM questions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${Math.min(f.limit, 500)}`, args)
    ).rows;
  }

  /** Records the answer if the question is still pending and not past its expiry (checked in the statement). */
  async answer(db: Queryable, id: string, answer: unknown, by: string): Promise<QuestionRow | undefined> {
    return (
      await db.query<QuestionRow>(
        `UPDATE questions SET status = 'answered', answer = $2::jsonb, answered_by = $3, answered_at = now()
         WHERE id = $1 AND status = 'pending' AND expires_at > now() RETURNING *`,
        [id, json(answer), by],
      )
    ).rows[0];
  }

  async expireDue(db: Queryable): Promise<QuestionRow[]> {
    return (await db.query<QuestionRow>(`UPDATE questions SET status = 'expired' WHERE status = 'pending' AND expires_at <= now() RETURNING *`)).rows;
  }

  /** A run that ends another way cancels its pending questions. */
  async cancelForRun(db: Queryable, runId: string): Promise<QuestionRow[]> {
    return (await db.query<QuestionRow>(`UPDATE questions SET status = 'cancelled' WHERE run_id = $1 AND status = 'pending' RETURNING *`, [runId])).rows;
  }
}
