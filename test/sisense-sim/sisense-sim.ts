import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimError, apiError, v1Error } from './errors.js';
import { FaultBook, faultAnswer } from './faults.js';
import { IdSource, SimClock } from './ids.js';
import { match, qBool, type Query, type RouteResult } from './router.js';
import { routes } from './routes/index.js';
import { seedTenant, type SeedFn, type SeedName } from './seed/seed.tenants.js';
import type { BuildBehaviour, SimFault, SimRequestLog, SimState } from './sim.types.js';
import { ADMIN_ROLES, canSee, roleOf, stableStringify } from './views.js';

export interface SisenseSimOptions {
  /** The seed data: 'source' (rich), 'target' (sparse, with clashes), 'empty', or a function. Default 'source'. */
  seed?: SeedName | SeedFn;
  /** The tenant's name (default: the seed's name, or 'custom'). */
  tenant?: string;
  /** What ids and tokens are derived from (default: the tenant name). */
  tenantSeed?: string;
  /** Added to every request (changeable later through `sim.latencyMs`). */
  latencyMs?: number;
  faults?: SimFault[];
  builds?: Partial<BuildBehaviour>;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface SisenseSim {
  url: string;
  tenant: string;
  /** The administrator's token. */
  token: string;
  /** Tokens by label: admin, designer, viewer (as the seed provides). */
  tokens: Record<string, string>;
  /** The live state: read it in assertions, or change it to set up a case. */
  state: SimState;
  /** Push faults at any time; they apply in order, first match wins. */
  faults: SimFault[];
  requests: SimRequestLog[];
  latencyMs: number;
  builds: BuildBehaviour;
  /** The whole state as deterministic JSON (sorted keys): equal strings mean nothing changed. */
  snapshot(): string;
  /**
   * Whether a user (by id or email) can open a dashboard (by oid) as a recipient would, without admin flags: they
   * own it, or its last *published* share list names them or a group of theirs, and they are active.
   */
  visibleTo(user: string, oid: string): boolean;
  /** Emails of the users other than the owner who can open a dashboard now (`visibleTo`), sorted. */
  recipients(oid: string): string[];
  /** The folder names from the root down to a dashboard's folder ([] at the root or for an unknown dashboard). */
  folderPath(oid: string): string[];
  close(): Promise<void>;
}

const MAX_BODY = 50 * 1024 * 1024;

/** Starts one simulated Sisense tenant on its own port. */
export async function startSisenseSim(options: SisenseSimOptions = {}): Promise<SisenseSim> {
  const seed = options.seed ?? 'source';
  const tenant = options.tenant ?? (typeof seed === 'string' ? seed : 'custom');
  const ids = new IdSource(options.tenantSeed ?? tenant);
  const { state, tokens } = seedTenant(ids, tenant, seed);
  const clock = new SimClock();
  const faults = [...(options.faults ?? [])];
  const book = new FaultBook(faults);
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), done: resolve };
      timers.add(entry);
    });

  const sim: SisenseSim = {
    url: '',
    tenant,
    token: tokens.admin,
    tokens,
    state,
    faults,
    requests: [],
    latencyMs: options.latencyMs ?? 0,
    builds: { pollsToFinish: 1, failTitles: [], ...options.builds },
    snapshot: () => stableStringify(state),
    visibleTo: (who, oid) => {
      const user = state.users.find((u) => u._id === who || u.email === who);
      const dashboard = state.dashboards.find((d) => d.oid === oid);
      return !!user && !!dashboard && canSee(state, user, dashboard);
    },
    recipients: (oid) => {
      const dashboard = state.dashboards.find((d) => d.oid === oid);
      if (!dashboard) return [];
      return state.users.filter((u) => u._id !== dashboard.owner && canSee(state, u, dashboard)).map((u) => u.email).sort();
    },
    folderPath: (oid) => {
      const path: string[] = [];
      let folderId = state.dashboards.find((d) => d.oid === oid)?.parentFolder as string | undefined;
      for (let guard = 0; folderId && guard < 100; guard++) {
        const folder = state.folders.find((f) => f.oid === folderId);
        if (!folder) break;
        path.unshift(folder.name);
        folderId = folder.parentId ?? undefined;
      }
      return path;
    },
    close: async () => {
      for (const t of timers) {
        clearTimeout(t.timer);
        t.done();
      }
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: v1Error(500, `simulator bug: ${String(err)}`).body });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = queryOf(url.searchParams);
    const entry: SimRequestLog = { method, path: url.pathname, query, status: 0 };
    sim.requests.push(entry);
    const body = await readBody(req);
    await sleep(sim.latencyMs);
    const fault = book.take(method, url.pathname, query);
    if (fault?.delayMs) await sleep(fault.delayMs);
    const failing = fault && (fault.drop || fault.status !== undefined) ? fault : undefined;
    if (failing && (failing.phase ?? 'before') === 'before') return fail(failing, req, res, entry, url.pathname);
    // A client that gave up (timeout) does not stop the server: the request still applies, unanswered.
    const result = dispatch(req, method, url.pathname, query, body);
    if (failing) return fail(failing, req, res, entry, url.pathname);
    if (res.destroyed || req.socket.destroyed) return;
    entry.status = result.status;
    send(res, result);
  }

  function dispatch(req: IncomingMessage, method: string, path: string, query: Query, raw: string | undefined): RouteResult {
    try {
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      const user = token && state.tokens[token] ? state.users.find((u) => u._id === state.tokens[token]) : undefined;
      if (!user || !user.active) throw v1Error(401, user ? 'The user of this token is inactive.' : 'Invalid or missing token.');
      const role = roleOf(state, user);
      const wantsAdmin = qBool(query, 'adminAccess');
      if (wantsAdmin && !ADMIN_ROLES.has(role)) throw v1Error(403, 'adminAccess=true needs an administrator.');
      let body: unknown;
      if (raw !== undefined && raw.length) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw v1Error(400, 'The request body is not valid JSON.');
        }
      }
      const found = match(routes, method, path);
      if (!found) throw apiError(path, 404, `No route ${method} ${path}`);
      return found.route.handler({ state, ids, clock, builds: sim.builds, method, path, params: found.params, query, body, user, role, adminAccess: wantsAdmin });
    } catch (err) {
      if (err instanceof SimError) return { status: err.status, body: err.body };
      return { status: 500, body: v1Error(500, `simulator bug: ${String(err)}`).body };
    }
  }

  function fail(fault: SimFault, req: IncomingMessage, res: ServerResponse, entry: SimRequestLog, path: string): void {
    if (fault.drop || res.destroyed) {
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    const answer = faultAnswer(fault, path);
    entry.status = answer.status;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  sim.url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return sim;
}

function queryOf(params: URLSearchParams): Query {
  const out: Query = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    const done = () => resolve(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined);
    req.on('end', done);
    req.on('close', done);
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: RouteResult): void {
  if (res.destroyed) return;
  if (result.text) {
    res.writeHead(result.status, { 'content-type': result.text.contentType, 'content-length': String(Buffer.byteLength(result.text.value)) });
    res.end(result.text.value);
    return;
  }
  if (result.body === undefined) {
    res.writeHead(result.status, { 'content-length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
