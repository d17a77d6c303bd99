import type { Queryable } from '../store/store.types.js';

export interface DeliveryRow {
  id: string;
  webhook: string;
  event: string;
  run_id: string | null;
  subject: string | null;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  max_attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export interface DeliveryFilter {
  webhook?: string;
  event?: string;
  status?: string;
  runId?: string;
  limit: number;
}

/** All SQL about webhook deliveries: each notification, its attempts and outcome. */
export class DeliveryRepository {
  async insert(db: Queryable, d: { id: string; webhook: string; event: string; runId: string | null; subject: string | null; body: string; maxAttempts: number }): Promise<DeliveryRow> {
    const r = await db.query<DeliveryRow>(
      `INSERT INTO notification_deliveries (id, webhook, event, run_id, subject, body, status, max_attempts, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, now()) RETURNING *`,
      [d.id, d.webhook, d.event, d.runId, d.subject, d.body, d.maxAttempts],
    );
    return r.rows[0]!;
  }

  async get(db: Queryable, id: string): Promise<DeliveryRow | undefined> {
    return (await db.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE id = $1', [id])).rows[0];
  }

  async pending(db: Queryable): Promise<DeliveryRow[]> {
    return (await db.query<DeliveryRow>(`SELECT * FROM notification_deliveries WHERE status = 'pending' ORDER BY next_attempt_at, id`)).rows;
  }

  /** Records an attempt: delivered, failed for good, or pending again with the time of the next attempt. */
  async attempted(db: Queryable, id: string, a: { status: DeliveryRow['status']; attempts: number; httpStatus?: number; error?: string; nextAt?: Date }): Promise<void> {
    await db.query(
      `UPDATE notification_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5, next_attempt_at = $6, updated_at = now(),
         delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
       WHERE id = $1`,
      [id, a.status, a.attempts, a.httpStatus ?? null, a.error ?? null, a.nextAt ?? null],
    );
  }

  async list(db: Queryable, f: DeliveryFilter): Promise<DeliveryRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.webhook) where.push(`webhook = $${params.push(f.webhook)}`);
    if (f.event) where.push(`event = $${params.push(f.event)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.runId) where.push(`run_id = $${params.push(f.runId)}`);
    const sql = `SELECT * FROM notification_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.push(f.limit)}`;
    return (await db.query<DeliveryRow>(sql, params)).rows;
  }
}
