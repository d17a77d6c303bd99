import { ToolError } from '../../../src/plugins/plugin-api.js';
import { whereOf, type PgTarget } from './pg.config.js';

/** The fields of a server error (node-postgres' DatabaseError) a message may use. */
interface PgServerError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);
const TLS_HINT = /\b(ssl|tls|certificate|self[- ]signed|EPROTO|altnames|wrong version number)\b/i;

/** A message made safe to return: the target's password replaced, whatever produced it. */
export function scrub(text: string, t: Pick<PgTarget, 'password'>): string {
  return t.password && t.password.length >= 3 ? text.split(t.password).join('[redacted]') : text;
}

/**
 * The ToolError for any failure talking to PostgreSQL (a ToolError passes unchanged). Codes: PG_UNREACHABLE (no
 * connection, or it was lost), PG_TLS, PG_AUTH (login refused), PG_DATABASE_NOT_FOUND, PG_PERMISSION (missing
 * privilege), PG_TIMEOUT (the statement timeout, or no answer), PG_READ_ONLY (something tried to write inside a read
 * tool's READ ONLY transaction), PG_TOO_MANY_CONNECTIONS, PG_QUERY_FAILED (any other error the server reports for the
 * statement: syntax, unknown column...). Messages name the environment and host, never the password.
 */
export function toToolError(err: unknown, t: PgTarget, what = 'the query'): ToolError {
  if (ToolError.is(err)) return err;
  const e = (err ?? {}) as PgServerError & { errno?: unknown; syscall?: string };
  const raw = scrub(String(e.message ?? err), t);
  const where = `${whereOf(t)} (environment "${t.environment}")`;
  const detail = { environment: t.environment, ...(typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && { sqlstate: e.code }) };
  const make = (code: string, message: string) => new ToolError(code, scrub(message, t), detail);
  const code = e.code ?? '';
  if (NETWORK.has(code) || /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(raw)) {
    return make('PG_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${raw}`);
  }
  if (TLS_HINT.test(raw) && !/^[0-9A-Z]{5}$/.test(code)) return make('PG_TLS', `TLS with ${where} failed: ${raw} (options.ssl is ${t.ssl})`);
  if (code === '28P01' || code === '28000') return make('PG_AUTH', `PostgreSQL at ${where} refused the login${t.user ? ` of user "${t.user}"` : ''}: ${raw}`);
  if (code === '3D000') return make('PG_DATABASE_NOT_FOUND', `${where}: ${raw}`);
  if (code === '42501') return make('PG_PERMISSION', `the user${t.user ? ` "${t.user}"` : ''} lacks a privilege on ${where}: ${raw}`);
  if (code === '57014' || /Query read timeout/i.test(raw)) {
    return make('PG_TIMEOUT', `${what} took longer than the statement timeout of ${t.statementTimeoutMs} ms on ${where} and was cancelled (raise options.statementTimeoutMs, or sample less)`);
  }
  if (code === '25006') return make('PG_READ_ONLY', `a read tool cannot change the database: ${raw} (${what} ran in a READ ONLY transaction on ${where})`);
  if (code === '53300' || code === '57P03') return make('PG_TOO_MANY_CONNECTIONS', `${where} accepts no more connections now: ${raw}`);
  if (code === '57P01' || code === '57P02' || code === '08006' || code === '08003') return make('PG_UNREACHABLE', `the connection to ${where} was lost: ${raw}`);
  const extra = [e.detail && `detail: ${e.detail}`, e.hint && `hint: ${e.hint}`, e.position && `at character ${e.position}`].filter(Boolean).join('; ');
  return make('PG_QUERY_FAILED', `${what} failed on ${where}: ${raw}${extra ? ` (${scrub(extra, t)})` : ''}`);
}
