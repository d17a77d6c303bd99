import type { Logger } from 'pino';
import type { Store } from '../store/store.types.js';
import type { InDoubtSteps } from './in-doubt.js';
import type { RunQueue } from './run.queue.js';
import { newId, type RunRepository } from './run.repository.js';
import { isTerminal, type RunRow, type StepRow } from './run.types.js';

export interface RunLeasesDeps {
  store: Store;
  repo: RunRepository;
  queue: RunQueue;
  inDoubt: InDoubtSteps;
  logger: Logger;
  /** runs.leaseMs: how long a daemon holds a run it stopped renewing. */
  leaseMs: number;
}

/**
 * Who executes which unfinished run, and taking runs up again: after a restart (recovery), when an approval settles
 * (resume), and — on a PostgreSQL store shared by several daemons — through leases each daemon renews while it
 * executes a run, so a run whose daemon died is adopted by another and never executed twice at once.
 */
export class RunLeases {
  /** This daemon, as a run lease owner. */
  private readonly instance = newId('dmn');
  private timer?: NodeJS.Timeout;
  /** The upkeep in progress (one at a time; a stop waits for it, so nothing queries the store after shutdown). */
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(private readonly deps: RunLeasesDeps) {}

  /** Recovers unfinished runs, then (shared store) renews leases and adopts orphans periodically. */
  async start(): Promise<void> {
    await this.recover();
    if (!this.shared) return;
    // Renew the leases of the runs executing here; take over runs whose daemon stopped renewing.
    this.timer = setInterval(() => {
      if (this.ticking || this.stopped) return;
      this.ticking = this.tend()
        .catch((e: unknown) => this.deps.logger.warn({ err: e }, 'run lease upkeep failed'))
        .finally(() => (this.ticking = undefined));
    }, Math.max(500, Math.floor(this.deps.leaseMs / 3)));
    this.timer.unref();
  }

  /** Stops the upkeep and waits for a round in progress (it adopts no more runs once stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }

  /** Several daemons may share a PostgreSQL store; the embedded store is one process's (a lock file ensures it). */
  private get shared(): boolean {
    return this.deps.store.kind === 'postgres';
  }

  /**
   * Claims a run for this daemon: free, already ours, or its lease lapsed (the daemon holding it stopped renewing).
   * Only the claimant executes or recovers it.
   */
  async claim(id: string): Promise<boolean> {
    if (!this.shared) return true;
    const r = await this.deps.store.query(
      `UPDATE runs SET owner = $2, lease_until = ${LEASE_UNTIL}
        WHERE id = $1 AND state IN ('queued', 'running', 'awaiting_approval') AND (owner IS NULL OR owner = $2 OR lease_until < now())
        RETURNING id`,
      [id, this.instance, this.deps.leaseMs],
    );
    return r.rows.length > 0;
  }

  async release(id: string): Promise<void> {
    if (!this.shared) return;
    await this.deps.store.query('UPDATE runs SET owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2', [id, this.instance]);
  }

  /** Renews this daemon's leases (a run whose lease was lost stops here: another daemon has it) and adopts orphans. */
  private async tend(): Promise<void> {
    const mine = this.deps.queue.executing();
    if (mine.length) {
      const kept = await this.deps.store.query<{ id: string }>(
        `UPDATE runs SET lease_until = ${LEASE_UNTIL} WHERE owner = $1 AND id = ANY($2::text[]) RETURNING id`,
        [this.instance, mine, this.deps.leaseMs],
      );
      const renewed = new Set(kept.rows.map((r) => r.id));
      for (const id of mine) {
        if (renewed.has(id)) continue;
        const run = await this.deps.repo.get(this.deps.store, id);
        // Ended meanwhile (e.g. cancelled through another daemon), or taken over after this daemon stalled: stop here.
        if (run && isTerminal(run.state)) this.deps.logger.info({ run: id, state: run.state }, 'run ended elsewhere; stopping its execution here');
        else this.deps.logger.warn({ run: id }, 'lost the lease of a run (this daemon stalled?); another daemon continues it');
        this.deps.queue.release(id);
      }
    }
    // Queued or running runs nobody holds (their daemon died, or stopped before starting them).
    const orphans = await this.deps.store.query<RunRow>(
      `SELECT * FROM runs WHERE state IN ('queued', 'running') AND (owner IS NULL OR lease_until < now()) AND NOT (id = ANY($1::text[])) ORDER BY id LIMIT 100`,
      [mine],
    );
    // Bounded: the next round renews this daemon's leases on time; what is left is adopted then.
    const deadline = Date.now() + Math.max(200, Math.floor(this.deps.leaseMs / 3));
    for (const run of orphans.rows) {
      if (this.stopped) return; // a stopping daemon leaves them to the others
      if (Date.now() > deadline) return;
      await this.adopt(run);
    }
  }

