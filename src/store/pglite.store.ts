import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import { extractTemplate, isEmptyDataDir } from './pglite-template.js';
import { PgliteWire, type WireResult } from './pglite-wire.js';
import type { Queryable, QueryResult, Store } from './store.types.js';

/** Name of the lock file that keeps a second Steward process (or a second store in this one) off a data directory. */
export const LOCK_FILE = 'steward.lock';

/** A lock file with no readable pid younger than this is taken to be mid-creation by its owner, not stale. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

export interface PgliteStoreOptions {
  /** Relative paths resolve against this directory. */
  baseDir: string;
  logger: Logger;
}

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, its data directory on local disk. One connection per
 * process: statements go to it over the wire protocol (PgliteWire), one at a time, a transaction holding the
 * connection from BEGIN to COMMIT. Never share a data directory between processes: the
 * `steward.lock` file taken here refuses the second one.
 */
export class PgliteStore implements Store {
  readonly kind = 'pglite' as const;
  private closing?: Promise<void>;
  private closed = false;
  /** Statements go to PGlite's backend through this, one at a time (PGlite has a single connection). */
  private readonly wire: PgliteWire;
  /** Serialises queries and transactions: a transaction holds it from BEGIN to COMMIT/ROLLBACK. */
  private readonly lock = new FifoLock();
  /** Set inside transaction callbacks, to spot store.query() calls there (they wait for the transaction: deadlock). */
  private readonly inTransaction = new AsyncLocalStorage<true>();

  private constructor(
    /** Absolute path of the data directory. */
    readonly location: string,
    private readonly db: PGlite,
    private readonly dirLock: DirLock,
    private readonly logger: Logger,
  ) {
    this.wire = new PgliteWire(db);
  }

  /**
   * Creates the directory when missing, proves it writable, takes the lock and starts PGlite (running initdb on an
   * empty directory).
   * @throws StewardError STORE_NOT_WRITABLE, STORE_LOCKED, or STORE_UNAVAILABLE when PGlite itself fails to start.
   */
  static async open(dataPath: string, opts: PgliteStoreOptions): Promise<PgliteStore> {
    const dir = path.resolve(opts.baseDir, dataPath);
    ensureWritableDir(dir);
    const lock = await acquireDirLock(dir, opts.logger);
    // The embedded server's own log (stderr): PGlite's startup error is only "failed to initialize properly", the
    // reason (FATAL/DETAIL lines) is here. Kept for the error message, then passed on at trace level.
    const serverLog: string[] = [];
    const onStderr = (line: string): boolean => {
      serverLog.push(line);
      if (serverLog.length > 50) serverLog.shift();
      opts.logger.trace({ store: dir, pglite: line }, 'embedded postgres log');
      return false;
    };
    let db: PGlite | undefined;
    try {
      // PostgreSQL-in-WebAssembly on V8's baseline compiler only: optimising it too (the default tier-up) keeps a second
      // copy of the hot code, ~55 MB of RSS, for ~10% more runs/s (bench/runs: 131 vs 145 runs/s over HTTP; 220 vs
      // 280 MB at start). Set before PGlite compiles its module; only WebAssembly is affected (PGlite is the only one).
      setFlagsFromString('--liftoff-only');
      // An empty directory starts from the template (else PGlite runs initdb on it).
      if (isEmptyDataDir(dir)) extractTemplate(dir);
      // 8 MB of shared buffers instead of 128: they live in WebAssembly memory (PGlite touches all of them at start,
      // so each MB is a MB of RSS), and Steward's working set is small (16 MB measured no faster in bench/runs).
      db = new PGlite(dir, { onStderr, postgresqlconf: ['shared_buffers=8MB'] });
      await db.waitReady;
    } catch (e) {
      await db?.close().catch(() => undefined);
      lock.release();
      const reasons = serverLog
        .map((l) => /\b(PANIC|FATAL|ERROR|DETAIL|HINT):\s+(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]}: ${m[2].trim()}`);
      throw new StewardError(
        'STORE_UNAVAILABLE',
        `cannot start the embedded database in ${dir}: ${[errorMessage(e), ...reasons].join('; ')}`,
        { cause: e },
      );
    }
    return new PgliteStore(dir, db, lock, opts.logger);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    this.warnIfInTransaction('query');
    // Free: run now (the statement itself is synchronous). Else after the transaction or queries ahead of it.
    if (!this.lock.held) {
      this.lock.held = true;
      try {
        return Promise.resolve(this.run<T>(sql, params));
      } catch (e) {
        return Promise.reject(e as Error);
      } finally {
        this.lock.release();
      }
    }
    return this.lock.with(async () => this.run<T>(sql, params));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.warnIfInTransaction('transaction');
    return this.lock.with(async () => {
      this.run('BEGIN');
      let open = true;
      const tx: Queryable = {
        query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => {
          try {
            if (!open) throw new Error('Transaction is closed');
            return Promise.resolve(this.run<R>(sql, params));
          } catch (e) {
            return Promise.reject(e as Error);
          }
        },
      };
      let result: T;
      try {
        result = await this.inTransaction.run(true, () => fn(tx));
      } catch (e) {
        open = false;
        try {
          this.run('ROLLBACK');
        } catch (rollbackError) {
          this.logger.warn({ store: this.location, err: errorMessage(rollbackError) }, 'ROLLBACK failed');
        }
        throw e;
      }
      open = false;
      // COMMIT of a transaction a statement failed in rolls back: that throws (TransactionAbortedError).
      this.wire.commit();
      return result;
    });
  }

  /** One statement on the wire, or the error when the store was closed. */
  private run<T>(sql: string, params?: unknown[]): QueryResult<T> {
    if (this.closed) throw new StewardError('STORE_UNAVAILABLE', `store ${this.location} is closed`);
    return toQueryResult(this.wire.query<T>(sql, params));
  }

  /**
   * PGlite has one connection: a store.query()/transaction() issued from inside a transaction callback queues behind
   * that transaction, so awaiting it there never returns. (On PostgreSQL it would run on another connection, outside
   * the transaction: also a bug.) Not thrown, since work merely started there and not awaited is legitimate.
   */
  private warnIfInTransaction(method: string): void {
    if (this.inTransaction.getStore() === undefined) return;
    this.logger.warn(
      { store: this.location, stack: new Error('called from').stack },
      `store.${method}() called inside store.transaction(): use the transaction's tx; awaiting this there deadlocks on PGlite`,
    );
  }

