import type { RunRow } from '../runs/run.types.js';
import type { Queryable } from '../store/store.types.js';
import type { FindingHistoryRow, FindingsDiff, FindingStateRow, RunFinding } from './findings.types.js';
import { SEVERITIES, severityRank } from './findings.types.js';

export interface FindingFilter {
  environment?: string;
  check?: string;
  playbook?: string;
  severity?: string[];
  minSeverity?: string;
  state?: 'open' | 'resolved';
  limit: number;
  /** Keyset cursor: the `next` of the previous page. */
  after?: { lastSeenAt: Date; fingerprint: string };
}

interface ProcessedRow {
  run_id: string;
  baseline_run_id: string | null;
  complete: boolean;
  new_fps: string[];
  open_fps: string[];
  resolved_fps: string[];
}

/** All SQL about findings across runs: each run's findings, the baseline it is compared with, every finding's history. */
export class FindingsRepository {
  async ofRun(db: Queryable, runId: string): Promise<RunFinding[]> {
    return (await db.query<RunFinding>('SELECT run_id, step_key, fingerprint, check_id, severity, environment, asset, message FROM findings WHERE run_id = $1', [runId])).rows;
  }

  /**
   * The run compared with: the latest successful run created before this one with the same schedule and environments
   * (unscheduled runs: the same playbook and environments, unscheduled too) and the same dry-run flag.
   */
  async baseline(db: Queryable, run: RunRow): Promise<RunRow | undefined> {
    const scope = run.schedule_id ? 'schedule_id = $2' : 'schedule_id IS NULL AND playbook = $2';
    const r = await db.query<RunRow>(
      `SELECT * FROM runs WHERE ${scope} AND environments = $3::jsonb AND dry_run = $4 AND state = 'succeeded' AND id <> $1
         AND (created_at, id) < ((SELECT created_at FROM runs WHERE id = $1), $1)
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [run.id, run.schedule_id ?? run.playbook, JSON.stringify(run.environments), run.dry_run],
    );
    return r.rows[0];
  }

  /** Marks the run processed; false when it already was (by this process earlier or another replica). */
  async markProcessed(db: Queryable, d: FindingsDiff): Promise<boolean> {
    const fps = (l: RunFinding[]) => JSON.stringify(l.map((f) => f.fingerprint));
    const r = await db.query(
      `INSERT INTO finding_runs (run_id, baseline_run_id, complete, new_fps, open_fps, resolved_fps) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb)
       ON CONFLICT (run_id) DO NOTHING`,
      [d.runId, d.baselineRunId, d.complete, fps(d.new), fps(d.open), fps(d.resolved)],
    );
    return r.rowCount === 1;
  }

  async processed(db: Queryable, runId: string): Promise<ProcessedRow | undefined> {
    return (await db.query<ProcessedRow>('SELECT * FROM finding_runs WHERE run_id = $1', [runId])).rows[0];
  }

  /** Finished playbook runs not yet compared, in the order they finished. */
  async unprocessed(db: Queryable, limit: number): Promise<{ id: string; finished_at: Date }[]> {
    return (
      await db.query<{ id: string; finished_at: Date }>(
        `SELECT r.id, r.finished_at FROM runs r WHERE r.kind = 'playbook' AND r.finished_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM finding_runs p WHERE p.run_id = r.id) ORDER BY r.finished_at, r.id LIMIT $1`,
        [limit],
      )
    ).rows;
  }

  /** The run reported this finding at `at`: it opens, stays open, or reopens. */
  async seen(db: Queryable, f: RunFinding, run: RunRow, at: Date): Promise<void> {
    const cur = (await db.query<FindingStateRow>('SELECT * FROM finding_state WHERE fingerprint = $1 FOR UPDATE', [f.fingerprint])).rows[0];
    if (!cur) {
      await db.query(
        `INSERT INTO finding_state (fingerprint, check_id, environment, asset, severity, message, playbook, state, first_seen_at, last_seen_at, first_run_id, last_run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8, $9, $9)`,
        [f.fingerprint, f.check_id, f.environment, f.asset, f.severity, f.message, run.playbook, at, run.id],
      );
      await this.history(db, f.fingerprint, run.id, 'opened', at);
      return;
    }
    if (new Date(cur.last_seen_at).getTime() > at.getTime()) {
      // An older run processed after a newer one: it only adds to the count and maybe the first sighting.
      await db.query('UPDATE finding_state SET times_seen = times_seen + 1, first_seen_at = LEAST(first_seen_at, $2), updated_at = now() WHERE fingerprint = $1', [f.fingerprint, at]);
      return;
    }
    const reopen = cur.state === 'resolved';
    await db.query(
      `UPDATE finding_state SET severity = $2, message = $3, asset = $4, last_seen_at = $5, last_run_id = $6, times_seen = times_seen + 1,
         state = 'open', resolved_at = NULL, resolved_run_id = NULL, reopened = reopened + $7, updated_at = now() WHERE fingerprint = $1`,
      [f.fingerprint, f.severity, f.message, f.asset, at, run.id, reopen ? 1 : 0],
    );
    if (reopen) await this.history(db, f.fingerprint, run.id, 'reopened', at);
  }

  /** The run no longer reports it: resolved, unless a later run saw it again. */
  async resolve(db: Queryable, fingerprint: string, runId: string, at: Date): Promise<void> {
    const r = await db.query(
      `UPDATE finding_state SET state = 'resolved', resolved_at = $3, resolved_run_id = $2, updated_at = now() WHERE fingerprint = $1 AND state = 'open' AND last_seen_at <= $3`,
      [fingerprint, runId, at],
    );
    if (r.rowCount === 1) await this.history(db, fingerprint, runId, 'resolved', at);
  }

  private async history(db: Queryable, fingerprint: string, runId: string, change: FindingHistoryRow['change'], at: Date): Promise<void> {
    await db.query('INSERT INTO finding_history (fingerprint, run_id, change, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [fingerprint, runId, change, at]);
  }

  async list(db: Queryable, f: FindingFilter): Promise<FindingStateRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...v: unknown[]) => {
      let out = sql;
      for (const x of v) out = out.replace('?', `$${params.push(x)}`);
      where.push(out);
    };
    if (f.environment) add('environment = ?', f.environment);
    if (f.check) add('check_id = ?', f.check);
    if (f.playbook) add('playbook = ?', f.playbook);
    if (f.state) add('state = ?', f.state);
    if (f.severity?.length) add('severity = ANY(?::text[])', `{${f.severity.join(',')}}`);
    if (f.minSeverity) add('severity = ANY(?::text[])', `{${SEVERITIES.filter((s) => severityRank(s) >= severityRank(f.minSeverity!)).join(',')}}`);
    if (f.after) add('(last_seen_at < ? OR (last_seen_at = ? AND fingerprint > ?))', f.after.lastSeenAt, f.after.lastSeenAt, f.after.fingerprint);
    const sql = `SELECT * FROM finding_state ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen_at DESC, fingerprint LIMIT $${params.push(f.limit)}`;
    return (await db.query<FindingStateRow>(sql, params)).rows;
  }

  async get(db: Queryable, fingerprint: string): Promise<FindingStateRow | undefined> {
    return (await db.query<FindingStateRow>('SELECT * FROM finding_state WHERE fingerprint = $1', [fingerprint])).rows[0];
  }

  async historyOf(db: Queryable, fingerprint: string): Promise<FindingHistoryRow[]> {
    return (await db.query<FindingHistoryRow>('SELECT * FROM finding_history WHERE fingerprint = $1 ORDER BY at, run_id', [fingerprint])).rows;
  }

  /** The runs that reported it, newest first. */
  async occurrences(db: Queryable, fingerprint: string, limit: number): Promise<{ run_id: string; severity: string; message: string; state: string; schedule_id: string | null; finished_at: Date | null }[]> {
    return (
      await db.query<{ run_id: string; severity: string; message: string; state: string; schedule_id: string | null; finished_at: Date | null }>(
        `SELECT f.run_id, f.severity, f.message, r.state, r.schedule_id, r.finished_at FROM findings f JOIN runs r ON r.id = f.run_id
         WHERE f.fingerprint = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
        [fingerprint, limit],
      )
    ).rows;
  }
}
