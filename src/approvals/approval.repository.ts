import { json as storedJson } from '../runs/run.repository.js';
import type { Queryable } from '../store/store.types.js';
import type { ApprovalPolicy, ApprovalRow, ApprovalStatus, Decision, DecisionRow, NewApprovalRow } from './approval.types.js';

/** Who asks for which call where: the requester, the call's digest, and its run and step (null outside a run). */
export interface CallBinding {
  requestedBy: string;
  digest: string;
  runId: string | null;
  stepKey: string | null;
}

/** A tool approval of exactly this call ($2) by this requester ($1) bound to this run ($3) and step ($4). */
const SAME_CALL = `kind = 'tool' AND requested_by = $1 AND call_digest = $2 AND run_id IS NOT DISTINCT FROM $3::text AND step_key IS NOT DISTINCT FROM $4::text`;

/** The thread an approval's run answers a message of (null for every other approval). */
const THREAD_ID = `(SELECT r.inputs->>'threadId' FROM runs r WHERE r.id = approvals.run_id AND r.kind = 'prompt') AS thread_id`;

/** JSON as stored: secrets a plan or an input echoed redacted, U+0000 and lone surrogates replaced (see run.repository). */
const json = (v: unknown): string | null => (v === undefined || v === null ? null : storedJson(v));

/** All SQL about approvals and their decisions. */
export class ApprovalRepository {
  /**
   * A new pending approval; undefined when the same requester's exact call is already pending outside a run (one such
   * approval at a time: a unique index, so two repeats at once cannot both insert). A lapsed one expires first.
   */
  async insert(db: Queryable, a: NewApprovalRow & { policy: ApprovalPolicy }): Promise<ApprovalRow | undefined> {
    const outside = !a.runId && a.digest !== null;
    if (outside) {
      await db.query(
        `UPDATE approvals SET status = 'expired', decided_at = now() WHERE run_id IS NULL AND requested_by = $1 AND call_digest = $2 AND status = 'pending' AND expires_at <= now()`,
        [a.requestedBy, a.digest],
      );
    }
    const r = await db.query<ApprovalRow>(
      `INSERT INTO approvals (id, run_id, step_key, kind, tool, effect, input, environments, call_digest, plan, message, requested_by,
                              required_approvals, require_reason, allow_self_approval, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14, $15, 'pending', $16)
       ${outside ? `ON CONFLICT (requested_by, call_digest) WHERE run_id IS NULL AND status = 'pending' AND call_digest IS NOT NULL DO NOTHING` : ''}
       RETURNING *`,
      [
        a.id, a.runId ?? null, a.stepKey ?? null, a.kind, a.tool ?? null, a.effect ?? null, json(a.input), json(a.environments), a.digest,
        json(a.plan), a.message ?? null, a.requestedBy, a.policy.approvers,
        a.effect ? a.policy.requireReasonFor.includes(a.effect) : false, a.policy.allowSelfApproval, a.expiresAt,
      ],
    );
    return r.rows[0];
  }

  /**
   * Consumes an approval for one call, checking in the same statement everything it binds: the exact call (digest), its
   * requester — the person who started the run for the engine's calls (`engineRun`), else the caller — and its run and
   * step (none for an outside caller). A run's approval does not lapse once given; an outside caller's must be used
   * before it expires. An idempotent call a run's step did not finish is released to that step again.
   */
  async claim(
    db: Queryable,
    c: { id: string; digest: string; caller: string; runId: string | null; stepKey: string | null; idempotent: boolean; engineRun: boolean },
  ): Promise<ApprovalRow | undefined> {
    const r = await db.query<ApprovalRow>(
      `UPDATE approvals SET status = 'consumed', consumed_at = now()
       WHERE id = $1 AND call_digest = $2 AND outcome IS DISTINCT FROM 'skip'
         AND requested_by = CASE WHEN $7::boolean THEN (SELECT r.requested_by FROM runs r WHERE r.id = $4::text) ELSE $3::text END
         AND run_id IS NOT DISTINCT FROM $4::text AND step_key IS NOT DISTINCT FROM $5::text
         AND ((status = 'approved' AND (run_id IS NOT NULL OR expires_at > now()))
              OR (status = 'consumed' AND run_id IS NOT NULL AND $6::boolean))
       RETURNING *`,
      [c.id, c.digest, c.caller, c.runId, c.stepKey, c.idempotent, c.engineRun],
    );
    return r.rows[0];
  }