  async resume(runId: string): Promise<void> {
    const run = await this.deps.repo.get(this.deps.store, runId);
    // Also while `running`: the decision may land while the run is still finishing other work before it parks; the
    // queue then runs it once more after (and an execution that finds nothing to do parks again).
    if (run?.state === 'awaiting_approval' || run?.state === 'running') this.deps.queue.push(runId);
  }

  /**
   * After a restart: queued and running runs go back in the queue, awaiting ones wait on. A step that was in flight
   * when the process died is re-run only when its tool is idempotent; otherwise it becomes `unknown` and a person
   * decides whether to retry or skip it — a write is never repeated blindly.
   */
  private async recover(): Promise<void> {
    const runs = await this.deps.repo.unfinished(this.deps.store);
    let adopted = 0;
    for (const run of runs) if (await this.adopt(run)) adopted++;
    if (adopted) this.deps.logger.info({ runs: adopted }, 'recovered unfinished runs');
  }

  /**
   * Takes up an unfinished run nobody executes (after a restart, or from a daemon that died): claimed first, so with
   * several daemons on one database only one recovers it. A non-idempotent step that was in flight is not repeated.
   */
  private async adopt(run: RunRow): Promise<boolean> {
    if (run.state !== 'awaiting_approval' && !(await this.claim(run.id))) return false; // another daemon executes it
    let queued = false;
    try {
      // A write in flight that may have reached its target and must not run twice is in doubt: a person decides.
      // Idempotent ones run again; so do calls whose approval was never released (the gate was still planning or
      // asking when the process died): the gate plans them again and asks again, so nothing runs unseen.
      const runSpec = await this.deps.inDoubt.runSpec(run.id);
      const risky: StepRow[] = [];
      for (const s of await this.deps.repo.steps(this.deps.store, run.id)) {
        if (s.state !== 'running' || s.kind !== 'tool' || s.idempotent === true || s.effect === 'read') continue;
        if (await this.deps.inDoubt.mayHaveRun(this.deps.store, run.id, s, runSpec)) risky.push(s);
      }
      if (risky.length > 0) {
        for (const s of risky) await this.deps.inDoubt.mark(run, s, 'Steward stopped while the call was in flight', true);
        this.deps.logger.warn({ run: run.id, steps: risky.map((s) => s.step_key) }, 'interrupted non-idempotent steps need a decision (retry or skip)');
      } else if (run.state !== 'awaiting_approval') {
        this.deps.queue.push(run.id); // keeps the lease: execute() claims it as its owner
        queued = true;
      } else if (await this.hasSettledApproval(run.id)) await this.resume(run.id); // decided while we were down
      return true;
    } finally {
      if (!queued) await this.release(run.id).catch(() => undefined);
    }
  }

  /**
   * A waiting run whose approval was decided or expired, or whose question was answered or expired (e.g. while the
   * daemon was down, or it stopped between recording the answer and resuming the run), can continue.
   */
  private async hasSettledApproval(runId: string): Promise<boolean> {
    const r = await this.deps.store.query(
      `SELECT 1 FROM approvals a JOIN run_steps s ON s.run_id = a.run_id AND s.approval_id = a.id
       WHERE a.run_id = $1 AND a.status <> 'pending' AND s.state IN ('awaiting_approval', 'unknown')
       UNION ALL
       SELECT 1 FROM questions q JOIN run_steps s ON s.run_id = q.run_id AND s.step_key = q.step_key
       WHERE q.run_id = $1 AND q.status <> 'pending' AND s.state = 'awaiting_approval'
       LIMIT 1`,
      [runId],
    );
    return r.rows.length > 0;
  }
}

/** A lease's end, `runs.leaseMs` ($3) from now. */
const LEASE_UNTIL = 'now() + make_interval(secs => $3::double precision / 1000)';
