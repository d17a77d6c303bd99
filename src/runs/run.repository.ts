import { randomBytes } from 'node:crypto';
import { scrubStored } from '../logging/stored.js';
import type { Queryable } from '../store/store.types.js';
import type { RunRow, RunState, StepRow, StepState } from './run.types.js';

/** A sortable, unguessable id: time prefix + random. */
export const newId = (prefix: string): string => `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;

/**
 * JSON text PostgreSQL refuses: a `\u0000` (NUL) or surrogate escape (JSON.stringify writes surrogates as escapes only
 * when unpaired), not itself an escaped backslash followed by text.
 */
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** JSON text the store accepts (see storable); null for undefined. */
export const json = (given: unknown): string | null => {
  if (given === undefined) return null;
  const v = scrubStored(given); // secrets a target or provider echoed back are never stored (issue 11 #21)
  const text = JSON.stringify(v);
  return UNSTORABLE.test(text) ? JSON.stringify(sanitize(v)) : text;
};

/**
 * A value as the store can hold it: PostgreSQL's text and jsonb take neither NUL nor unpaired surrogates, which a
 * target system's reply may contain; both become U+FFFD (the replacement character) in strings and keys. Values
 * without them come back as they are (the same object).
 */
export function storable<T>(given: T): T {
  if (given === null || given === undefined) return given;
  const v = scrubStored(given);
  if (typeof v === 'string') return clean(v) as T;
  if (typeof v !== 'object' || !UNSTORABLE.test(JSON.stringify(v) ?? '')) return v;
  return sanitize(v);
}

function sanitize<T>(v: T): T {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return clean(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object' && !(x instanceof Date)) return Object.fromEntries(Object.entries(x).map(([k, y]) => [clean(k), walk(y)]));
    return x;
  };
  return walk(v) as T;
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what is removed
const clean = (s: string): string => s.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

export interface NewRun {
  kind: 'playbook' | 'prompt';
  playbook?: string;
  digest?: string;
  definition?: { source: string; file: string };
  prompt?: string;
  inputs: Record<string, unknown>;
  environments: Record<string, string>;
  dryRun: boolean;
  requestedBy: string;
  scheduleId?: string;
  shareToolResults?: boolean;
  /** true: one approval of the whole run's plan; false: one per write step; undefined: the playbook decides. */
  approveOnce?: boolean;
}

export interface RunFilter {
  state?: RunState[];
  playbook?: string;
  requestedBy?: string;
  scheduleId?: string;
  limit: number;
  /** Runs created before this run id (keyset paging, newest first). */
  before?: string;
}

/** All SQL about runs and their steps. Pass the store or a transaction. */
export class RunRepository {
  async insert(db: Queryable, r: NewRun): Promise<RunRow> {
    const id = newId('run');
    const res = await db.query<RunRow>(
      `INSERT INTO runs (id, kind, playbook, playbook_digest, definition, prompt, inputs, environments, dry_run, state, requested_by, schedule_id, share_tool_results, approve_once)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::jsonb, $9, 'queued', $10, $11, $12, $13) RETURNING *`,
      [id, r.kind, r.playbook ?? null, r.digest ?? null, json(r.definition), r.prompt ?? null, json(r.inputs), json(r.environments), r.dryRun, r.requestedBy, r.scheduleId ?? null, r.shareToolResults ?? null, r.approveOnce ?? null],
    );
    return res.rows[0];
  }

  async get(db: Queryable, id: string): Promise<RunRow | undefined> {
    return (await db.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id])).rows[0];
  }

  /** Row-locks the run for the rest of the transaction (PostgreSQL; PGlite serialises anyway). */
  async lock(db: Queryable, id: string): Promise<RunRow | undefined> {
    return (await db.query<RunRow>('SELECT * FROM runs WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  async list(db: Queryable, f: RunFilter): Promise<RunRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.state?.length) add('state = ANY(?::text[])', `{${f.state.join(',')}}`);
    if (f.playbook) add('playbook = ?', f.playbook);
    if (f.requestedBy) add('requested_by = ?', f.requestedBy);
    if (f.scheduleId) add('schedule_id = ?', f.scheduleId);
    if (f.before) add('id < ?', f.before);
    params.push(f.limit);
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    return (await db.query<RunRow>(sql, params)).rows;
  }

  /** Runs not finished, oldest first (restart recovery and the queue). */
  async unfinished(db: Queryable): Promise<RunRow[]> {
    return (await db.query<RunRow>(`SELECT * FROM runs WHERE state IN ('queued', 'running', 'awaiting_approval') ORDER BY id`)).rows;
  }

  async setState(db: Queryable, id: string, state: RunState, reason?: string | null): Promise<void> {
    const terminal = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'].includes(state);
    await db.query(
      `UPDATE runs SET state = $2, reason = $3, updated_at = now(),
         started_at = CASE WHEN $2 = 'running' AND started_at IS NULL THEN now() ELSE started_at END,
         finished_at = CASE WHEN $4 THEN now() ELSE finished_at END,
         -- A run that ended is nobody's any more (its lease, on a shared PostgreSQL store, ends with it).
         owner = CASE WHEN $4 THEN NULL ELSE owner END,
         lease_until = CASE WHEN $4 THEN NULL ELSE lease_until END
       WHERE id = $1`,
      [id, state, reason == null ? null : storable(reason), terminal],
    );
  }

  /**
   * A run's end closes every step still open: a step waiting for an approval, or running, is `cancelled`, except a
   * write that may have reached its target (`inDoubt`), which is `unknown`. Returns the steps it closed.
   */
  async closeSteps(db: Queryable, runId: string, inDoubt: (s: StepRow) => Promise<boolean>): Promise<{ step: StepRow; state: 'cancelled' | 'unknown' }[]> {
    const open = (await db.query<StepRow>(`SELECT * FROM run_steps WHERE run_id = $1 AND state IN ('running', 'awaiting_approval') ORDER BY seq FOR UPDATE`, [runId])).rows;
    const closed: { step: StepRow; state: 'cancelled' | 'unknown' }[] = [];
    for (const step of open) {
      const state = step.state === 'running' && (await inDoubt(step)) ? 'unknown' : 'cancelled';
      await db.query(`UPDATE run_steps SET state = $3, finished_at = now() WHERE run_id = $1 AND step_key = $2`, [runId, step.step_key, state]);
      closed.push({ step, state });
    }
    return closed;
  }

  async setOutputs(db: Queryable, id: string, outputs: Record<string, unknown>): Promise<void> {
    await db.query('UPDATE runs SET outputs = $2::jsonb, updated_at = now() WHERE id = $1', [id, json(outputs)]);
  }

  async steps(db: Queryable, runId: string): Promise<StepRow[]> {
    return (await db.query<StepRow>('SELECT * FROM run_steps WHERE run_id = $1 ORDER BY seq', [runId])).rows;
  }

  /** Creates or updates a step row with the given fields. */
  async upsertStep(
    db: Queryable,
    runId: string,
    key: string,
    fields: Partial<Omit<StepRow, 'run_id' | 'step_key' | 'started_at' | 'finished_at'>> & { state: StepState; step_id: string; kind: string; started?: boolean; finished?: boolean },
  ): Promise<void> {
    await db.query(
      `INSERT INTO run_steps (run_id, step_key, step_id, kind, state, attempt, tool, effect, idempotent, input, output, plan, error, dry_run, approval_id, started_at, finished_at, environments)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, 0), $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15,
               CASE WHEN $16 THEN now() END, CASE WHEN $17 THEN now() END, $18::jsonb)
       ON CONFLICT (run_id, step_key) DO UPDATE SET
         state = EXCLUDED.state,
         attempt = COALESCE($6, run_steps.attempt),
         tool = COALESCE(EXCLUDED.tool, run_steps.tool),
         effect = COALESCE(EXCLUDED.effect, run_steps.effect),
         idempotent = COALESCE(EXCLUDED.idempotent, run_steps.idempotent),
         input = COALESCE(EXCLUDED.input, run_steps.input),
         environments = COALESCE(EXCLUDED.environments, run_steps.environments),
         output = COALESCE(EXCLUDED.output, run_steps.output),
         plan = COALESCE(EXCLUDED.plan, run_steps.plan),
         error = CASE WHEN EXCLUDED.state IN ('succeeded', 'skipped') THEN NULL ELSE COALESCE(EXCLUDED.error, run_steps.error) END,
         dry_run = COALESCE(EXCLUDED.dry_run, run_steps.dry_run),
         approval_id = COALESCE(EXCLUDED.approval_id, run_steps.approval_id),
         started_at = CASE WHEN $16 THEN now() ELSE run_steps.started_at END,
         finished_at = CASE WHEN $17 THEN now() WHEN $16 THEN NULL ELSE run_steps.finished_at END`,
      [
        runId,
        key,
        fields.step_id,
        fields.kind,
        fields.state,
        fields.attempt ?? null,
        fields.tool ?? null,
        fields.effect ?? null,
        fields.idempotent ?? null,
        json(fields.input),
        json(fields.output),
        json(fields.plan),
        json(fields.error),
        fields.dry_run ?? null,
        fields.approval_id ?? null,
        fields.started === true,
        fields.finished === true,
        json(fields.environments),
      ],
    );
  }
}
