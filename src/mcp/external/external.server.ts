import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ProgressNotificationSchema, type CallToolResult, type Progress, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { ToolError, type ToolContext } from '../../plugins/plugin-api.js';
import type { ExternalServerState, ExternalServerStatus } from '../../plugins/plugin.types.js';
import { toOutput } from './call-result.js';
import type { ExternalServerConfig } from './external.settings.js';
import { callFailure, describe, isConnectionLost, startFailure, type FailureContext } from './server-errors.js';
import { createTransport, StderrTail, type ClientTransport } from './transport.js';

/** Delays before restarting (stdio) or reconnecting (http): initialMs doubling up to maxMs; reset after stableMs up. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  stableMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, stableMs: 60_000 };
const TERMINATE_SESSION_MS = 2_000;

export interface ExternalServerOptions {
  name: string;
  config: ExternalServerConfig;
  /** Already carrying plugin and server. */
  logger: Logger;
  /** How Steward introduces itself in initialize. */
  clientInfo: { name: string; version: string };
  backoff?: Partial<Backoff>;
}

interface Connection {
  client: Client;
  transport: ClientTransport;
  tools: Tool[];
}

/**
 * One external MCP server: connects at load, lists its tools once, calls them, restarts a stdio server whose process
 * exits and reconnects to an http server that became unreachable or lost the session (with backoff; calls meanwhile
 * fail fast with MCP_SERVER_UNAVAILABLE). A server that fails at load stays failed. Tool errors: MCP_TOOL_ERROR (the
 * remote's isError result, see call-result.ts) and those of server-errors.ts.
 */
export class ExternalServer {
  readonly name: string;
  /** The remote's tools as listed at load: the mounted set, fixed for the daemon's lifetime. */
  tools: Tool[] = [];
  /** Set by the plugin once mapped: Steward ids mounted, remote tools left out. */
  mounted: string[] = [];
  skipped: { tool: string; reason: string }[] = [];

  private state: ExternalServerState = 'connecting';
  private reason?: string;
  private restarts = 0;
  private attempt = 0;
  private live?: Connection;
  private starting?: Client;
  private connectedAt = 0;
  private timer?: NodeJS.Timeout;
  private closing = false;
  /** Why the live connection is being dropped (http), for the status. */
  private lost?: string;
  private remote?: { name: string; version: string };
  private readonly tail = new StderrTail();
  /** Progress listeners by the progressToken Steward sent (see run()). */
  private readonly progress = new Map<string, (p: Progress) => void>();
  private calls = 0;
  private readonly backoff: Backoff;
  private readonly log: Logger;

  constructor(private readonly opts: ExternalServerOptions) {
    this.name = opts.name;
    this.log = opts.logger;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  /** Connects and lists the tools; on failure the server is `failed` with the reason (never throws). */
  async start(): Promise<void> {
    try {
      const connection = await this.connect();
      this.tools = connection.tools;
      this.attach(connection);
      this.log.info({ remote: this.remote, tools: this.tools.length }, 'external MCP server connected');
    } catch (e) {
      this.state = 'failed';
      this.reason = (e as Error).message;
      this.log.error({ reason: this.reason }, 'external MCP server failed to start; its tools are not mounted');
    }
  }

  disable(reason: string): void {
    this.state = 'disabled';
    this.reason = reason;
    this.log.info({ reason }, 'external MCP server not started');
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  status(): ExternalServerStatus {
    const pid = this.live?.transport instanceof StdioClientTransport ? this.live.transport.pid : null;
    return {
      name: this.name,
      transport: this.opts.config.transport,
      status: this.state,
      ...(this.reason && { reason: this.reason }),
      restarts: this.restarts,
      tools: [...this.mounted],
      ...(this.skipped.length > 0 && { skippedTools: this.skipped.map((s) => ({ ...s })) }),
      ...(this.remote && { remote: { ...this.remote } }),
      ...(pid && { pid }),
    };
  }

  /** Calls a remote tool for a Steward tool call: the caller's signal cancels it remotely, progress flows back. */
  async run(tool: string, input: Record<string, unknown>, ctx: ToolContext): Promise<unknown> {
    const client = this.live?.client;
    if (!client) throw this.unavailable(tool);
    const { timeoutMs } = this.opts.config;
    // Steward sends its own progressToken and handles notifications/progress itself: the SDK's onprogress drops an
    // update that arrives in the same read as the result (it handles the result at once and notifications a
    // microtask later, by which time the listener is gone), so the last "100%" would often be lost.
    const token = `steward-${++this.calls}`;
    this.progress.set(token, (p) => ctx.progress({ progress: p.progress, ...(p.total !== undefined && { total: p.total }), ...(p.message !== undefined && { message: p.message }) }));
    // A signal of this call only: the SDK never removes the listener it adds, and a run's signal outlives many calls.
    const cancel = new AbortController();
    const forward = () => cancel.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', forward, { once: true });
    if (ctx.signal.aborted) forward();
    let result: CallToolResult;
    try {
      result = (await client.callTool({ name: tool, arguments: input, _meta: { progressToken: token } }, undefined, { signal: cancel.signal, timeout: timeoutMs })) as CallToolResult;
    } catch (e) {
      throw ctx.signal.aborted ? e : this.callError(e, tool);
    } finally {
      this.progress.delete(token);
      ctx.signal.removeEventListener('abort', forward);
    }
    return toOutput(result, this.name, tool);
  }

  /** Closes the connection; a stdio child gets its stdin closed, then SIGTERM, then SIGKILL (the SDK's sequence). */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const { live, starting } = this;
    this.live = undefined;
    this.starting = undefined;
    if (this.state !== 'failed' && this.state !== 'disabled') {
      this.state = 'closed';
      this.reason = undefined;
    }
    if (live?.transport instanceof StreamableHTTPClientTransport) await settleWithin(live.transport.terminateSession(), TERMINATE_SESSION_MS);
    const clients = [live?.client, starting].filter((c): c is Client => c !== undefined);
    await Promise.all(clients.map((c) => c.close().catch((e: unknown) => this.log.warn({ err: e }, 'closing external MCP server failed'))));
  }

  private async connect(): Promise<Connection> {
    this.tail.clear();
    const { connectTimeoutMs: timeout } = this.opts.config;
    const transport = createTransport(this.opts.config, this.log, this.tail);
    const client = new Client(this.opts.clientInfo, { capabilities: {} });
    client.setNotificationHandler(ProgressNotificationSchema, (n) => this.progress.get(String(n.params.progressToken))?.(n.params));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => this.log.debug({ level: n.params.level, data: n.params.data }, 'external MCP server log message'));
    const signal = AbortSignal.timeout(timeout);
    this.starting = client;
    try {
      await client.connect(transport, { signal, timeout });
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return { client, transport, tools };
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new Error(startFailure(e, signal.aborted, timeout, this.failureContext()), { cause: e });
    } finally {
      if (this.starting === client) this.starting = undefined;
    }
  }