  async ping(): Promise<void> {
    try {
      await this.query('SELECT 1');
    } catch (e) {
      throw new StewardError('STORE_UNAVAILABLE', `store ${this.location} did not answer: ${errorMessage(e)}`, {
        cause: e,
      });
    }
  }

  close(): Promise<void> {
    // After the transaction or queries in progress, like PGlite's own close; later ones fail.
    this.closing ??= this.lock.with(async () => {
      this.closed = true;
      try {
        await this.db.close();
      } catch (e) {
        this.logger.warn({ store: this.location, err: errorMessage(e) }, 'error while closing the embedded database');
      } finally {
        this.dirLock.release();
      }
    });
    return this.closing;
  }
}

function toQueryResult<T>(r: WireResult<T> | undefined): QueryResult<T> {
  if (!r) return { rows: [], rowCount: 0 };
  return { rows: r.rows, rowCount: r.rowCount ?? r.affectedRows ?? 0 };
}

/** Duck-typed: errors from Node's core modules may come from another realm (jest's vm), failing `instanceof Error`. */
function errorMessage(e: unknown): string {
  const message = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(e);
}

/** mkdir -p, then write and remove a probe file: the one test of writability that holds for root, ACLs, RO mounts. */
function ensureWritableDir(dir: string): void {
  try {
    makeDirs(dir);
    const probe = path.join(dir, `.steward-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.writeFileSync(probe, 'probe');
    fs.rmSync(probe);
  } catch (e) {
    throw new StewardError('STORE_NOT_WRITABLE', `store.path ${dir} is not writable: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * mkdir -p, one level at a time from the nearest existing ancestor. Node's own `mkdirSync(dir, { recursive: true })`
 * never returns where a parent exists but refuses children with ENOENT (anything under /proc): it retries forever
 * at full CPU. Here that is an error naming the directory.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a directory`);
}

/** A mutex granting in call order. `held` may be taken synchronously when free (then release() it). */
class FifoLock {
  held = false;
  private readonly waiting: (() => void)[] = [];

  async with<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held = true;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Hands the lock to the next waiter, if any, else frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

interface DirLock {
  readonly file: string;
  release(): void;
}

/** What a lock file says about its holder. Written as one JSON line; a bare pid is the format before 0.2. */
interface LockOwner {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id: the same host name after a reboot is another boot. */
  boot?: string;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22): a reused pid has another. */
  started?: string;
}

interface LockHolder {
  owner?: LockOwner;
  /** A bare pid (the older format). */
  legacyPid?: number;
  raw: string;
  /** Last heartbeat (or creation, for a holder that does not beat). */
  mtimeMs: number;
  /** When the lock file was created (falls back to mtime where the file system keeps no birth time). */
  birthMs: number;
}

/** The holder refreshes its lock file's mtime this often... */
const LOCK_HEARTBEAT_MS = 10_000;
/** ...so a lock held from another host (a shared volume) whose mtime is older than this is taken over. */
export const LOCK_STALE_AFTER_MS = 60_000;
/**
 * Directories this process holds, with their release: a second store on one of them would corrupt it, whatever the
 * pid says; and at exit every lock still held is removed (one 'exit' listener for all of them).
 */
const heldHere = new Map<string, () => void>();
let exitHook = false;

/**
 * Takes `<dir>/steward.lock` with an exclusive create, recording who holds it: host, boot, pid and the process's
 * start time. A lock is honoured only while its holder provably lives: on this host, the pid exists with the same
 * start time (a restarted container reusing pid 1 does not count); from another host, its heartbeat (the file's
 * mtime, refreshed every 10 s) is younger than LOCK_STALE_AFTER_MS. Anything else is stale and replaced, with a
 * warning. Released on close, and on process exit when close never ran (e.g. the shutdown timed out).
 *
 * A lock from another host (a recreated container gets a new host name) is watched rather than refused at once: a
 * live holder's heartbeat moves within LOCK_HEARTBEAT_MS, and that start is refused; a dead one's stays still, and the
 * start waits until the lock is stale and takes it instead of failing.
 */
async function acquireDirLock(dir: string, logger: Logger): Promise<DirLock> {
  const file = path.join(dir, LOCK_FILE);
  const me = lockOwner(process.pid);
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldHere.has(dir)) {
      throw new StewardError('STORE_LOCKED', `store.path ${dir} is in use by another Steward process (pid ${process.pid})`);
    }
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      try {
        fs.writeSync(fd, content);
      } finally {
        fs.closeSync(fd);
      }
      return holdLock(dir, file, content);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StewardError('STORE_NOT_WRITABLE', `store.path ${dir} is not writable: ${errorMessage(e)}`, {
          cause: e,
        });
      }
    }
    const holder = readLock(file);
    if (!holder) continue; // removed meanwhile: try again
    const held = lockHeld(holder, me);
    const elsewhere = held !== undefined && holder.owner !== undefined && holder.owner.host !== me.host;
    if (held && (!elsewhere || (await heartbeatMoves(file, holder, dir, logger)))) {
      throw new StewardError('STORE_LOCKED', `store.path ${dir} is in use by another Steward process (${held})`);
    }
    // Stale: remove it unless it changed under us (another starter replaced it first), then try again.
    const again = readLock(file);
    if (again && again.raw === holder.raw) {
      logger.warn(
        { store: dir, stalePid: holder.owner?.pid ?? holder.legacyPid ?? null, staleHost: holder.owner?.host ?? null },
        'replacing a stale store lock left by a process that is gone',
      );
      fs.rmSync(file, { force: true });
    }
  }
  throw new StewardError('STORE_LOCKED', `store.path ${dir} is in use by another Steward process (pid unknown)`);
}

/** How often a lock from another host is looked at while its heartbeat is watched. */
const LOCK_WATCH_POLL_MS = 1000;

/**
 * Watches a lock held from another host until its heartbeat moves (true: the holder lives) or it has been still for
 * LOCK_STALE_AFTER_MS (false: stale, as is a lock removed meanwhile).
 */
async function heartbeatMoves(file: string, holder: LockHolder, dir: string, logger: Logger): Promise<boolean> {
  const staleAt = holder.mtimeMs + LOCK_STALE_AFTER_MS;
  logger.warn(
    { store: dir, pid: holder.owner?.pid, host: holder.owner?.host, waitMs: Math.max(0, Math.round(staleAt - Date.now())) },
    'the store lock is held from another host: watching its heartbeat (a live holder refuses this start, a silent one is replaced once stale)',
  );
  while (Date.now() < staleAt) {
    await new Promise((r) => setTimeout(r, LOCK_WATCH_POLL_MS));
    const now = readLock(file);
    if (!now) return false;
    if (now.raw !== holder.raw || now.mtimeMs !== holder.mtimeMs) return true;
  }
  return false;
}

/** The lock is ours: heartbeat, and release on close or at process exit. */
function holdLock(dir: string, file: string, content: string): DirLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      /* gone or unwritable: the next start decides */
    }
  }, LOCK_HEARTBEAT_MS).unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    heldHere.delete(dir);
    // Remove only a lock that is still ours.
    const holder = readLock(file);
    if (holder?.raw === content) fs.rmSync(file, { force: true });
  };
  heldHere.set(dir, release);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const r of [...heldHere.values()]) r();
    });
  }
  return { file, release };
}

/** Why the lock is held (for the error), or undefined when it is stale. */
function lockHeld(holder: LockHolder, me: LockOwner): string | undefined {
  const age = Date.now() - holder.mtimeMs;
  const o = holder.owner;
  if (o) {
    if (o.host !== me.host) {
      return age < LOCK_STALE_AFTER_MS ? `pid ${o.pid} on host ${o.host}, alive ${Math.round(age / 1000)} s ago; taken over after ${LOCK_STALE_AFTER_MS / 1000} s of silence` : undefined;
    }
    if (o.boot && me.boot && o.boot !== me.boot) return undefined; // this host rebooted since
    if (o.pid === process.pid || !isAlive(o.pid)) return undefined;
    const started = processStart(o.pid);
    if (o.started && started && o.started !== started) return undefined; // the pid was reused
    if (!o.started && startedAfter(o.pid, holder.birthMs)) return undefined; // no start time recorded: the same test as below
    return `pid ${o.pid}`;
  }
  if (holder.legacyPid !== undefined) {
    const pid = holder.legacyPid;
    // The older format names only a pid: honoured when that is another live Node process that was already running when
    // the lock was written (a container's pid 1 after a restart started after it).
    return pid !== process.pid && isAlive(pid) && !startedAfter(pid, holder.birthMs) && looksLikeNode(pid) ? `pid ${pid}` : undefined;
  }
  // Unreadable: taken to be mid-creation by its owner while young.
  return age < UNREADABLE_LOCK_GRACE_MS ? 'pid unknown' : undefined;
}

function lockOwner(pid: number): LockOwner {
  const boot = readText('/proc/sys/kernel/random/boot_id');
  const started = processStart(pid);
  return { pid, host: os.hostname(), ...(boot && { boot }), ...(started && { started }) };
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces), or undefined off Linux. */
function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/**
 * Whether `pid` started after `whenMs` (so it cannot have written a lock dated then), from its start in clock ticks
 * since boot (/proc/<pid>/stat) and the boot time (/proc/stat btime, whole seconds: a 2 s margin). false off Linux.
 */
function startedAfter(pid: number, whenMs: number): boolean {
  const ticks = Number(processStart(pid));
  const btime = Number(/^btime (\d+)$/m.exec(readText('/proc/stat') ?? '')?.[1]);
  if (!Number.isFinite(ticks) || !Number.isFinite(btime) || btime <= 0) return false;
  return btime * 1000 + (ticks * 1000) / CLOCK_TICKS_PER_S > whenMs + 2000;
}

/** USER_HZ: 100 on every Linux architecture Node runs on (sysconf(_SC_CLK_TCK) is not reachable from JavaScript). */
const CLOCK_TICKS_PER_S = 100;

/** Where /proc says what a pid runs: true unless it clearly is not node (no /proc: assume it is). */
function looksLikeNode(pid: number): boolean {
  const cmd = readText(`/proc/${pid}/cmdline`);
  if (cmd === undefined) return true;
  return /(^|[/\0])(node|nodejs|steward)(\0|$)|steward|main\.js/.test(cmd);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readLock(file: string): LockHolder | undefined {
  try {
    const raw = fs.readFileSync(file, 'utf8');
    const stat = fs.statSync(file);
    const times = { mtimeMs: stat.mtimeMs, birthMs: stat.birthtimeMs > 0 ? Math.min(stat.birthtimeMs, stat.mtimeMs) : stat.mtimeMs };
    const trimmed = raw.trim();
    if (/^\d+$/.test(trimmed)) {
      const pid = Number(trimmed);
      return { raw, ...times, ...(pid > 0 && Number.isSafeInteger(pid) && { legacyPid: pid }) };
    }
    return { raw, ...times, owner: parseOwner(trimmed) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && Number.isSafeInteger(o.pid) && o.pid > 0 && typeof o.host === 'string') {
      return { pid: o.pid, host: o.host, ...(typeof o.boot === 'string' && { boot: o.boot }), ...(typeof o.started === 'string' && { started: o.started }) };
    }
  } catch {
    /* half-written or foreign: unreadable */
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
