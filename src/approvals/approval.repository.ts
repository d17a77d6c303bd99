import type { Queryable } from '../store/store.types.js';
import type { ApprovalPolicy, ApprovalRow, ApprovalStatus, Decision, DecisionRow, NewApprovalRow } from './approval.types.js';

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** All SQL about approvals and their decisions. */
export class ApprovalRepository {
  async insert(db: Queryable, a: NewApprovalRow & { policy: ApprovalPolicy }): Promise<ApprovalRow> {
    const r = await db.query<ApprovalRow>(
      `INSERT INTO approvals (id, run_id, step_key, kind, tool, effect, input, environments, call_digest, plan, message, requested_by,
                              required_approvals, require_reason, allow_self_approval, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14, $15, 'pending', $16) RETURNING *`,
      [
        a.id, a.runId ?? null, a.stepKey ?? null, a.kind, a.tool ?? null, a.effect ?? null, json(a.input), json(a.environments), a.digest,
        json(a.plan), a.message ?? null, a.requestedBy, a.policy.approvers,
        a.effect ? a.policy.requireReasonFor.includes(a.effect) : false, a.policy.allowSelfApproval, a.expiresAt,
      ],
    );
    return r.rows[0];
  }

  async get(db: Queryable, id: string): Promise<ApprovalRow | undefined> {
    return (await db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id])).rows[0];
  }

  async lock(db: Queryable, id: string): Promise<ApprovalRow | undefined> {
    return (await db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  async list(db: Queryable, f: { status?: string; runId?: string; limit: number }): Promise<ApprovalRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.runId) where.push(`run_id = $${params.push(f.runId)}`);
    const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.push(f.limit)}`;
    return (await db.query<ApprovalRow>(sql, params)).rows;
  }

  async decisions(db: Queryable, id: string): Promise<DecisionRow[]> {
    return (await db.query<DecisionRow>('SELECT * FROM approval_decisions WHERE approval_id = $1 ORDER BY decided_at, approver', [id])).rows;
  }

  /** false when this approver already decided (one vote each). */
  async addDecision(db: Queryable, id: string, approver: string, decision: Decision, comment: string | null): Promise<boolean> {
    const r = await db.query(
      'INSERT INTO approval_decisions (approval_id, approver, decision, comment) VALUES ($1, $2, $3, $4) ON CONFLICT (approval_id, approver) DO NOTHING',
      [id, approver, decision, comment],
    );
    return r.rowCount === 1;
  }

  async setStatus(db: Queryable, id: string, status: ApprovalStatus, outcome: string | null): Promise<ApprovalRow> {
    const r = await db.query<ApprovalRow>(
      `UPDATE approvals SET status = $2, outcome = COALESCE($3, outcome), decided_at = CASE WHEN $2 <> 'pending' THEN now() ELSE decided_at END
       WHERE id = $1 RETURNING *`,
      [id, status, outcome],
    );
    return r.rows[0];
  }

  async expireDue(db: Queryable): Promise<ApprovalRow[]> {
    return (await db.query<ApprovalRow>(`UPDATE approvals SET status = 'expired', decided_at = now() WHERE status = 'pending' AND expires_at <= now() RETURNING *`)).rows;
  }
}