  /**
   * Consumes the oldest approved, unused tool approval of exactly this call bound as given: the requester's outside any
   * run (unexpired), or the run's step's (a step asking again after a restart that came between the approval and the
   * step's record of it).
   */
  async claimRepeat(db: Queryable, b: CallBinding): Promise<ApprovalRow | undefined> {
    const r = await db.query<ApprovalRow>(
      `UPDATE approvals SET status = 'consumed', consumed_at = now()
       WHERE id = (SELECT id FROM approvals WHERE ${SAME_CALL} AND status = 'approved' AND (run_id IS NOT NULL OR expires_at > now())
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         AND status = 'approved' AND (run_id IS NOT NULL OR expires_at > now()) RETURNING *`,
      [b.requestedBy, b.digest, b.runId, b.stepKey],
    );
    return r.rows[0];
  }

  /** The pending, unexpired tool approval of exactly this call bound as given (see claimRepeat). */
  async pendingCall(db: Queryable, b: CallBinding): Promise<ApprovalRow | undefined> {
    const r = await db.query<ApprovalRow>(
      `SELECT * FROM approvals WHERE ${SAME_CALL} AND status = 'pending' AND expires_at > now() ORDER BY created_at, id LIMIT 1`,
      [b.requestedBy, b.digest, b.runId, b.stepKey],
    );
    return r.rows[0];
  }

  /**
   * The last answer to exactly this call outside any run, when it was a rejection whose approval has not yet reached
   * its expiry: the requester's repeat is refused with it instead of asking the approvers again (see claimRepeat).
   */
  async standingRejection(db: Queryable, b: CallBinding): Promise<ApprovalRow | undefined> {
    const r = await db.query<ApprovalRow>(
      `SELECT * FROM (SELECT * FROM approvals WHERE ${SAME_CALL} ORDER BY created_at DESC, id DESC LIMIT 1) last
       WHERE run_id IS NULL AND status = 'rejected' AND expires_at > now()`,
      [b.requestedBy, b.digest, b.runId, b.stepKey],
    );
    return r.rows[0];
  }

  /** An approver's changed arguments: the call the approval now covers (its digest and plan); the original is kept. */
  async recordEdit(db: Queryable, id: string, e: { input: unknown; digest: string; plan: unknown; by: string }): Promise<void> {
    await db.query(
      `UPDATE approvals SET original_input = COALESCE(original_input, input), input = $2::jsonb, call_digest = $3, edited_by = $4, plan = $5::jsonb WHERE id = $1`,
      [id, json(e.input), e.digest, e.by, json(e.plan)],
    );
  }

  async get(db: Queryable, id: string): Promise<ApprovalRow | undefined> {
    return (await db.query<ApprovalRow>(`SELECT *, ${THREAD_ID} FROM approvals WHERE id = $1`, [id])).rows[0];
  }

