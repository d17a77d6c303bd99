import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Principal } from '../auth/roles.js';
import { ConfigError } from '../common/errors.js';
import { packageRoot } from '../common/paths.js';
import { TokenService } from '../auth/token.service.js';
import { applyTokens, rereadConfig, type TokenReload } from '../config/config.reload.js';
import { CONFIG, type ScheduleEntryConfig, type StewardConfig } from '../config/config.types.js';
import { LOGGER, REDACTOR, STORE } from '../http/tokens.js';
import type { Redactor } from '../logging/redactor.js';
import type { Diagnostic } from '../playbooks/diagnostics.js';
import { parseDuration } from '../playbooks/duration.js';
import { PlaybooksService } from '../playbooks/playbooks.service.js';
import { RUN_EVENT, type RunEvent } from '../runs/run.types.js';
import { RunsService } from '../runs/runs.service.js';
import type { Store } from '../store/store.types.js';
import { currentClock, type Clock } from './clock.js';
import { DEFAULT_MIN_INTERVAL_MS } from './schedule.checks.js';
import { buildSchedules, scheduleDiagnostics } from './schedule.definitions.js';
import { ScheduleRepository } from './schedule.repository.js';
import type { ScheduleDef, ScheduleProblem } from './schedule.types.js';
import { toFireView, toScheduleView } from './schedule.views.js';
import { watchForChanges } from './schedule.watcher.js';
import { Scheduler } from './scheduler.js';

export const SCHEDULE_OPTIONS = Symbol('SCHEDULE_OPTIONS');

export interface ScheduleOptions {
  /** What relative paths in steward.yaml resolve against. */
  baseDir: string;
  /** steward.yaml, when the daemon was started from a file (reloads read it again). */
  configFile?: string;
}

export interface ReloadResult {
  /** false: something was invalid; the schedules concerned kept their previous version (or were left out) — see problems. */
  ok: boolean;
  by: string;
  at: string;
  schedules: number;
  added: string[];
  removed: string[];
  changed: string[];
  problems: (ScheduleProblem & { text: string })[];
  /** auth.tokens: applied (names added and removed) or, when steward.yaml is invalid, kept as they were. */
  tokens?: TokenReload;
}

const text = (p: ScheduleProblem) => `${p.file}:${p.line}:${p.col}: ${p.message}`;
/** What makes two versions of a schedule the same. */
const signature = (d: ScheduleDef) => JSON.stringify([d.playbook, d.cron, d.timezone, d.inputs, d.targets, d.overlap, d.catchUp, d.catchUpWindowMs, d.jitterMs, d.enabled]);

/**
 * Schedules as the daemon runs them: built from the playbooks' `schedule:` blocks and steward.yaml's
 * `schedules.entries`, fired by the Scheduler once the HTTP server listens (in-process CLI commands never fire), and
 * reloaded on POST /reload or when the files change. A reload applies what is valid; a schedule whose new version is
 * invalid keeps its previous one, and every problem is reported with its file and line.
 */
