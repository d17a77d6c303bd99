import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import { type CallToolResult, ErrorCode, McpError, type Result, type Task } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Principal, Role } from '../auth/roles.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { ToolFailure } from '../plugins/tool.result.js';
import { newId } from '../runs/run.repository.js';
import type { Queryable, Store } from '../store/store.types.js';
import { outcomeOf, type GateRequest, type ToolGate } from './tool-gate.js';

/** How often a client is told to poll a task (tasks/get), and how often tasks/result looks while it blocks. */
export const TASK_POLL_MS = 1000;
/** A task's lifetime when the client asks none: an hour (a write waiting for a person lives until its approval expires, and an hour more). */
export const DEFAULT_TASK_TTL_MS = 60 * 60_000;
/** The longest a task is kept, whatever the client asks: a week. */
export const MAX_TASK_TTL_MS = 7 * 24 * 60 * 60_000;
/** A running call's lease: renewed while it runs; a daemon sharing the store takes over one left past it. */
const LEASE_MS = 60_000;
/** The sweep for decided approvals and expired tasks: at once when this daemon decides one, else this often. */
const SWEEP_MS = 2_000;
/** Expired tasks are deleted this often (a task past its ttl is already invisible). */
const PURGE_MS = 60_000;
const PAGE = 50;

type Phase = 'awaiting_approval' | 'running' | 'done';