  async lock(db: Queryable, id: string): Promise<ApprovalRow | undefined> {
    return (await db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  /** `threadsOf`: leave out approvals of threads' runs except those this person requested (their own threads). */
  async list(db: Queryable, f: { status?: string; runId?: string; limit: number; threadsOf?: string }): Promise<ApprovalRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.runId) where.push(`run_id = $${params.push(f.runId)}`);
    if (f.threadsOf !== undefined) where.push(`(requested_by = $${params.push(f.threadsOf)} OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = approvals.run_id AND r.kind = 'prompt' AND r.inputs ? 'threadId'))`);
    const sql = `SELECT *, ${THREAD_ID} FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.push(f.limit)}`;
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

  /**
   * Records a decision's effect, only while the approval is pending and before its expiry — one statement, so a
   * decision and the expiry cannot both win. Once approved, the approval's time to be used starts afresh (as long as
   * the time it had to be decided). undefined: no longer pending, or expired.
   */
  async decideStatus(db: Queryable, id: string, status: ApprovalStatus, outcome: string | null): Promise<ApprovalRow | undefined> {
    const r = await db.query<ApprovalRow>(
      `UPDATE approvals SET status = $2, outcome = COALESCE($3, outcome),
              decided_at = CASE WHEN $2 <> 'pending' THEN now() ELSE decided_at END,
              expires_at = CASE WHEN $2 = 'approved' THEN now() + (expires_at - created_at) ELSE expires_at END
       WHERE id = $1 AND status = 'pending' AND expires_at > now() RETURNING *`,
      [id, status, outcome],
    );
    return r.rows[0];
  }

  /** The run's plan approval (kind run_plan), the latest when there were several. */
  async runPlanOf(db: Queryable, runId: string): Promise<ApprovalRow | undefined> {
    return (await db.query<ApprovalRow>(`SELECT * FROM approvals WHERE run_id = $1 AND kind = 'run_plan' ORDER BY created_at DESC, id DESC LIMIT 1`, [runId])).rows[0];
  }

  /**
   * A step's release under an approved run plan: a `tool` approval, approved, bound to the run, the step and the call
   * (digest), carrying the plan's votes (who approved it, and why). At most one per step of a plan (a unique index):
   * when it exists already (a restart between its record and the step's), that one is returned as it is.
   */
  async insertRelease(
    db: Queryable,
    a: Omit<NewApprovalRow, 'kind'> & { parentId: string; runId: string; stepKey: string; requiredApprovals: number; requireReason: boolean; allowSelfApproval: boolean },
  ): Promise<ApprovalRow> {
    const r = await db.query<ApprovalRow>(
      `INSERT INTO approvals (id, run_id, step_key, kind, tool, effect, input, environments, call_digest, plan, message, requested_by,
                              required_approvals, require_reason, allow_self_approval, status, expires_at, decided_at, parent_id)
       VALUES ($1, $2, $3, 'tool', $4, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14, 'approved', $15, now(), $16)
       ON CONFLICT (parent_id, step_key) WHERE parent_id IS NOT NULL DO NOTHING
       RETURNING *`,
      [
        a.id, a.runId, a.stepKey, a.tool ?? null, a.effect ?? null, json(a.input), json(a.environments), a.digest, json(a.plan), a.message ?? null,
        a.requestedBy, a.requiredApprovals, a.requireReason, a.allowSelfApproval, a.expiresAt, a.parentId,
      ],
    );
    if (r.rows[0]) {
      await db.query(
        `INSERT INTO approval_decisions (approval_id, approver, decision, comment, decided_at)
         SELECT $1, approver, decision, comment, decided_at FROM approval_decisions WHERE approval_id = $2`,
        [a.id, a.parentId],
      );
      return r.rows[0];
    }
    return (await db.query<ApprovalRow>('SELECT * FROM approvals WHERE parent_id = $1 AND step_key = $2', [a.parentId, a.stepKey])).rows[0]!;
  }

  /** A run plan being applied: approved → consumed (its first step released). */
  async markConsumed(db: Queryable, id: string): Promise<void> {
    await db.query(`UPDATE approvals SET status = 'consumed', consumed_at = now() WHERE id = $1 AND status = 'approved'`, [id]);
  }

  /** Pending approvals past their expiry; and approved ones an outside caller never used in time (a run's do not lapse). */
  async expireDue(db: Queryable): Promise<ApprovalRow[]> {
    return (
      await db.query<ApprovalRow>(
        `UPDATE approvals SET status = 'expired', decided_at = CASE WHEN status = 'pending' THEN now() ELSE decided_at END
         WHERE expires_at <= now() AND (status = 'pending' OR (status = 'approved' AND run_id IS NULL)) RETURNING *`,
      )
    ).rows;
  }
}