@Injectable()
export class ScheduleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly repo = new ScheduleRepository();
  private readonly clock: Clock = currentClock();
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private entries: Record<string, ScheduleEntryConfig>;
  private minIntervalMs: number;
  private configText?: string;
  private problems: ReloadResult['problems'] = [];
  private lastReload?: ReloadResult;
  private reloads: Promise<unknown> = Promise.resolve();
  private stopWatching?: () => void;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: StewardConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(REDACTOR) private readonly redactor: Redactor,
    @Inject(PlaybooksService) private readonly playbooks: PlaybooksService,
    @Inject(RunsService) runs: RunsService,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(SCHEDULE_OPTIONS) private readonly options: ScheduleOptions,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {
    this.logger = logger.child({ component: 'scheduler' });
    this.scheduler = new Scheduler({ store, clock: this.clock, logger: this.logger, runs });
    this.entries = config.schedules.entries;
    this.minIntervalMs = parseDuration(config.schedules.minInterval) ?? DEFAULT_MIN_INTERVAL_MS;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.configText = this.readConfigText();
    const built = this.build(this.entries, this.configText, this.minIntervalMs, this.playbooks.diagnostics());
    this.problems = built.problems.map((p) => ({ ...p, text: text(p) }));
    for (const p of this.problems) this.logger.error({ schedule: p.scheduleId }, `schedule not loaded: ${p.text}`);
    await this.scheduler.setSchedules(built.defs);
    this.logger.info({ schedules: built.defs.length, problems: this.problems.length }, 'schedules loaded');
    this.bus.on(RUN_EVENT, (e: RunEvent) => {
      if (e.type === 'run.finished') void this.scheduler.runFinished();
    });
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.once('listening', () => void this.start().catch((e: unknown) => this.logger.error({ err: e }, 'scheduler failed to start')));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopWatching?.();
    await this.scheduler.stop();
  }

  /** Starts firing (and watching files, unless schedules.watch is false). Called when the HTTP server listens. */
  async start(): Promise<void> {
    await this.scheduler.start();
    if (this.config.schedules.watch && !this.stopWatching) {
      const dirs = [join(packageRoot(), 'playbooks'), ...this.config.playbooks.dirs.map((d) => resolve(this.options.baseDir, d))];
      this.stopWatching = watchForChanges({ dirs, file: this.options.configFile }, (changed) => void this.reload(`watch (${changed})`).catch(() => undefined), this.logger);
    }
  }

  /** Resolves once the scheduler has nothing in progress (tests). */
  settled(): Promise<void> {
    return this.scheduler.settled();
  }

  async list() {
    const defs = this.scheduler.list();
    const ids = defs.map((d) => d.id);
    const [fires, runs] = await Promise.all([this.repo.lastFires(this.store, ids), this.repo.lastRuns(this.store, ids)]);
    return {
      schedules: defs.map((d) => toScheduleView(d, this.scheduler.stateOf(d.id), this.scheduler.nextTimes(d, 3), fires.get(d.id), runs.get(d.id))),
      problems: this.problems,
      reload: this.lastReload ? { at: this.lastReload.at, by: this.lastReload.by, ok: this.lastReload.ok } : null,
      running: this.scheduler.isRunning,
    };
  }

  async get(id: string) {
    const def = this.scheduler.get(id);
    if (!def) return undefined;
    const [fires, runs] = await Promise.all([this.repo.fires(this.store, id, 20), this.repo.lastRuns(this.store, [id])]);
    return { ...toScheduleView(def, this.scheduler.stateOf(id), this.scheduler.nextTimes(def, 5), fires[0], runs.get(id)), fires: fires.map(toFireView) };
  }

  pause(id: string, who: Principal) {
    return this.scheduler.pause(id, who);
  }

  resume(id: string, who: Principal) {
    return this.scheduler.resume(id, who);
  }

  trigger(id: string, who: Principal) {
    return this.scheduler.trigger(id, who);
  }

  /** Reads the playbooks and steward.yaml again and applies the schedules (one reload at a time). */
  reload(by: string): Promise<ReloadResult> {
    const p = this.reloads.catch(() => undefined).then(() => this.doReload(by));
    this.reloads = p;
    return p;
  }

  private async doReload(by: string): Promise<ReloadResult> {
    const loaded = await this.playbooks.reloadAsync();
    let entries = this.entries;
    let configText = this.configText;
    let minIntervalMs = this.minIntervalMs;
    const configProblems: ScheduleProblem[] = [];
    let tokens: TokenReload | undefined;
    if (this.options.configFile) {
      try {
        const fresh = rereadConfig(this.options.configFile, this.options.baseDir);
        this.redactor.add(...fresh.secrets);
        tokens = applyTokens(this.tokens, fresh, this.logger, by);
        entries = fresh.config.schedules.entries;
        minIntervalMs = parseDuration(fresh.config.schedules.minInterval) ?? DEFAULT_MIN_INTERVAL_MS;
        configText = this.readConfigText();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        tokens = { applied: false, count: this.tokens.size, added: [], removed: [] };
        const file = this.displayConfig();
        for (const d of e.errors ?? []) {
          configProblems.push({ file, line: Number(d.line ?? 1), col: Number(d.column ?? 1), message: `${d.path ? `${d.path}: ` : ''}${d.message}`, kept: true });
        }
      }
    }
    const built = this.build(entries, configText, minIntervalMs, loaded.diagnostics);
    const prev = new Map(this.scheduler.list().map((d) => [d.id, d]));
    const next = new Map(built.defs.map((d) => [d.id, d]));
    const problems: ScheduleProblem[] = [...configProblems];
    for (const p of built.problems) {
      const old = p.scheduleId ? prev.get(p.scheduleId) : undefined;
      if (old && !next.has(old.id)) next.set(old.id, old);
      problems.push({ ...p, kept: old !== undefined });
    }
    // A playbook file that no longer validates: its schedule (if it had one) keeps the previous version.
    const broken = new Set(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
    for (const old of prev.values()) {
      if (old.source !== 'playbook' || next.has(old.id) || !broken.has(old.origin.file)) continue;
      next.set(old.id, old);
      for (const d of loaded.diagnostics) if (d.file === old.origin.file && d.severity === 'error') problems.push({ scheduleId: old.id, file: d.file, line: d.line, col: d.col, message: d.message, kept: true });
    }
    const byText = new Map<string, ScheduleProblem>();
    for (const p of problems) if (!byText.get(text(p))?.scheduleId) byText.set(text(p), p);
    const unique = [...byText.values()];
    if (configProblems.length === 0) {
      this.entries = entries;
      this.configText = configText;
      this.minIntervalMs = minIntervalMs;
    }
    await this.scheduler.setSchedules([...next.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
    this.problems = unique.map((p) => ({ ...p, text: text(p) }));
    const result: ReloadResult = {
      ok: unique.length === 0,
      by,
      at: new Date(this.clock.now()).toISOString(),
      schedules: next.size,
      added: [...next.keys()].filter((id) => !prev.has(id)),
      removed: [...prev.keys()].filter((id) => !next.has(id)),
      changed: [...next.values()].filter((d) => prev.has(d.id) && prev.get(d.id) !== d && signature(prev.get(d.id)!) !== signature(d)).map((d) => d.id),
      problems: this.problems,
      ...(tokens && { tokens }),
    };
    this.lastReload = result;
    const log = { by, schedules: result.schedules, added: result.added, removed: result.removed, changed: result.changed };
    if (result.ok) this.logger.info(log, 'schedules reloaded');
    else this.logger.warn({ ...log, problems: this.problems.map((p) => p.text) }, 'schedules reloaded with problems: the schedules concerned keep their previous version');
    return result;
  }

  private build(entries: Record<string, ScheduleEntryConfig>, configText: string | undefined, minIntervalMs: number, diagnostics: readonly Diagnostic[]) {
    const built = buildSchedules({
      playbooks: this.playbooks.list(),
      entries,
      config: { file: this.displayConfig(), ...(configText !== undefined && { text: configText }) },
      environments: this.config.environments,
      minIntervalMs,
      baseDir: this.options.baseDir,
      now: this.clock.now(),
    });
    built.problems.push(...scheduleDiagnostics(diagnostics));
    return built;
  }

  private readConfigText(): string | undefined {
    if (!this.options.configFile) return undefined;
    try {
      return readFileSync(this.options.configFile, 'utf8');
    } catch {
      return undefined;
    }
  }

  private displayConfig(): string {
    if (!this.options.configFile) return 'steward.yaml';
    const rel = relative(this.options.baseDir, this.options.configFile);
    return rel.startsWith('..') ? this.options.configFile : rel;
  }
}