interface TaskRow {
  id: string;
  principal: string;
  role: string;
  tool: string;
  input: Record<string, unknown>;
  environments: Record<string, string>;
  approval_id: string | null;
  phase: Phase;
  status: Task['status'];
  status_message: string | null;
  result: CallToolResult | null;
  poll_ms: number;
  ttl_ms: string | number;
  lease_owner: string | null;
  lease_until: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface McpTasksDeps {
  store: Store;
  catalogue: PluginCatalogue;
  invoker: ToolInvoker;
  gate: ToolGate;
  logger: Logger;
  /** Who decided an approval and why (a rejection's result names them). */
  decision: (approvalId: string) => Promise<{ status: string; by?: string; comment?: string | null }>;
  /** Cancels a pending approval nobody waits for any more (its task was cancelled). */
  cancelApproval: (approvalId: string, by: string) => Promise<void>;
  /** A tool's result on the MCP wire (as an untasked call would have answered). */
  toResult: (tool: LoadedTool, result: Awaited<ReturnType<ToolInvoker['invoke']>>) => CallToolResult;
  failure: (error: ToolFailure) => CallToolResult;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * MCP tasks (protocol 2025-11-25) for Steward's tools: a client that augments tools/call with `task` gets the task at
 * once, and the call completes in the background — a read as soon as it ran, a write once a person decided its
 * approval (approved: it runs once, through the gate's exactly-once release; rejected, expired or cancelled: the task
 * fails with the result an untasked call would have had). Tasks live in Steward's store, bound to the token that made
 * them (a client that reconnects, or talks to another daemon sharing the store, finds them), and survive a restart: a
 * waiting write completes when decided; a read cut short is run again; a write cut short while running fails as
 * "may have taken effect" (the approval records that outcome), never runs twice.
 */
export class McpTasks {
  /** This daemon, as the owner of the leases it takes. */
  readonly owner = `d_${randomBytes(6).toString('hex')}`;
  private readonly changes = new EventEmitter();
  private readonly running = new Map<string, AbortController>();
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closed = false;
  private nextPurge = 0;

  constructor(private readonly deps: McpTasksDeps) {
    this.changes.setMaxListeners(0);
  }

  start(): void {
    this.sweeper = setInterval(() => this.kick(), SWEEP_MS);
    this.sweeper.unref();
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const c of this.running.values()) c.abort(new Error('the daemon is stopping'));
    await this.sweeping?.catch(() => undefined);
  }

  /** Looks for decided approvals and lapsed leases now (an approval was just decided on this daemon). */
  kick(): void {
    if (this.closed || this.sweeping) return;
    this.sweeping = this.sweep()
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'MCP task sweep failed'))
      .finally(() => (this.sweeping = undefined));
  }

  /** Calls `fn` with each task of `principal` whose status changed (for notifications/tasks/status). Returns the unsubscribe. */
  onChange(principal: string, fn: (task: Task) => void): () => void {
    const listener = (p: string, t: Task) => p === principal && fn(t);
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** A task that is already over: the call was refused before it could run (invalid input, no permission, a rejection standing). */
  async createFinished(who: Principal, call: { tool: string; input?: Record<string, unknown>; environments?: Record<string, string> }, result: CallToolResult, ttlMs: number | null | undefined): Promise<Task> {
    const row = await this.insert(who, call, { phase: 'done', status: result.isError ? 'failed' : 'completed', message: statusOf(result), result, ttlMs });
    return toTask(row);
  }

  /** A write waiting for a person: completes (runs once, or fails) when its approval is decided. */
  async createAwaiting(who: Principal, req: GateRequest, approvalId: string, message: string, ttlMs: number | null | undefined): Promise<Task> {
    const expires = (await this.deps.store.query<{ expires_at: Date | string }>(`SELECT expires_at FROM approvals WHERE id = $1`, [approvalId])).rows[0]?.expires_at;
    const floor = expires ? new Date(expires).getTime() - Date.now() + DEFAULT_TASK_TTL_MS : 0;
    const row = await this.insert(who, { tool: req.tool.id, input: req.input, environments: { ...req.environments } }, { phase: 'awaiting_approval', status: 'working', message, approvalId, ttlMs, floorMs: floor });
    this.kick();
    return toTask(row);
  }

  /** A call the gate let run: it runs now, in the background; the task completes with its result. */
  async createRunning(who: Principal, req: GateRequest, approvalId: string | undefined, ttlMs: number | null | undefined): Promise<Task> {
    const row = await this.insert(
      who,
      { tool: req.tool.id, input: req.input, environments: { ...req.environments } },
      { phase: 'running', status: 'working', message: `${req.tool.id} is running`, approvalId, ttlMs, lease: true },
    );
    void this.execute(row, req, approvalId);
    return toTask(row);
  }

  /** The SDK's task store for one principal's MCP server: tasks/get, tasks/result, tasks/list and tasks/cancel see only that principal's tasks. */
  storeFor(who: Principal): TaskStore {
    const notFound = () => new McpError(ErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');
    const get = async (taskId: string) => this.row(taskId, who.name);
    return {
      createTask: async () => {
        throw new Error('Steward creates its tasks itself (McpTasks.create*)');
      },
      getTask: async (taskId) => {
        const row = await get(taskId);
        return row ? toTask(row) : null;
      },
      storeTaskResult: async () => {
        throw new Error('Steward stores its tasks\' results itself');
      },
      getTaskResult: async (taskId) => {
        const row = await get(taskId);
        if (!row) throw notFound();
        if (row.result) return row.result as Result;
        if (row.status === 'cancelled') return this.deps.failure({ code: 'CANCELLED', message: row.status_message ?? `task ${taskId} was cancelled` }) as Result;
        throw new McpError(ErrorCode.InvalidParams, `task ${taskId} has no result yet (${row.status})`);
      },
      updateTaskStatus: async (taskId, status, statusMessage) => {
        if (status !== 'cancelled') throw new Error(`Steward's tasks change status only by themselves (asked: ${status})`);
        await this.cancel(taskId, who, statusMessage);
      },
      listTasks: async (cursor) => this.list(who.name, cursor),
    };
  }

  // ---- internals --------------------------------------------------------------------------------------------------

  private async insert(
    who: Principal,
    call: { tool: string; input?: Record<string, unknown>; environments?: Record<string, string> },
    t: { phase: Phase; status: Task['status']; message?: string; result?: CallToolResult; approvalId?: string; ttlMs: number | null | undefined; floorMs?: number; lease?: boolean },
  ): Promise<TaskRow> {
    const asked = typeof t.ttlMs === 'number' && t.ttlMs > 0 ? t.ttlMs : DEFAULT_TASK_TTL_MS;
    const ttl = Math.min(MAX_TASK_TTL_MS, Math.max(asked, t.floorMs ?? 0, 60_000));
    const r = await this.deps.store.query<TaskRow>(
      `INSERT INTO mcp_tasks (id, principal, role, tool, input, environments, approval_id, phase, status, status_message, result, poll_ms, ttl_ms, lease_owner, lease_until, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, CASE WHEN $14::text IS NULL THEN NULL ELSE now() + interval '${LEASE_MS} milliseconds' END, now() + $13::bigint * interval '1 millisecond')
       RETURNING *`,
      [
        newId('tsk'),
        who.name,
        who.role,
        call.tool,
        JSON.stringify(call.input ?? {}),
        JSON.stringify(call.environments ?? {}),
        t.approvalId ?? null,
        t.phase,
        t.status,
        t.message ?? null,
        t.result ? JSON.stringify(t.result) : null,
        TASK_POLL_MS,
        ttl,
        t.lease ? this.owner : null,
      ],
    );
    const row = r.rows[0]!;
    this.deps.logger.info({ task: row.id, tool: row.tool, by: who.name, status: row.status, approval: row.approval_id }, 'MCP task created');
    return row;
  }

  private async row(taskId: string, principal: string, db: Queryable = this.deps.store): Promise<TaskRow | undefined> {
    if (typeof taskId !== 'string' || taskId.length > 100) return undefined;
    return (await db.query<TaskRow>(`SELECT * FROM mcp_tasks WHERE id = $1 AND principal = $2 AND expires_at > now()`, [taskId, principal])).rows[0];
  }

  private async list(principal: string, cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    let after: { at: string; id: string } | undefined;
    if (cursor !== undefined) {
      try {
        const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
        if (typeof parsed.at !== 'string' || typeof parsed.id !== 'string' || Number.isNaN(Date.parse(parsed.at))) throw new Error('bad');
        after = { at: parsed.at, id: parsed.id };
      } catch {
        throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: pass the nextCursor of an earlier tasks/list');
      }
    }
    const rows = (
      await this.deps.store.query<TaskRow>(
        `SELECT * FROM mcp_tasks WHERE principal = $1 AND expires_at > now() ${after ? 'AND (created_at, id) < ($3::timestamptz, $4)' : ''}
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        after ? [principal, PAGE + 1, after.at, after.id] : [principal, PAGE + 1],
      )
    ).rows;
    const page = rows.slice(0, PAGE);
    const last = page.at(-1);
    return {
      tasks: page.map(toTask),
      ...(rows.length > PAGE && last ? { nextCursor: Buffer.from(JSON.stringify({ at: iso(last.created_at), id: last.id })).toString('base64url') } : {}),
    };
  }

  /** tasks/cancel: the task ends cancelled; a call running is aborted, an approval nobody waits for any more is cancelled. */
  private async cancel(taskId: string, who: Principal, message?: string): Promise<void> {
    const row = (
      await this.deps.store.query<TaskRow>(
        `UPDATE mcp_tasks SET status = 'cancelled', phase = 'done', status_message = $3, updated_at = now(), lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND principal = $2 AND status IN ('working', 'input_required') AND expires_at > now() RETURNING *`,
        [taskId, who.name, message ?? `cancelled by ${who.name}`],
      )
    ).rows[0];
    if (!row) {
      const current = await this.row(taskId, who.name);
      if (!current) throw new McpError(ErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');
      throw new McpError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${current.status}`);
    }
    this.deps.logger.info({ task: taskId, by: who.name, approval: row.approval_id }, 'MCP task cancelled');
    this.running.get(taskId)?.abort(new Error('the task was cancelled'));
    if (row.approval_id) await this.deps.cancelApproval(row.approval_id, who.name).catch((e: unknown) => this.deps.logger.warn({ err: e, approval: row.approval_id }, 'could not cancel the approval of a cancelled task'));
    this.changed(row);
  }

  private changed(row: TaskRow): void {
    this.changes.emit('change', row.principal, toTask(row));
  }

  /**
   * One sweep: expired tasks are deleted; each waiting write whose approval was decided is taken (leased) and run or
   * failed; each running call whose lease lapsed (its daemon died) is run again (a read) or failed as in doubt (a write).
   */
  private async sweep(): Promise<void> {
    const db = this.deps.store;
    // One cheap read when nothing is open (the embedded store runs every statement on the event loop).
    const open = await db.query<{ id: string; phase: Phase; approval_status: string | null; lapsed: boolean }>(
      `SELECT t.id, t.phase, a.status AS approval_status, (t.lease_until IS NULL OR t.lease_until < now()) AS lapsed
         FROM mcp_tasks t LEFT JOIN approvals a ON a.id = t.approval_id
        WHERE t.status IN ('working', 'input_required') AND t.expires_at > now()
          AND ((t.phase = 'awaiting_approval' AND (a.status IS NULL OR a.status <> 'pending')) OR (t.phase = 'running' AND (t.lease_until IS NULL OR t.lease_until < now())))
        LIMIT 100`,
    );
    for (const t of open.rows) {
      if (this.closed) return;
      const claimed = (
        await db.query<TaskRow>(
          `UPDATE mcp_tasks SET phase = 'running', lease_owner = $2, lease_until = now() + interval '${LEASE_MS} milliseconds', updated_at = now()
            WHERE id = $1 AND status IN ('working', 'input_required') AND phase = $3 AND ($3 = 'awaiting_approval' OR lease_until IS NULL OR lease_until < now())
          RETURNING *`,
          [t.id, this.owner, t.phase],
        )
      ).rows[0];
      if (!claimed) continue; // another daemon took it, or it was cancelled
      await this.resume(claimed, t.phase);
    }
    if (Date.now() >= this.nextPurge) {
      this.nextPurge = Date.now() + PURGE_MS;
      await db.query(`DELETE FROM mcp_tasks WHERE expires_at <= now()`);
    }
  }

  /** A claimed task: its approval was decided (awaiting_approval), or the daemon running it died (running). */
  private async resume(row: TaskRow, was: Phase): Promise<void> {
    const tool = this.deps.catalogue.get(row.tool);
    if (!tool) return this.finish(row, this.deps.failure({ code: 'TOOL_NOT_FOUND', message: `${row.tool} is no longer loaded in this daemon; the call did not run` }));
    const req: GateRequest = { tool, input: row.input, environments: row.environments, mode: 'execute', caller: { principal: { name: row.principal, role: row.role as Role }, channel: 'mcp' } };
    if (was === 'running') {
      if (tool.effect === 'read') {
        this.deps.logger.warn({ task: row.id, tool: row.tool }, 'MCP task: its daemon stopped while the read ran; running it again');
        return this.execute(row, req, undefined);
      }
      if (row.approval_id) await this.deps.gate.completed?.(req, row.approval_id, 'unknown');
      return this.finish(row, this.deps.failure({ code: 'IN_DOUBT', message: `the daemon running ${row.tool} stopped before it finished: the call may or may not have taken effect${row.approval_id ? ` (approval ${row.approval_id} records it as unknown)` : ''}; check the target before calling it again` }));
    }
    const decided = await this.deps.decision(row.approval_id!);
    if (decided.status !== 'approved') {
      const by = decided.by ? ` by ${decided.by}${decided.comment ? `: ${decided.comment}` : ''}` : '';
      return this.finish(row, this.deps.failure({ code: `APPROVAL_${decided.status.toUpperCase()}`, message: `${row.tool} did not run: approval ${row.approval_id} was ${decided.status}${by}` }));
    }
    const decision = await this.deps.gate.check({ ...req, approvalId: row.approval_id! });
    if (decision.action === 'deny') return this.finish(row, this.deps.failure({ code: decision.code, message: decision.message }));
    if (decision.action === 'pending') return this.finish(row, this.deps.failure({ code: 'APPROVAL_PENDING', message: decision.message }));
    return this.execute(row, req, decision.approvalId);
  }

  /** Runs the call under this daemon's lease (renewed while it runs), then stores its result. */
  private async execute(row: TaskRow, req: GateRequest, approvalId: string | undefined): Promise<void> {
    const abort = new AbortController();
    this.running.set(row.id, abort);
    const renew = setInterval(() => {
      void this.deps.store
        .query(`UPDATE mcp_tasks SET lease_until = now() + interval '${LEASE_MS} milliseconds' WHERE id = $1 AND lease_owner = $2 AND status = 'working'`, [row.id, this.owner])
        .catch((e: unknown) => this.deps.logger.warn({ err: e, task: row.id }, 'MCP task lease not renewed'));
    }, LEASE_MS / 3);
    renew.unref();
    try {
      await this.setMessage(row, `${req.tool.id} is running${approvalId ? ` (approved: ${approvalId})` : ''}`);
      const log = this.deps.logger.child({ component: 'mcp', channel: 'mcp', actor: row.principal, task: row.id });
      const result = await this.deps.invoker.invoke(req.tool.id, req.input, { environments: req.environments, mode: 'execute', signal: abort.signal, logger: log });
      if (approvalId) await this.deps.gate.completed?.(req, approvalId, outcomeOf(result.ok ? undefined : result.error));
      await this.finish(row, this.deps.toResult(req.tool, result));
    } catch (e) {
      this.deps.logger.error({ err: e, task: row.id }, 'MCP task failed');
      await this.finish(row, this.deps.failure({ code: 'INTERNAL', message: `${req.tool.id} failed inside Steward: ${(e as Error).message}` })).catch(() => undefined);
    } finally {
      clearInterval(renew);
      this.running.delete(row.id);
    }
  }

  private async setMessage(row: TaskRow, message: string): Promise<void> {
    const r = await this.deps.store.query<TaskRow>(`UPDATE mcp_tasks SET status_message = $2, updated_at = now() WHERE id = $1 AND status = 'working' RETURNING *`, [row.id, message]);
    if (r.rows[0]) this.changed(r.rows[0]);
  }

  /** The task's end: completed, or failed when the result is an error (MCP: a tool result with isError fails its task). A cancelled task stays cancelled. */
  private async finish(row: TaskRow, result: CallToolResult): Promise<void> {
    const status = result.isError ? 'failed' : 'completed';
    const r = await this.deps.store.query<TaskRow>(
      `UPDATE mcp_tasks SET status = $2, status_message = $3, result = $4, phase = 'done', lease_owner = NULL, lease_until = NULL, updated_at = now()
        WHERE id = $1 AND status IN ('working', 'input_required') RETURNING *`,
      [row.id, status, statusOf(result), JSON.stringify(result)],
    );
    const done = r.rows[0];
    if (!done) return; // cancelled meanwhile: it stays cancelled
    this.deps.logger.info({ task: row.id, tool: row.tool, status }, 'MCP task finished');
    this.changed(done);
  }
}

/** A failed result's `code: message`, for the task's statusMessage. */
function statusOf(result: CallToolResult): string | undefined {
  if (!result.isError) return undefined;
  const text = result.content.find((c) => c.type === 'text');
  return text && 'text' in text ? text.text.slice(0, 1000) : 'the call failed';
}

function toTask(row: TaskRow): Task {
  return {
    taskId: row.id,
    status: row.status,
    ...(row.status_message ? { statusMessage: row.status_message } : {}),
    createdAt: iso(row.created_at),
    lastUpdatedAt: iso(row.updated_at),
    ttl: Number(row.ttl_ms),
    pollInterval: row.poll_ms,
  };
}
