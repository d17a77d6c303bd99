import { userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApprovalService } from '../approvals/approval.service.js';
import type { Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { LoadedConfig, LoggingConfig, Role } from '../config/config.types.js';
import { startDaemon, type Daemon } from '../daemon.js';
import { RunEventsService } from '../runs/run-events.service.js';
import { isTerminal, type RunEvent, type RunState } from '../runs/run.types.js';
import { RunsService } from '../runs/runs.service.js';
import { EXIT } from './exit-codes.js';
import { CliError, type CliIo } from './io.js';
import { cliLogDestination, withLogLevel } from './logging.js';

/** Who a command acts as when it runs in-process: `cli:<OS user>`. */
export function cliPrincipal(role: Role, env: Record<string, string | undefined>): Principal {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = env.USER ?? env.LOGNAME ?? env.USERNAME;
  }
  return { name: `cli:${user || 'unknown'}`, role };
}

/** Opening the embedded store failed because a daemon (or another command) holds it: say what to do instead. */
export const storeHintFor =
  (loaded?: LoadedConfig) =>
  (e: unknown): never => {
    if (e instanceof StewardError && e.code === 'STORE_LOCKED') {
      const url = loaded ? serverUrl(loaded) : '<url>';
      throw new CliError(EXIT.FAILURE, `${e.message}.\n  A daemon is probably serving this store: talk to it instead, e.g. --server ${url} --token-file <file>`);
    }
    throw e;
  };

/** storeHintFor() without the config at hand (the URL is left for the reader to fill in). */
export const storeHint = (e: unknown): never => storeHintFor()(e);

export interface LocalApp {
  daemon: Daemon;
  runs: RunsService;
  approvals: ApprovalService;
  events: RunEventsService;
  /** Unfinished runs this process picked up from the store at start (restart recovery) and now executes. */
  recovered: string[];
  close(): Promise<void>;
}

/**
 * The daemon in-process, without an HTTP listener: store, plugins, playbooks and the run queue. Like a daemon at
 * start it continues unfinished runs it finds in the store; `settle()` waits for those before the process exits, so
 * nothing is cut off mid-step.
 */
export async function openLocal(loaded: LoadedConfig, io: CliIo, logLevel: LoggingConfig['level']): Promise<LocalApp> {
  const daemon = await startDaemon({ loaded: withLogLevel(loaded, logLevel), listen: false, logDestination: cliLogDestination(io, loaded.config.logging.format) }).catch(storeHintFor(loaded));
  try {
    const runs = daemon.app.get(RunsService);
    const recovered = (await runs.list({ state: ['queued', 'running'], limit: 1000 })).map((r) => r.id);
    if (recovered.length) io.err(`steward: continuing ${recovered.length} unfinished run(s) found in the store: ${recovered.join(', ')}\n`);
    return { daemon, runs, approvals: daemon.app.get(ApprovalService), events: daemon.app.get(RunEventsService), recovered, close: () => daemon.close() };
  } catch (e) {
    await daemon.close().catch(() => undefined);
    throw e;
  }
}

/** How much work the run queue of this process holds (runs executing or waiting to). */
async function busy(local: LocalApp): Promise<number> {
  const size = local.runs.queueSize();
  return size.active + size.waiting;
}

/**
 * Waits until this process executes nothing any more: every run it started or recovered has ended or parked.
 * Closing before that would interrupt a step (and a write interrupted mid-call needs a person's decision later).
 */
export async function settle(local: LocalApp, io: CliIo, signal?: AbortSignal): Promise<void> {
  let told = false;
  while (!signal?.aborted && (await busy(local)) > 0) {
    if (!told && local.recovered.length) {
      io.err('steward: waiting for the recovered run(s) to end or park before exiting (Ctrl-C leaves them for the next start)\n');
      told = true;
    }
    await sleep(50, undefined, { signal }).catch(() => undefined);
  }
}

/** Whether the queue is idle right now. */
export const idle = async (local: LocalApp): Promise<boolean> => (await busy(local)) === 0;

export interface Stop {
  state: RunState;
  reason?: string | null;
  outputs?: Record<string, unknown> | null;
}

/**
 * One run's events as they are published in this process, from the moment of construction (so nothing between
 * `RunsService.start` and `bind` is missed), and the point where the run stops here: it finished, or it parked
 * waiting for a person. With `resumeFirst`, a park only counts after the run was running again (an approval was
 * just decided and the run is resuming).
 */
export class RunWatch {
  readonly stopped: Promise<Stop>;
  private resolve!: (s: Stop) => void;
  private bound?: string;
  private readonly early: RunEvent[] = [];
  private readonly unsubscribe: () => void;
  private armed: boolean;
  /** The run was seen running again (after `resumeFirst`). */
  get resumed(): boolean {
    return this.armed;
  }

  constructor(
    events: RunEventsService,
    private readonly onEvent: (e: RunEvent) => void,
    opts: { resumeFirst?: boolean } = {},
  ) {
    this.armed = !opts.resumeFirst;
    this.stopped = new Promise((r) => (this.resolve = r));
    this.unsubscribe = events.subscribe((e) => {
      if (this.bound === undefined) this.early.push(e);
      else if (e.runId === this.bound) this.deliver(e);
    });
  }

  bind(runId: string): void {
    this.bound = runId;
    for (const e of this.early.splice(0)) if (e.runId === runId) this.deliver(e);
  }

  /** Stop now with this state (the run is already where it will stay, e.g. it was never going to resume). */
  settle(stop: Stop): void {
    this.resolve(stop);
  }

  dispose(): void {
    this.unsubscribe();
  }

  private deliver(e: RunEvent): void {
    this.onEvent(e);
    if (e.type === 'run.finished') {
      const d = (e as RunEvent<'run.finished'>).data;
      this.resolve({ state: d.state, reason: d.reason, outputs: d.outputs });
    } else if (e.type === 'run.state') {
      const d = (e as RunEvent<'run.state'>).data;
      if (d.to === 'running') this.armed = true;
      else if (d.to === 'awaiting_approval' && this.armed) this.resolve({ state: 'awaiting_approval', reason: d.reason });
      else if (isTerminal(d.to)) this.resolve({ state: d.to, reason: d.reason });
    }
  }
}

/** The daemon's address as steward.yaml configures it (for hints). */
export const serverUrl = (loaded: LoadedConfig): string => {
  const { host, port } = loaded.config.server;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};
