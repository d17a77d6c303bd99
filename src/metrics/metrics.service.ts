import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APPROVAL_SETTLED } from '../approvals/approval.service.js';
import type { ApprovalRow } from '../approvals/approval.types.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { McpSessions } from '../mcp/mcp.sessions.js';
import { TOOL_INVOKER } from '../plugins/plugins.tokens.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import { RUN_EVENT, type RunEvent } from '../runs/run.types.js';
import type { Store } from '../store/store.types.js';

/** What a scrape reads from outside Nest's container (set by the daemon after start). */
export interface MetricSources {
  /** Open text/event-stream responses (run events, thread streams, /mcp). */
  sseStreams?: () => number;
  /** A PostgreSQL store's pool; undefined for the embedded store (one connection, no pool). */
  storePool?: () => { total: number; idle: number; waiting: number } | undefined;
}

const DURATION_BUCKETS = [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const TOOL_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120, 600];
/** A prompt run has no playbook: one label value for all of them. */
const NO_PLAYBOOK = '(prompt)';

/**
 * Prometheus metrics of one daemon, in their own registry (several daemons in one process, as in tests, do not mix).
 * Labels are bounded: playbook ids, tool ids and environment names (configured), states, outcomes, HTTP statuses —
 * never run ids, user names or input. Counts of stored things (runs by state, pending approvals) are read from the
 * store at scrape time, so they are right after a restart and across replicas sharing a store.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  readonly sources: MetricSources = {};
  private readonly off: Array<() => void> = [];
  private readonly environments: Set<string>;

  private readonly runsFinished = new Counter({ name: 'steward_runs_finished_total', help: 'Runs that ended, by final state and playbook.', labelNames: ['state', 'playbook'], registers: [this.registry] });
  private readonly runDuration = new Histogram({ name: 'steward_run_duration_seconds', help: 'Run duration from start (or creation) to end.', labelNames: ['state', 'playbook'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly stepDuration = new Histogram({ name: 'steward_step_duration_seconds', help: 'Step duration by outcome.', labelNames: ['outcome'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly decisionLatency = new Histogram({ name: 'steward_approval_decision_seconds', help: 'Time from an approval request to its settlement, by final status.', labelNames: ['status'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly toolCalls = new Counter({ name: 'steward_tool_calls_total', help: 'Tool calls by tool, environment, mode and outcome.', labelNames: ['tool', 'environment', 'mode', 'outcome'], registers: [this.registry] });
  private readonly toolLatency = new Histogram({ name: 'steward_tool_call_duration_seconds', help: 'Tool call latency by tool, environment, mode and outcome.', labelNames: ['tool', 'environment', 'mode', 'outcome'], buckets: TOOL_BUCKETS, registers: [this.registry] });
  private readonly targetRequests = new Counter({ name: 'steward_target_requests_total', help: 'HTTP requests plugins made to target systems (Sisense), by plugin, environment and status (0: no answer).', labelNames: ['plugin', 'environment', 'status'], registers: [this.registry] });

  constructor(
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) config: StewardConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    this.environments = new Set(Object.keys(config.environments ?? {}));
    collectDefaultMetrics({ register: this.registry });
    this.gauge('steward_runs', 'Stored runs by state and playbook.', ['state', 'playbook'], async (g) => {
      const rows = await this.store.query<{ state: string; playbook: string | null; n: string | number }>('SELECT state, playbook, count(*) AS n FROM runs GROUP BY state, playbook');
      g.reset();
      for (const r of rows.rows) g.set({ state: r.state, playbook: r.playbook ?? NO_PLAYBOOK }, Number(r.n));
    });
    this.gauge('steward_approvals_pending', 'Approvals waiting for a decision.', [], async (g) => {
      const rows = await this.store.query<{ n: string | number }>("SELECT count(*) AS n FROM approvals WHERE status = 'pending'");
      g.set(Number(rows.rows[0]?.n ?? 0));
    });
    this.gauge('steward_sse_streams', 'Open Server-Sent-Events streams (run events, threads, /mcp).', [], (g) => g.set(this.sources.sseStreams?.() ?? 0));
    this.gauge('steward_mcp_sessions', 'Open MCP sessions at /mcp.', [], (g) => g.set(this.mcpSessions()?.size ?? 0));
    this.gauge('steward_store_pool_connections', 'PostgreSQL store pool connections by state (absent for the embedded store).', ['state'], (g) => {
      g.reset();
      const pool = this.sources.storePool?.();
      if (pool) for (const [state, n] of Object.entries(pool)) g.set({ state }, n);
    });
  }

  /** A gauge filled at scrape time; one that cannot be read (the store does not answer) keeps its last value and the scrape still answers. */
  private gauge(name: string, help: string, labelNames: string[], fill: (g: Gauge) => void | Promise<void>): void {
    const g: Gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: async () => {
        try {
          await fill(g);
        } catch (err) {
          this.logger.warn({ err, metric: name }, 'metrics: a gauge could not be read; it keeps its last value in this scrape');
        }
      },
    });
  }

  onModuleInit(): void {
    const onRun = (e: RunEvent) => this.onRunEvent(e);
    const onSettled = (a: ApprovalRow) => this.onApprovalSettled(a);
    this.bus.on(RUN_EVENT, onRun);
    this.bus.on(APPROVAL_SETTLED, onSettled);
    this.off.push(() => this.bus.off(RUN_EVENT, onRun), () => this.bus.off(APPROVAL_SETTLED, onSettled));
    const invoker = this.moduleRef.get<ToolInvoker>(TOOL_INVOKER, { strict: false });
    invoker.onFinish = (c) => {
      const labels = { tool: c.tool, environment: this.environmentLabel(c.environments), mode: c.mode, outcome: c.ok ? 'ok' : 'error' };
      this.toolCalls.inc(labels);
      this.toolLatency.observe(labels, c.durationMs / 1000);
    };
    invoker.onTargetRequest = (plugin, environment, status) => this.targetRequest(plugin, environment, status);
    this.off.push(() => (invoker.onFinish = undefined), () => (invoker.onTargetRequest = undefined));
  }

  onModuleDestroy(): void {
    for (const off of this.off.splice(0)) off();
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** A plugin's request to its target answered `status` (0: no answer: timeout, connection, TLS). */
  targetRequest(plugin: string, environment: string, status: number): void {
    const s = Number.isInteger(status) && status >= 0 && status < 600 ? String(status) : 'other';
    this.targetRequests.inc({ plugin, environment: this.environmentLabel([environment]), status: s });
  }

  /** Configured names only (a caller may name anything; such a call fails and is counted under "unknown"); "none" for a tool without one. */
  private environmentLabel(names: readonly string[]): string {
    const known = [...new Set(names)].sort().map((n) => (this.environments.has(n) ? n : 'unknown'));
    return known.join(',') || 'none';
  }

  private mcpSessions(): McpSessions | undefined {
    try {
      return this.moduleRef.get(McpSessions, { strict: false });
    } catch {
      return undefined;
    }
  }

  private onRunEvent(e: RunEvent): void {
    if (e.type === 'step.succeeded' || e.type === 'step.failed') {
      const d = e.data as { durationMs?: number };
      if (typeof d.durationMs === 'number') this.stepDuration.observe({ outcome: e.type === 'step.succeeded' ? 'succeeded' : 'failed' }, d.durationMs / 1000);
      return;
    }
    if (e.type !== 'run.finished') return;
    void this.store
      .query<{ playbook: string | null; state: string; created_at: Date; started_at: Date | null; finished_at: Date | null }>('SELECT playbook, state, created_at, started_at, finished_at FROM runs WHERE id = $1', [e.runId])
      .then(({ rows: [r] }) => {
        if (!r) return;
        const labels = { state: (e.data as { state: string }).state ?? r.state, playbook: r.playbook ?? NO_PLAYBOOK };
        this.runsFinished.inc(labels);
        const end = new Date(r.finished_at ?? e.at).getTime();
        const start = new Date(r.started_at ?? r.created_at).getTime();
        if (Number.isFinite(end - start) && end >= start) this.runDuration.observe(labels, (end - start) / 1000);
      })
      .catch((err: unknown) => this.logger.debug({ err }, 'metrics: could not read a finished run'));
  }

  private onApprovalSettled(a: ApprovalRow): void {
    const end = new Date(a.decided_at ?? Date.now()).getTime();
    const start = new Date(a.created_at).getTime();
    if (Number.isFinite(end - start) && end >= start) this.decisionLatency.observe({ status: a.status }, (end - start) / 1000);
  }
}
