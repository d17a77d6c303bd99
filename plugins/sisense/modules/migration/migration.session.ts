import { createHash } from 'node:crypto';
import { getMaxListeners, setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import { ToolError, type ResolvedEnvironment, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { Query } from '../../client/sisense.types.js';
import type { Directory, SisenseDeps, SisenseFolder } from '../../shared/deps.js';
import { Principals } from './principals.js';

export const DEFAULT_CONCURRENCY = 8;

/**
 * The client as a migration uses it: every HTTP request (each page of a listing, each of the reads a directory
 * makes at once, each attempt's retries included) takes a slot of `limit` for as long as it is in flight. The
 * underlying client stays its owner's to close.
 */
export function limitedClient(client: SisenseClient, limit: LimitFunction): SisenseClient {
  const limited = Object.create(client) as SisenseClient;
  // get/post/put/patch/delete and paginate all go through `request` on `this`, so limiting it limits them all.
  limited.request = (method, path, body, options) => limit(() => client.request(method, path, body, options));
  return limited;
}

/**
 * One environment of a migration. Every request passes the environment's limiter (a bound on requests in flight
 * against that deployment) and a failed call becomes the plugin's ToolError naming the environment. Reads made
 * with `once` are kept for the session (and, through the read cache, for the run that follows its plan); the
 * migration's own writes update what it keeps (Principals, TargetFolders) rather than reading again.
 */
export class Side {
  private readonly client: SisenseClient;

  constructor(
    readonly role: 'source' | 'target',
    readonly env: ResolvedEnvironment,
    client: SisenseClient,
    private readonly deps: SisenseDeps,
    limit: LimitFunction,
    private readonly memo: Map<string, Promise<unknown>> = new Map(),
  ) {
    this.client = limitedClient(client, limit);
  }

  get name(): string {
    return this.env.name;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call(() => this.client.get<T>(path, { query }));
  }

  post<T>(path: string, body: unknown, query?: Query): Promise<T> {
    written(this.env.url);
    return this.call(() => this.client.post<T>(path, body, { query }));
  }

  put<T>(path: string, body: unknown, query?: Query): Promise<T> {
    written(this.env.url);
    return this.call(() => this.client.put<T>(path, body, { query }));
  }

  patch<T>(path: string, body: unknown, query?: Query): Promise<T> {
    written(this.env.url);
    return this.call(() => this.client.patch<T>(path, body, { query }));
  }

  /** Every item of a skip/limit listing. */
  list<T>(path: string, query?: Query): Promise<T[]> {
    return this.call(() => this.deps.listAll<T>(this.client, path, query));
  }

  directory(): Promise<Directory> {
    return this.once('directory', () => this.call(() => this.deps.loadDirectory(this.client)));
  }

  folders(): Promise<{ folders: SisenseFolder[]; byOid: Map<string, SisenseFolder> }> {
    return this.once('folders', () => this.call(() => this.deps.listFolders(this.client)));
  }

  /** Users, groups and roles by email and name, read once; a migration records what it creates in them. */
  principals(): Promise<Principals> {
    return this.once('principals', async () => new Principals(await this.directory()));
  }

  /** A read made once per session (a failed read is tried again next time). */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  /** Maps a failure to the plugin's ToolError; the limiting is per request, in the client (never hold a slot here). */
  /** Drops a kept read (after a write that changes it). */
  forget(key: string): void {
    this.memo.delete(key);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.deps.toToolError(e, this.env);
    }
  }
}

export interface Session {
  readonly ctx: ToolContext;
  readonly deps: SisenseDeps;
  readonly source: Side;
  readonly target: Side;
  readonly concurrency: number;
}

/** The migration's bound on requests in flight against each deployment: the input's, else the plugin setting, else 8. */
export function concurrencyOf(ctx: ToolContext, input?: number): number {
  const setting = ctx.settings.migrationConcurrency;
  return input ?? (typeof setting === 'number' && setting >= 1 ? setting : DEFAULT_CONCURRENCY);
}

interface KeptReads {
  source: Map<string, Promise<unknown>>;
  target: Map<string, Promise<unknown>>;
  at: number;
  /** The deployment the reads are of, as a target (a write to it makes them stale). */
  targetUrl?: string;
}

/**
 * Reads a plan made, kept for the run of the same migration that follows it in this process (the approval of a plan
 * is followed by its run): keyed by the tool, both environments and the input, taken once by the run (its writes
 * make them stale), dropped after READS_TTL_MS. At most READS_KEPT plans are kept.
 */
const KEPT = new Map<string, KeptReads>();
export const READS_TTL_MS = 15 * 60_000;
const READS_KEPT = 4;

export type ReadReuse = { key: string; mode: 'plan' | 'run' };

/** The key of a migration's reads: tool, source and target (name and URL), input. */
export function readsKey(tool: string, ctx: ToolContext, input: unknown): string {
  const env = (role: string) => [ctx.environments[role]?.name, ctx.environments[role]?.url];
  return createHash('sha256').update(JSON.stringify([tool, env('source'), env('target'), input])).digest('hex');
}

/** Forgets the kept reads of plans whose target is this deployment: something was written to it. */
function written(url: string | undefined): void {
  for (const [k, v] of KEPT) if (v.targetUrl === url) KEPT.delete(k);
}

function keptReads(reuse: ReadReuse | undefined, targetUrl: string | undefined): KeptReads {
  const fresh = { source: new Map(), target: new Map(), at: Date.now(), targetUrl };
  if (!reuse) return fresh;
  for (const [k, v] of KEPT) if (Date.now() - v.at > READS_TTL_MS) KEPT.delete(k);
  if (reuse.mode === 'run') {
    const kept = KEPT.get(reuse.key);
    KEPT.delete(reuse.key);
    return kept ?? fresh;
  }
  KEPT.delete(reuse.key);
  KEPT.set(reuse.key, fresh);
  while (KEPT.size > READS_KEPT) KEPT.delete(KEPT.keys().next().value!);
  return fresh;
}

/** Forgets every kept plan's reads (tests). */
export function forgetKeptReads(): void {
  KEPT.clear();
}

/**
 * Opens a client for the source and one for the target, runs `fn`, closes both. With `reuse`, a plan's reads are
 * kept for the run that follows it, and a run starts from them (see KEPT).
 */
export async function withSession<T>(deps: SisenseDeps, ctx: ToolContext, concurrency: number | undefined, fn: (s: Session) => Promise<T>, reuse?: ReadReuse): Promise<T> {
  const { source, target } = ctx.environments;
  if (!source || !target) throw new ToolError('SISENSE_CONFIG', 'a migration needs a source and a target environment');
  if (source.name === target.name) throw new ToolError('SAME_ENVIRONMENT', `source and target are both "${source.name}"`);
  const n = concurrencyOf(ctx, concurrency);
  allowListeners(ctx.signal, 2 * n);
  const reads = keptReads(reuse, target.url);
  const sourceClient = deps.clientFor(source, ctx);
  let targetClient: SisenseClient | undefined;
  try {
    targetClient = deps.clientFor(target, ctx);
    return await fn({
      ctx,
      deps,
      // One limiter per deployment: the cap (migrationConcurrency) is "against each deployment".
      source: new Side('source', source, sourceClient, deps, pLimit(n), reads.source),
      target: new Side('target', target, targetClient, deps, pLimit(n), reads.target),
      concurrency: n,
    });
  } finally {
    sourceClient.close();
    targetClient?.close();
  }
}

/**
 * Every request in flight listens to the tool call's signal (the transport's abort listener, a retry's backoff), so
 * a migration keeping `inFlight` requests going adds that many listeners: raise the signal's warning threshold
 * (Node warns past 10) so that this is not reported as a leak. Never lowers it.
 */
export function allowListeners(signal: AbortSignal, inFlight: number): void {
  const wanted = inFlight + 10;
  if (getMaxListeners(signal) < wanted) setMaxListeners(wanted, signal);
}

/** Runs `fn` with one environment (a read-only helper of the migration module, e.g. the dependencies of dashboards). */
export async function withSide<T>(deps: SisenseDeps, ctx: ToolContext, role: 'source' | 'target', fn: (side: Side) => Promise<T>): Promise<T> {
  const env = ctx.environments[role];
  if (!env) throw new ToolError('SISENSE_CONFIG', `no environment bound to the role "${role}"`);
  const n = concurrencyOf(ctx);
  allowListeners(ctx.signal, n);
  const client = deps.clientFor(env, ctx);
  try {
    return await fn(new Side(role, env, client, deps, pLimit(n)));
  } finally {
    client.close();
  }
}

/** The reason an asset failed, for its result: a ToolError's or any error's message. */
export function reasonOf(e: unknown): string {
  if (ToolError.is(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The HTTP status behind a failed call (a mapped ToolError carries it in its detail), else undefined. */
export function statusOf(e: unknown): number | undefined {
  if (ToolError.is(e)) {
    const status = (e.detail as { status?: unknown } | undefined)?.status;
    return typeof status === 'number' ? status : undefined;
  }
  const status = (e as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A bulk create (users, groups) that Sisense refuses as a whole when one item is refused (400: an existing email or
 * name fails the call, api.md §1.7–1.8): a refused batch is split in halves until the item at fault is alone, so
 * each item ends with its own outcome. Only a 400 is split (nothing was created); any other failure is the batch's.
 */
export async function bulkCreate<T, R>(items: readonly T[], send: (batch: readonly T[]) => Promise<R[]>, done: (batch: readonly T[], created: R[]) => Promise<void> | void, failed: (item: T, e: unknown) => void): Promise<void> {
  try {
    const created = await send(items);
    await done(items, created);
  } catch (e) {
    if (statusOf(e) === 400 && items.length > 1) {
      const half = Math.ceil(items.length / 2);
      // One half after the other: rare, and the order of what is sent stays the order asked.
      await bulkCreate(items.slice(0, half), send, done, failed);
      await bulkCreate(items.slice(half), send, done, failed);
      return;
    }
    for (const item of items) failed(item, e);
  }
}
