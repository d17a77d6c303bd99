import { v1Error } from './errors.js';
import type { IdSource, SimClock } from './ids.js';
import type { BuildBehaviour, SimState, SimUser } from './sim.types.js';

export type Query = Record<string, string | string[]>;

/** Everything a route handler sees. */
export interface RouteCtx {
  state: SimState;
  ids: IdSource;
  clock: SimClock;
  builds: BuildBehaviour;
  method: string;
  path: string;
  params: Record<string, string>;
  query: Query;
  body: unknown;
  /** The token's user. */
  user: SimUser;
  /** The user's role name (super, admin, contributor, ...). */
  role: string;
  /** `adminAccess=true` on the request and the user is an administrator (else the flag is refused with 403). */
  adminAccess: boolean;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** A non-JSON answer (CSV): sent as is with this content type instead of `body`. */
  text?: { contentType: string; value: string };
}

export type Handler = (ctx: RouteCtx) => RouteResult;

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** `route('GET', '/api/v1/dashboards/:id/widgets', h)`: `:name` matches one path segment. */
export function route(method: string, template: string, handler: Handler): Route {
  const keys: string[] = [];
  const source = template
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}/?$`), keys, handler };
}

export function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
    return { route: r, params };
  }
  return undefined;
}

/** One query value (the first when repeated). */
export function q(query: Query, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A documented comma-separated list parameter (`dashboardIds=a,b`, `fields=a,b`, `expand=a,b`): exactly one occurrence. A repeated key is
 * refused with 400 (see the README, note 1); absent gives [].
 */
export function qCsv(query: Query, key: string): string[] {
  const v = query[key];
  if (Array.isArray(v)) throw v1Error(400, `${key} must be given once, as a comma-separated list (got ${v.length} ${key} parameters).`);
  return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function qBool(query: Query, key: string): boolean {
  return q(query, key) === 'true';
}
