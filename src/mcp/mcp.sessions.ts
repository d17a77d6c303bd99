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
}

export interface McpSessionOptions {
  createServer: (principal: Principal) => Server;
  logger: Logger;
  maxSessions?: number;
  idleTimeoutMs?: number;
}

const rpcError = (res: Response, status: number, code: number, message: string) =>
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * Streamable HTTP sessions at /mcp: one MCP server per session, bound to the token that opened it (another token
 * cannot use it), resumable SSE, idle sessions reaped, a cap on how many exist.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly reaper: NodeJS.Timeout;
  private readonly maxSessions: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly opts: McpSessionOptions) {
    this.maxSessions = opts.maxSessions ?? 1000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30 * 60_000;
    this.reaper = setInterval(() => this.reap(), Math.min(60_000, this.idleTimeoutMs)).unref();
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
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return void rpcError(res, 400, -32000, 'Bad Request: no valid session ID provided (send initialize first, then Mcp-Session-Id)');
    }
    if (this.sessions.size >= this.maxSessions) {
      return void rpcError(res, 503, -32000, `too many MCP sessions (${this.maxSessions}); close idle ones (DELETE /mcp) and retry`);
    }
    const server = this.opts.createServer(principal);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new BoundedEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (sid) => {
        this.sessions.set(sid, { transport, server, principal, lastSeen: Date.now() });
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

  private drop(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    void s.server.close().catch(() => undefined);
    this.opts.logger.debug({ session: id, actor: s.principal.name }, 'mcp session closed');
  }

  private reap(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) this.drop(id);
  }
}
