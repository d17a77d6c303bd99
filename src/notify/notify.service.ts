import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { ApprovalRow } from '../approvals/approval.types.js';
import { CONFIG, type NotificationEvent, type StewardConfig, type WebhookConfig } from '../config/config.types.js';
import { FINDINGS_UPDATED, type FindingsUpdated } from '../findings/findings.types.js';
import type { DaemonInfo } from '../http/health.controller.js';
import { DAEMON_INFO, LOGGER, REDACTOR, STORE } from '../http/tokens.js';
import type { Redactor } from '../logging/redactor.js';
import { newId } from '../runs/run.repository.js';
import { RUN_EVENT, type RunEvent, type RunEventMap, type RunRow } from '../runs/run.types.js';
import type { Store } from '../store/store.types.js';
import { DeliveryRepository, type DeliveryFilter } from './delivery.repository.js';
import { render, type Notice } from './notice.js';
import { approvalExpired, approvalRequested, newFindings, runFailed } from './notice.builders.js';
import { backoffMs, post, signature } from './webhook.sender.js';

/** Deliveries in flight per webhook: a slow receiver holds up only its own. */
const PER_WEBHOOK = 4;

/**
 * Webhook notifications. Listeners only record a delivery and return: nothing here is awaited by a run. Each
 * delivery is POSTed in the background (signed when the webhook has a secret), retried with exponential backoff on
 * network errors, timeouts, 408, 429 and 5xx, and its outcome (attempts, HTTP status, error) is stored. Pending
 * deliveries survive a restart.
 */
