import pg from 'pg';
import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import type { StoreConnectConfig } from '../config/config.types.js';
import type { Queryable, QueryResult, Store } from './store.types.js';

export interface PostgresStoreOptions {
  poolSize: number;
  connect: StoreConnectConfig;
  logger: Logger;
  /** Waits between connection attempts; tests inject a recorder. */
  sleep?: (ms: number) => Promise<void>;
}

const INT8_OID = 20;

/**
 * int8 (bigint, count(*)) as PGlite returns it: a number when it is a safe integer, a BigInt beyond. node-postgres
 * alone would return a string, and the same SQL would give different types on the two backends.
 */
function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Store over a node-postgres pool: the path to a shared PostgreSQL server and several daemon replicas. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private closing?: Promise<void>;

  private constructor(
    /** The URL with its password replaced by `***`. */
    readonly location: string,
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly scrub: (text: string) => string,
  ) {}

  /**
   * Creates the pool and proves a connection works, retrying with exponential backoff: `connect.retries` more
   * attempts after the first, waiting initialDelayMs, doubling up to maxDelayMs. Each failure is logged at warn.
   * @throws StewardError STORE_UNAVAILABLE after the last attempt (the message names the URL without its password).
   */
  static async open(url: string, opts: PostgresStoreOptions): Promise<PostgresStore> {
    const location = redactUrl(url);
    const scrub = secretScrubber(url);
    const { retries, initialDelayMs, maxDelayMs, timeoutMs } = opts.connect;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'steward',
      types: typeParsers,
    });
    // An idle client whose connection dies (server restart, network, pg_terminate_backend) emits here; without a
    // listener that would be an uncaught 'error' event and end the process. The pool drops the client by itself.
    pool.on('error', (err) => {
      opts.logger.error(
        { store: location, err: scrub(err.message), code: (err as { code?: string }).code },
        'PostgreSQL connection lost (idle client); the pool will open a new one',
      );
    });
    const store = new PostgresStore(location, pool, opts.logger, scrub);

    const attempts = Math.max(0, Math.floor(retries)) + 1;
    let delay = Math.max(0, initialDelayMs);
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await store.checkConnection();
        if (attempt > 1) opts.logger.info({ store: location, attempt }, 'connected to PostgreSQL');
        return store;
      } catch (e) {
        lastError = scrub(describeError(e));
        const last = attempt === attempts;
        opts.logger.warn(
          { store: location, attempt, attempts, err: lastError, ...(last ? {} : { retryInMs: delay }) },
          last ? 'cannot connect to PostgreSQL, giving up' : 'cannot connect to PostgreSQL, retrying',
        );
        if (!last) {
          await sleep(delay);
          delay = Math.min(delay * 2, Math.max(maxDelayMs, initialDelayMs));
        }
      }
    }
    await pool.end().catch(() => undefined);
    throw new StewardError(
      'STORE_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${location} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError}`,
    );
  }

  private async checkConnection(): Promise<void> {
    const client = await this.pool.connect();
    let failed: unknown;
    try {
      await client.query('SELECT 1');
    } catch (e) {
      failed = e;
      throw e;
    } finally {
      client.release(failed !== undefined);
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return toQueryResult<T>(await this.pool.query(sql, params === undefined || params.length === 0 ? undefined : params));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // A checked-out client has no pool listener: an error on its socket mid-transaction must not crash the process.
    const onError = (err: Error) => {
      broken = true;
      this.logger.error({ store: this.location, err: this.scrub(err.message) }, 'PostgreSQL connection lost in a transaction');
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R = Record<string, unknown>>(sql: string, params?: unknown[]) =>
          toQueryResult<R>(await client.query(sql, params === undefined || params.length === 0 ? undefined : params)),
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Pool connections, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (e) {
      throw new StewardError('STORE_UNAVAILABLE', `store ${this.location} did not answer: ${this.scrub(describeError(e))}`, {
        cause: e,
      });
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end().catch((e: unknown) => {
      this.logger.warn({ store: this.location, err: this.scrub(describeError(e)) }, 'error while closing the PostgreSQL pool');
    });
    return this.closing;
  }
}

/** node-postgres answers a multi-statement simple query with one result per statement: keep the last, as PGlite does. */
function toQueryResult<T>(r: pg.QueryResult | pg.QueryResult[]): QueryResult<T> {
  const last = Array.isArray(r) ? r[r.length - 1] : r;
  if (!last) return { rows: [], rowCount: 0 };
  return { rows: last.rows as T[], rowCount: last.rowCount ?? 0 };
}

/**
 * An error's message. Duck-typed: errors from Node's core modules can come from another realm (e.g. under jest's vm),
 * where `instanceof Error` is false. Connection failures to several addresses (localhost → ::1 and 127.0.0.1) arrive
 * as an AggregateError whose own message is empty.
 */
export function describeError(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const { message, errors, code, name } = e as { message?: unknown; errors?: unknown; code?: unknown; name?: unknown };
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((inner) => describeError(inner)).join('; ');
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : String(e);
}

/** The connection URL safe to log: its password (in the userinfo or a `password` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not a WHATWG URL (should not pass config validation): blank anything between "user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
  }
}

/** Replaces every form of the URL's password (raw and percent-decoded) in a text with `***`. */
export function secretScrubber(url: string): (text: string) => string {
  const secrets = new Set<string>();
  try {
    const u = new URL(url);
    for (const p of [u.password, u.searchParams.get('password') ?? '']) {
      if (!p) continue;
      secrets.add(p);
      try {
        secrets.add(decodeURIComponent(p));
      } catch {
        // keep the raw form only
      }
    }
  } catch {
    const m = /\/\/[^:/@]*:([^@]*)@/.exec(url);
    if (m?.[1]) secrets.add(m[1]);
  }
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => list.reduce((acc, s) => acc.split(s).join('***'), text);
}