  private attach(connection: Connection): void {
    this.live = connection;
    this.connectedAt = Date.now();
    const info = connection.client.getServerVersion();
    if (info) this.remote = { name: info.name, version: info.version };
    this.state = 'connected';
    this.reason = undefined;
    connection.client.onclose = () => this.onClosed(connection);
    connection.client.onerror = (e) => this.log.debug({ err: e }, 'external MCP server transport error');
  }

  private onClosed(connection: Connection): void {
    if (this.live !== connection) return;
    this.live = undefined;
    if (this.closing) return;
    if (Date.now() - this.connectedAt >= this.backoff.stableMs) this.attempt = 0;
    const stdio = this.opts.config.transport === 'stdio';
    this.state = 'restarting';
    this.reason = this.lost ?? (stdio ? `the process exited${this.tail.suffix()}` : 'the connection closed');
    this.lost = undefined;
    this.log.warn({ reason: this.reason }, stdio ? 'external MCP server exited' : 'external MCP server connection lost');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delayMs = Math.min(this.backoff.initialMs * 2 ** Math.min(this.attempt, 30), this.backoff.maxMs);
    this.attempt += 1;
    this.log.info({ attempt: this.attempt, delayMs }, this.opts.config.transport === 'stdio' ? 'restarting external MCP server' : 'reconnecting to external MCP server');
    this.timer = setTimeout(() => void this.restart(), delayMs);
    this.timer.unref();
  }

  private async restart(): Promise<void> {
    this.timer = undefined;
    if (this.closing) return;
    try {
      const connection = await this.connect();
      if (this.closing) return void (await connection.client.close());
      this.restarts += 1;
      this.compareTools(connection.tools);
      this.attach(connection);
      this.log.info({ restarts: this.restarts }, this.opts.config.transport === 'stdio' ? 'external MCP server restarted' : 'external MCP server reconnected');
    } catch (e) {
      if (this.closing) return;
      this.reason = `restart attempt ${this.attempt} failed: ${(e as Error).message}`;
      this.log.warn({ reason: this.reason }, 'external MCP server restart failed');
      this.scheduleRestart();
    }
  }

  private compareTools(now: Tool[]): void {
    const before = new Set(this.tools.map((t) => t.name));
    const after = new Set(now.map((t) => t.name));
    const added = [...after].filter((n) => !before.has(n));
    const removed = [...before].filter((n) => !after.has(n));
    if (added.length > 0 || removed.length > 0) {
      this.log.warn({ added, removed }, 'the restarted external MCP server offers different tools; the mounted tools stay as loaded until Steward restarts');
    }
  }

  private unavailable(tool: string): ToolError {
    const why = this.reason ? `: ${this.reason}` : '';
    return new ToolError('MCP_SERVER_UNAVAILABLE', `external MCP server "${this.name}" is ${this.state}${why}`, { server: this.name, tool, status: this.state });
  }

  private callError(e: unknown, tool: string): unknown {
    if (ToolError.is(e)) return e;
    if (this.closing) return this.unavailable(tool);
    // An http server that went away or forgot the session: drop the connection; onClosed reconnects with backoff.
    if (this.opts.config.transport === 'http' && isConnectionLost(e) && this.live) {
      this.lost = `the connection was lost: ${describe(e)}`;
      void this.live.client.close().catch(() => undefined);
    }
    return callFailure(e, tool, this.failureContext());
  }

  private failureContext(): FailureContext {
    return { server: this.name, config: this.opts.config, stderr: this.tail.suffix() };
  }
}

async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
