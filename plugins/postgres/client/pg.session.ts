import pg from 'pg';
import type { PluginLogger } from '../../../src/plugins/plugin-api.js';
import { whereOf, type PgTarget } from './pg.config.js';
import { toToolError } from './pg.errors.js';

// Dates, times and intervals stay the server's text (no time-zone shift, JSON as it is); arrays of them text arrays.
const TEXT_ARRAY = pg.types.getTypeParser(1009 as never) as (v: string) => string[];
const AS_TEXT = new Set([1082, 1083, 1114, 1184, 1186, 1266]);
const AS_TEXT_ARRAY = new Set([1182, 1183, 1115, 1185, 1187, 1270]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (AS_TEXT.has(oid)) return (v: string) => v;
    if (AS_TEXT_ARRAY.has(oid)) return TEXT_ARRAY;
    return pg.types.getTypeParser(oid as never, format);
  }) as typeof pg.types.getTypeParser,
};

/** How to open one connection to the target (the pool's, and the one a cancel request goes through). */
export function connectionConfig(t: PgTarget): pg.ClientConfig {
  return {
    host: t.host,
    port: t.port,
    database: t.database,
    ...(t.user !== undefined && { user: t.user }),
    ...(t.password !== undefined && { password: t.password }),
    ssl: t.ssl === 'disable' ? false : { rejectUnauthorized: t.ssl === 'verify-full', ...(t.ca && { ca: t.ca }), servername: t.host },
    connectionTimeoutMillis: t.connectTimeoutMs,
    application_name: 'steward',
    types,
  };
}

/** One pool per environment, replaced when the environment's settings change (a config reload). */
export class PgPools {
  private readonly pools = new Map<string, { fingerprint: string; pool: pg.Pool }>();

  constructor(private readonly logger: PluginLogger) {}

  poolFor(t: PgTarget): pg.Pool {
    const known = this.pools.get(t.environment);
    if (known?.fingerprint === t.fingerprint) return known.pool;
    if (known) void known.pool.end().catch(() => undefined);
    const pool = new pg.Pool({
      ...connectionConfig(t),
      max: t.poolMax,
      idleTimeoutMillis: 30_000,
      // A client-side bound beside the server's statement timeout: a server that stops answering still ends the call.
      query_timeout: t.statementTimeoutMs + 10_000,
    });
    // An idle connection the server drops must not take the daemon down; the next call opens a new one.
    pool.on('error', (err) => this.logger.warn({ environment: t.environment, where: whereOf(t), code: (err as { code?: string }).code }, 'postgres: an idle connection failed'));
    this.pools.set(t.environment, { fingerprint: t.fingerprint, pool });
    return pool;
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.pool.end().catch(() => undefined)));
  }
}

/** A READ ONLY transaction on one connection: every statement bounded by the environment's statement timeout. */
export interface ReadSession {
  readonly target: PgTarget;
  /** Runs one statement; any failure becomes a ToolError (PG_*), `what` naming it in the message. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], what?: string): Promise<pg.QueryResult<R>>;
  /** The same, rows as arrays (duplicate column names kept). */
  arrays(sql: string, params?: unknown[], what?: string): Promise<pg.QueryArrayResult<unknown[]>>;
}

export interface ReadOptions {
  /** Reset the session after the transaction (DISCARD ALL): for SQL written by a caller, whatever it left behind. */
  discard?: boolean;
}

/**
 * Runs `fn` inside `BEGIN TRANSACTION READ ONLY` + `SET LOCAL statement_timeout`, then rolls back: nothing a read
 * tool sends can change the database, even through a function with side effects. Cancelling (`signal`) sends the
 * server a cancel request for the running statement.
 */
export async function withReadOnly<T>(pools: PgPools, t: PgTarget, signal: AbortSignal, fn: (s: ReadSession) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pools.poolFor(t).connect();
  } catch (e) {
    throw toToolError(e, t, 'connecting');
  }
  let broken = false;
  // While checked out the pool does not listen for the connection's errors: a server that drops it must not crash us.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  let killTimer: NodeJS.Timeout | undefined;
  const cancel = () => {
    // A cancel request on a connection of its own stops the running statement on the server (closing the socket
    // would not: the server notices only when it next writes). If that does not end it soon, drop the connection.
    const active = (client as unknown as { activeQuery?: unknown }).activeQuery;
    if (active) {
      const canceller = new pg.Client(connectionConfig(t)) as unknown as { connection: NodeJS.EventEmitter; cancel(c: unknown, q: unknown): void };
      canceller.connection.on('error', () => undefined);
      canceller.cancel(client, active);
    }
    killTimer = setTimeout(() => {
      broken = true;
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }, 5000);
    killTimer.unref();
  };
  signal.addEventListener('abort', cancel, { once: true });
  const run = async <R,>(q: () => Promise<R>, what?: string): Promise<R> => {
    try {
      return await q();
    } catch (e) {
      if (!/^[0-9A-Z]{5}$/.test(String((e as { code?: unknown }).code ?? ''))) broken = true;
      throw toToolError(e, t, what);
    }
  };
  const session: ReadSession = {
    target: t,
    query: (sql, params, what) => run(() => client.query(sql, params), what),
    arrays: (sql, params, what) => run(() => client.query({ text: sql, values: params, rowMode: 'array' }), what),
  };
  try {
    await session.query('BEGIN TRANSACTION READ ONLY', [], 'starting a read-only transaction');
    await session.query(`SET LOCAL statement_timeout = ${Math.trunc(t.statementTimeoutMs)}`, [], 'setting the statement timeout');
    return await fn(session);
  } finally {
    signal.removeEventListener('abort', cancel);
    clearTimeout(killTimer);
    if (!broken) {
      try {
        await client.query('ROLLBACK');
        if (opts.discard) await client.query('DISCARD ALL');
      } catch {
        broken = true;
      }
    }
    client.removeListener('error', onError);
    client.release(broken);
  }
}
