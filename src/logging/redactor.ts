/**
 * Removes secrets from anything about to leave the process: log lines, run events, reports, stored rows.
 * It knows every configured secret value (resolved ${env:}/${file:} references, tokens, passwords, keys), redacts
 * values under secret-looking keys whatever they hold, and masks bearer credentials it has never seen.
 */
export const REDACTED = '[REDACTED]';
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|token|access[-_]?token|refresh[-_]?token|password|passwd|secret|client[-_]?secret)$/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]+:)([^@/?#\s]+)@/gi;
const MAX_DEPTH = 12;
/**
 * Shortest secret replaced in data (scrub): shorter configured values (a port or a model name from ${env:}, a short
 * word) are too likely to be ordinary text, or part of an id, to be rewritten in what is stored and served. Log lines
 * still mask every secret from 4 characters.
 */
const MIN_DATA_SECRET = 8;

export class Redactor {
  private secrets = new Set<string>();
  private pattern: RegExp | undefined;
  private dataPattern: RegExp | undefined;

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  /** Registers more secret values (e.g. a token generated at start). Values under 4 characters are ignored. */
  add(...values: string[]): void {
    for (const v of values) if (typeof v === 'string' && v.length >= 4) this.secrets.add(v);
    this.rebuild();
  }

  redactString(s: string): string {
    return this.replaceIn(s, this.pattern);
  }

  private replaceIn(s: string, secrets: RegExp | undefined): string {
    const out = secrets ? s.replace(secrets, REDACTED) : s;
    return out.replace(BEARER, `$1 ${REDACTED}`).replace(URL_PASSWORD, `$1${REDACTED}@`);
  }

  /**
   * For values that are stored or served as data (step outputs, errors, run reasons): every string with secrets
   * replaced, keys and structure left as they are (no blanking by key name, no depth limit, so a tool's output keeps
   * its shape). Secrets shorter than MIN_DATA_SECRET are left. The value itself when nothing in it needed redacting.
   */
  scrub<T>(value: T): T {
    const clean = (s: string) => this.replaceIn(s, this.dataPattern);
    if (typeof value === 'string') return clean(value) as T;
    if (value === null || typeof value !== 'object') return value;
    const text = JSON.stringify(value);
    if (text === undefined || clean(text) === text) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return clean(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  /** A redacted deep copy: strings scrubbed, secret-named keys blanked, errors flattened (message and stack scrubbed). */
  redact<T>(value: T): T {
    return this.walk(value, 0, new WeakSet()) as T;
  }

  private walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > MAX_DEPTH) return '[Truncated]';
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    try {
      return this.walkObject(value, depth, seen);
    } finally {
      seen.delete(value); // only ancestors count: a value shared by two branches is not a cycle
    }
  }

  private walkObject(value: object, depth: number, seen: WeakSet<object>): unknown {
    if (isErrorLike(value)) {
      const e = value as Error & { code?: unknown; cause?: unknown; errors?: unknown };
      const out: Record<string, unknown> = { type: e.name, message: this.redactString(e.message) };
      if (e.stack) out.stack = this.redactString(e.stack);
      if (e.code !== undefined) out.code = e.code;
      if (e.cause !== undefined) out.cause = this.walk(e.cause, depth + 1, seen);
      if (Array.isArray(e.errors)) out.errors = this.walk(e.errors, depth + 1, seen); // AggregateError
      return out;
    }
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1, seen));
    if (value instanceof Date) return value;
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.walk(v, depth + 1, seen);
    }
    return out;
  }

  private rebuild(): void {
    const list = [...this.secrets].sort((a, b) => b.length - a.length);
    this.pattern = alternation(list);
    this.dataPattern = alternation(list.filter((s) => s.length >= MIN_DATA_SECRET));
  }
}

/** One regex matching any of `values` literally (longest first, as given), or undefined for none. */
function alternation(values: string[]): RegExp | undefined {
  return values.length ? new RegExp(values.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
}

/** Errors from another realm (jest's vm, a worker) fail `instanceof Error`; their message and stack are not enumerable. */
export function isErrorLike(v: object): v is Error {
  if (v instanceof Error) return true;
  const e = v as { message?: unknown; stack?: unknown };
  return typeof e.message === 'string' && typeof e.stack === 'string' && !Object.prototype.propertyIsEnumerable.call(v, 'message');
}
