import { ToolError, type ResolvedEnvironment } from '../../../src/plugins/plugin-api.js';
import { SisenseApiError } from '../client/sisense.client.js';

/** Client codes that mean the server answered something that is not the Sisense API's JSON. */
const BAD_ANSWER = new Set(['INVALID_JSON', 'NOT_A_LIST', 'PAGING_STUCK']);
/** Transport failures that are TLS problems although Node reports them as a protocol error. */
const TLS_HINT = /\b(ssl|tls|EPROTO|wrong version number|certificate)\b/i;

/** Where an environment points, for messages: origin and path, never credentials or a query. */
export function whereOf(env: ResolvedEnvironment): string {
  try {
    const u = new URL(env.url ?? '');
    return `${u.origin}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return `environment "${env.name}"`;
  }
}

/** A message made safe to return: the environment's secrets replaced, whatever produced it. */
export function scrub(text: string, env: ResolvedEnvironment): string {
  let out = text;
  for (const secret of [env.token, env.password]) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * The ToolError for a failed Sisense call; any other error is returned unchanged. Codes: SISENSE_UNAUTHORIZED (401),
 * SISENSE_FORBIDDEN (403), SISENSE_UNREACHABLE, SISENSE_TLS, SISENSE_TIMEOUT (no answer), SISENSE_BAD_RESPONSE (an
 * answer that is not the API's JSON), SISENSE_HTTP_<status> (any other error status).
 */
export function toToolError(err: unknown, env: ResolvedEnvironment): unknown {
  if (!(err instanceof SisenseApiError)) return err;
  const where = whereOf(env);
  const call = `${err.method} ${err.path}`;
  const detail = { environment: env.name, status: err.status, code: err.code, method: err.method, path: err.path, attempts: err.attempts };
  const make = (code: string, message: string) => new ToolError(code, scrub(message, env), detail);
  if (err.status === 401) return make('SISENSE_UNAUTHORIZED', `token rejected by ${where} (environment "${env.name}"): the API token is wrong or expired`);
  if (err.status === 403) return make('SISENSE_FORBIDDEN', `${where} refused ${call}: ${err.detail} (the token's user lacks the rights)`);
  if (err.shape === 'transport') {
    if (err.code === 'TLS' || TLS_HINT.test(err.detail)) return make('SISENSE_TLS', `TLS with ${where} failed: ${err.detail}`);
    if (err.code === 'TIMEOUT') return make('SISENSE_TIMEOUT', `${where} did not answer ${call} in time (${err.attempts} attempts): ${err.detail}`);
    return make('SISENSE_UNREACHABLE', `cannot reach ${where} (${err.attempts} attempts): ${err.detail}`);
  }
  if (BAD_ANSWER.has(err.code)) return make('SISENSE_BAD_RESPONSE', `${where} answered ${call} with something that is not the Sisense API: ${err.detail}`);
  return make(`SISENSE_HTTP_${err.status}`, `${where} answered ${err.status} to ${call}: ${err.detail}`);
}

/** The server answered 2xx with a body of the wrong shape (e.g. a login page behind a proxy). */
export function badResponse(what: string, got: unknown, expected = 'a JSON object'): ToolError {
  const kind = got === undefined || got === null ? 'nothing' : Array.isArray(got) ? 'a JSON array' : typeof got === 'string' ? 'text' : `a JSON ${typeof got}`;
  return new ToolError('SISENSE_BAD_RESPONSE', `unexpected answer for ${what}: expected ${expected}, got ${kind}`, { what });
}

export function asArray<T = Record<string, unknown>>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw badResponse(what, value, 'a JSON array');
  return value as T[];
}

export function asObject<T = Record<string, unknown>>(value: unknown, what: string): T {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badResponse(what, value);
  return value as T;
}

/** True for a SisenseApiError with this status (e.g. 404 while resolving a reference). */
export function isStatus(err: unknown, ...statuses: number[]): err is SisenseApiError {
  return err instanceof SisenseApiError && statuses.includes(err.status);
}
