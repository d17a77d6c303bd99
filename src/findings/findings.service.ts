import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { RUN_EVENT, isTerminal, type RunEvent, type RunRow } from '../runs/run.types.js';
import type { Store } from '../store/store.types.js';
import { FindingsRepository, type FindingFilter } from './findings.repository.js';
import { FINDINGS_UPDATED, diffFindings, type FindingsDiff, type FindingsUpdated, type RunFinding } from './findings.types.js';

/** Runs that finished while nobody compared them (a stop right after a run ended) still notify when this recent. */
const NOTIFY_BACKFILL_MS = 15 * 60_000;

/**
 * Findings across runs. When a playbook run ends, its findings are compared with its baseline (the previous
 * successful run of the same schedule, or of the same playbook and environments): new, still open, resolved. Each
 * finding's history (first seen, last seen, resolved, reopened) is kept by fingerprint. Runs that ended while the
 * daemon could not compare them are compared at the next start, in the order they finished.
 */
@Injectable()
export class FindingsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly repo = new FindingsRepository();
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.on(RUN_EVENT, (e: RunEvent) => {
      if (e.type === 'run.finished') void this.enqueue(() => this.process(e.runId, true));
    });
    void this.enqueue(() => this.backfill());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  /** Resolves once every finished run seen so far has been compared (tests). */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current.catch(() => undefined);
      if (current === this.chain) return;
    }
  }

  /** The run's comparison: as recorded when it ended, or (still running) as it stands. */
  async diff(runId: string): Promise<FindingsDiff & { recorded: boolean }> {
    const run = (await this.store.query<RunRow>('SELECT * FROM runs WHERE id = $1', [runId])).rows[0];
    if (!run) throw new StewardError('RUN_NOT_FOUND', `run ${runId} does not exist`);
    const rec = await this.repo.processed(this.store, runId);
    const current = await this.repo.ofRun(this.store, runId);
    if (rec) {
      const base = rec.baseline_run_id ? await this.repo.ofRun(this.store, rec.baseline_run_id) : [];
      const pick = (list: RunFinding[], fps: string[]) => fps.map((fp) => list.find((f) => f.fingerprint === fp)).filter((f): f is RunFinding => f !== undefined);
      return { runId, baselineRunId: rec.baseline_run_id, complete: rec.complete, new: pick(current, rec.new_fps), open: pick(current, rec.open_fps), resolved: pick(base, rec.resolved_fps), recorded: true };
    }
    return { ...(await this.compare(run, current)), recorded: false };
  }

  list(filter: FindingFilter) {
    return this.repo.list(this.store, filter);
  }

  async get(fingerprint: string) {
    const state = await this.repo.get(this.store, fingerprint);
    if (!state) throw new StewardError('FINDING_NOT_FOUND', `no finding with fingerprint ${fingerprint}`);
    const [history, occurrences] = await Promise.all([this.repo.historyOf(this.store, fingerprint), this.repo.occurrences(this.store, fingerprint, 50)]);
    return { state, history, occurrences };
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.catch(() => undefined).then(() => (this.stopped ? undefined : fn()));
    this.chain = p.catch((e: unknown) => this.logger.error({ err: e, component: 'findings' }, 'comparing findings failed'));
    return p;
  }

  private async compare(run: RunRow, current: RunFinding[]): Promise<FindingsDiff> {
    const base = await this.repo.baseline(this.store, run);
    return diffFindings(run.id, current, base ? { runId: base.id, findings: await this.repo.ofRun(this.store, base.id) } : undefined, run.state === 'succeeded');
  }

  private async process(runId: string, live: boolean): Promise<void> {
    const run = (await this.store.query<RunRow>('SELECT * FROM runs WHERE id = $1', [runId])).rows[0];
    if (!run || run.kind !== 'playbook' || !isTerminal(run.state)) return;
    const diff = await this.compare(run, await this.repo.ofRun(this.store, runId));
    const at = new Date(run.finished_at ?? Date.now());
    const done = await this.store.transaction(async (tx) => {
      if (!(await this.repo.markProcessed(tx, diff))) return false;
      for (const f of [...diff.new, ...diff.open]) await this.repo.seen(tx, f, run, at);
      for (const f of diff.resolved) await this.repo.resolve(tx, f.fingerprint, run.id, at);
      return true;
    });
    if (!done) return;
    if (diff.new.length || diff.resolved.length) {
      this.logger.info({ component: 'findings', run: run.id, baseline: diff.baselineRunId, new: diff.new.length, open: diff.open.length, resolved: diff.resolved.length }, 'findings compared');
    }
    if (live) this.bus.emit(FINDINGS_UPDATED, { run, diff } satisfies FindingsUpdated);
  }

  private async backfill(): Promise<void> {
    let total = 0;
    for (;;) {
      const batch = await this.repo.unprocessed(this.store, 200);
      if (batch.length === 0 || this.stopped) break;
      for (const r of batch) await this.process(r.id, Date.now() - new Date(r.finished_at).getTime() < NOTIFY_BACKFILL_MS);
      total += batch.length;
      if (batch.length < 200) break;
    }
    if (total) this.logger.info({ component: 'findings', runs: total }, 'compared the findings of runs that ended before this start');
  }
}
