import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { AuthedRequest } from '../auth/auth.guard.js';
import type { Principal } from '../auth/roles.js';
import { BoundedEventStore } from './event-store.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  principal: Principal;
  lastSeen: number;
  /** Order of last use (a counter: two uses within one millisecond still have an order). */
  used: number;
  /** Requests in flight and streams open on this session: a session with none is idle. */
  active: number;
}

export interface McpSessionOptions {
  createServer: (principal: Principal) => Server;
  logger: Logger;
  /** Sessions in all (default 1000). */
  maxSessions?: number;
  /** Sessions one token may hold (default 32): its oldest idle one is reclaimed for a new one. */
  maxSessionsPerToken?: number;
  /** A session with no request or stream for this long is closed (default 10 minutes). */
  idleTimeoutMs?: number;
}

export const MCP_SESSION_DEFAULTS = { maxSessions: 1000, maxSessionsPerToken: 32, idleTimeoutMs: 10 * 60_000 } as const;

const rpcError = (res: Response, status: number, code: number, message: string) =>
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * Streamable HTTP sessions at /mcp: one MCP server per session, bound to the token that opened it (another token
 * cannot use it), resumable SSE, idle sessions reaped. Caps: per token and in all. Most clients never close their
 * sessions, so a new session past a cap reclaims an idle one (no request in flight, no stream open) instead of
 * being refused: the oldest idle session of the same token first, then (past the overall cap) the oldest idle one
 * of any token. Only when every session concerned is busy is the new one refused (503).
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly reaper: NodeJS.Timeout;
  private readonly maxSessions: number;
  private readonly maxPerToken: number;
  private readonly idleTimeoutMs: number;
  private uses = 0;

  constructor(private readonly opts: McpSessionOptions) {
    this.maxSessions = opts.maxSessions ?? MCP_SESSION_DEFAULTS.maxSessions;
    this.maxPerToken = opts.maxSessionsPerToken ?? MCP_SESSION_DEFAULTS.maxSessionsPerToken;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? MCP_SESSION_DEFAULTS.idleTimeoutMs;
    this.reaper = setInterval(() => this.reap(), Math.max(1000, Math.min(60_000, this.idleTimeoutMs / 2))).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: AuthedRequest, res: Response): Promise<void> {
    const principal = req.principal!;
    const header = req.headers['mcp-session-id'];
    const id = typeof header === 'string' ? header : undefined;
    if (id !== undefined) {
      const session = this.sessions.get(id);
      // A session opened by another token is reported exactly like an unknown one.
      if (!session || session.principal.name !== principal.name) return void rpcError(res, 404, -32001, 'Session not found');
      this.touch(session);
      session.active++;
      res.once('close', () => {
        session.active--;
        this.touch(session);
      });
      return session.transport.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return void rpcError(res, 400, -32000, 'Bad Request: no valid session ID provided (send initialize first, then Mcp-Session-Id)');
    }
    const refusal = this.makeRoom(principal);
    if (refusal) return void rpcError(res, 503, -32000, refusal);
    const server = this.opts.createServer(principal);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new BoundedEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (sid) => {
        this.sessions.set(sid, { transport, server, principal, lastSeen: Date.now(), used: ++this.uses, active: 0 });
        this.opts.logger.debug({ session: sid, actor: principal.name }, 'mcp session opened');
      },
      onsessionclosed: (sid) => this.drop(sid),
    });
    transport.onclose = () => transport.sessionId && this.drop(transport.sessionId);
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.reaper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }

  private touch(s: Session): void {
    s.lastSeen = Date.now();
    s.used = ++this.uses;
  }

  private drop(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    void s.server.close().catch(() => undefined);
    this.opts.logger.debug({ session: id, actor: s.principal.name }, 'mcp session closed');
  }

  private reap(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, s] of this.sessions) if (s.active === 0 && s.lastSeen < cutoff) this.drop(id);
  }

  /** Frees a slot for a new session of `principal` when a cap is reached; a message when none can be freed. */
  private makeRoom(principal: Principal): string | undefined {
    const mine = [...this.sessions].filter(([, s]) => s.principal.name === principal.name);
    if (mine.length >= this.maxPerToken) {
      if (!this.reclaimOldestIdle(mine, 'per-token cap')) {
        return `token "${principal.name}" has ${mine.length} MCP sessions open (the most per token), all busy; close one (DELETE /mcp) and retry`;
      }
    }
    if (this.sessions.size >= this.maxSessions) {
      const reclaimed = this.reclaimOldestIdle(mine, 'overall cap') || this.reclaimOldestIdle([...this.sessions], 'overall cap');
      if (!reclaimed) return `too many MCP sessions (${this.maxSessions}), all busy; close idle ones (DELETE /mcp) and retry`;
    }
    return undefined;
  }

  private reclaimOldestIdle(candidates: [string, Session][], why: string): boolean {
    let oldest: [string, Session] | undefined;
    for (const c of candidates) if (c[1].active === 0 && (!oldest || c[1].used < oldest[1].used)) oldest = c;
    if (!oldest) return false;
    this.opts.logger.info({ session: oldest[0], actor: oldest[1].principal.name, idleMs: Date.now() - oldest[1].lastSeen }, `mcp session reclaimed (${why})`);
    this.drop(oldest[0]);
    return true;
  }
}