@Injectable()
export class NotifyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly repo = new DeliveryRepository();
  private readonly webhooks: Map<string, WebhookConfig>;
  private readonly limits = new Map<string, LimitFunction>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly logger: Logger;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: StewardConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(REDACTOR) private readonly redactor: Redactor,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
    @Inject(DAEMON_INFO) private readonly info: DaemonInfo,
  ) {
    this.logger = logger.child({ component: 'notify' });
    this.webhooks = new Map(config.notifications.webhooks.map((w) => [w.name, w]));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.bus.on(RUN_EVENT, (e: RunEvent) => void this.onRunEvent(e).catch((err: unknown) => this.logger.error({ err, run: e.runId }, 'notification not recorded')));
    this.bus.on(FINDINGS_UPDATED, (u: FindingsUpdated) => void this.onFindings(u).catch((err: unknown) => this.logger.error({ err, run: u.run.id }, 'notification not recorded')));
    const pending = await this.repo.pending(this.store);
    for (const d of pending) this.schedule(d.id, Math.max(0, new Date(d.next_attempt_at ?? Date.now()).getTime() - Date.now()));
    if (pending.length) this.logger.info({ deliveries: pending.length }, 'resuming pending webhook deliveries');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inflight]);
  }

  list(filter: DeliveryFilter) {
    return this.repo.list(this.store, filter);
  }

  get(id: string) {
    return this.repo.get(this.store, id);
  }

  /** Resolves when no attempt is in flight (retries may still be scheduled). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async onRunEvent(e: RunEvent): Promise<void> {
    if (this.webhooks.size === 0) return;
    if (e.type === 'run.finished' && (e.data as RunEventMap['run.finished']).state === 'failed') {
      await this.notify('run.failed', e.runId, async (run) => () => runFailed(run, e.at, this.config.notifications.publicUrl));
    } else if (e.type === 'approval.requested') {
      const a = e.data as RunEventMap['approval.requested'];
      await this.notify('approval.requested', e.runId, async (run) => {
        // The plan's totals go in the message (the approval is committed before its event is published).
        const plan = (await this.store.query<Pick<ApprovalRow, 'plan'>>('SELECT plan FROM approvals WHERE id = $1', [a.approvalId])).rows[0]?.plan;
        return () => approvalRequested(run, a, e.at, this.config.notifications.publicUrl, plan);
      });
    } else if (e.type === 'approval.expired') {
      const { approvalId } = e.data as RunEventMap['approval.expired'];
      await this.notify('approval.expired', e.runId, async (run) => {
        const a = (await this.store.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [approvalId])).rows[0];
        return a ? () => approvalExpired(run, a, e.at, this.config.notifications.publicUrl) : undefined;
      });
    }
  }

  private async onFindings(u: FindingsUpdated): Promise<void> {
    if (this.webhooks.size === 0 || u.diff.new.length === 0) return;
    const at = new Date().toISOString();
    await this.notify('findings.new', u.run.id, async () => (w) => newFindings(u.run, u.diff, w.minSeverity, at, this.config.notifications.publicUrl));
  }

  /** Records one delivery per webhook subscribed to the event (whose notice is not empty) and sends it. */
  private async notify(event: NotificationEvent, runId: string, prepare: (run: RunRow) => Promise<((w: WebhookConfig) => Notice | undefined) | undefined>): Promise<void> {
    const targets = [...this.webhooks.values()].filter((w) => w.events.includes(event));
    if (targets.length === 0) return;
    const run = (await this.store.query<RunRow>('SELECT * FROM runs WHERE id = $1', [runId])).rows[0];
    if (!run) return;
    const build = await prepare(run);
    if (!build) return;
    for (const w of targets) {
      const notice = build(w);
      if (!notice) continue;
      const body = JSON.stringify(this.redactor.redact(render(w.format, notice)));
      const d = await this.repo.insert(this.store, { id: newId('ntf'), webhook: w.name, event, runId, subject: notice.title.slice(0, 500), body, maxAttempts: w.retry.attempts });
      this.logger.debug({ delivery: d.id, webhook: w.name, event, run: runId }, 'notification recorded');
      this.schedule(d.id, 0);
    }
  }

  private schedule(id: string, delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    clearTimeout(this.timers.get(id));
    const t = setTimeout(() => {
      this.timers.delete(id);
      const p = this.attempt(id).catch((err: unknown) => this.logger.error({ err, delivery: id }, 'webhook delivery attempt failed unexpectedly'));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }, delayMs);
    t.unref();
    this.timers.set(id, t);
  }

  private async attempt(id: string): Promise<void> {
    const d = await this.repo.get(this.store, id);
    if (!d || d.status !== 'pending') return;
    const w = this.webhooks.get(d.webhook);
    if (!w) {
      await this.repo.attempted(this.store, id, { status: 'failed', attempts: d.attempts, error: `webhook "${d.webhook}" is no longer configured` });
      return;
    }
    const limit = this.limits.get(w.name) ?? this.limits.set(w.name, pLimit(PER_WEBHOOK)).get(w.name)!;
    const result = await limit(() => {
      const ts = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'User-Agent': `steward/${this.info.version}`,
        'X-Steward-Event': d.event,
        'X-Steward-Delivery': d.id,
        'X-Steward-Timestamp': ts,
        ...(w.secret ? { 'X-Steward-Signature': signature(w.secret, ts, d.body) } : {}),
      };
      return post(w.url, d.body, headers, w.timeoutMs, this.stopping.signal);
    });
    if (this.stopping.signal.aborted) return; // shutting down: left pending, retried after the restart
    const attempts = d.attempts + 1;
    if (result.ok) {
      await this.repo.attempted(this.store, id, { status: 'delivered', attempts, httpStatus: result.status });
      this.logger.info({ delivery: id, webhook: w.name, event: d.event, attempts }, 'webhook delivered');
      return;
    }
    const error = this.redactor.redactString(result.error);
    if (result.retry && attempts < d.max_attempts) {
      const delay = backoffMs(attempts, w.retry, result.retryAfterMs);
      await this.repo.attempted(this.store, id, { status: 'pending', attempts, httpStatus: result.status, error, nextAt: new Date(Date.now() + delay) });
      this.logger.warn({ delivery: id, webhook: w.name, attempt: attempts, error, retryInMs: delay }, 'webhook delivery failed; will retry');
      this.schedule(id, delay);
      return;
    }
    await this.repo.attempted(this.store, id, { status: 'failed', attempts, httpStatus: result.status, error });
    this.logger.error({ delivery: id, webhook: w.name, event: d.event, attempts, error }, result.retry ? 'webhook delivery failed: out of attempts' : 'webhook delivery refused (not retried)');
  }
}
