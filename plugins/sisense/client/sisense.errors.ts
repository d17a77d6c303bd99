import { STATUS_CODES } from 'node:http';

/** Which of Sisense's error forms an error came from; `transport` means no HTTP answer at all. */
export type SisenseErrorShape = 'v1' | 'v2' | 'bare' | 'other' | 'transport';

export interface SisenseApiErrorInit {
  status: number;
  code: string;
  title: string;
  detail: string;
  method: string;
  path: string;
  shape: SisenseErrorShape;
  attempts?: number;
  cause?: unknown;
}

/**
 * The one error a Sisense call throws, normalised from the three shapes the API answers with:
 * v1 `{"error": {"code", "message", "status", "httpMessage"}}`, v2 `{"type", "title", "status", "detail"}`, and a
 * bare status with an empty (or non-JSON) body. Also thrown without an answer (status 0, code TIMEOUT, CONNECTION
 * or TLS). Cancellation is not an error of this kind: an aborted call rejects with the signal's reason.
 */
export class SisenseApiError extends Error {
  override readonly name = 'SisenseApiError';
  /** HTTP status; 0 when no answer came. */
  readonly status: number;
  /** v1: the error code as a string; v2: the title (e.g. ElasticubeAlreadyExists); bare: HTTP_<status>; else TIMEOUT, CONNECTION, TLS, INVALID_JSON, NOT_A_LIST, PAGING_STUCK. */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  readonly shape: SisenseErrorShape;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(init: SisenseApiErrorInit) {
    super(`Sisense ${init.method} ${init.path} failed: ${init.status || 'no answer'} ${init.code}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.method = init.method;
    this.path = init.path;
    this.shape = init.shape;
    this.attempts = init.attempts ?? 1;
  }
}

const MAX_DETAIL = 300;

/** Normalises an error answer (any status >= 400). */
export function errorFromResponse(method: string, path: string, status: number, text: string, attempts = 1): SisenseApiError {
  const reason = STATUS_CODES[status] ?? 'Error';
  const base = { status, method, path, attempts };
  let body: unknown;
  try {
    body = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const err = b.error;
    if (err && typeof err === 'object' && !Array.isArray(err)) {
      const e = err as Record<string, unknown>;
      return new SisenseApiError({ ...base, shape: 'v1', code: String(e.code ?? status), title: str(e.httpMessage) ?? reason, detail: str(e.message) ?? reason });
    }
    if (typeof b.title === 'string' && ('detail' in b || 'type' in b)) {
      return new SisenseApiError({ ...base, shape: 'v2', code: b.title, title: b.title, detail: str(b.detail) ?? b.title });
    }
    const message = str(b.message) ?? str(b.error) ?? str(b.detail);
    if (message) return new SisenseApiError({ ...base, shape: 'other', code: `HTTP_${status}`, title: reason, detail: message });
  }
  const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return new SisenseApiError({ ...base, shape: 'bare', code: `HTTP_${status}`, title: reason, detail: snippet ? truncate(snippet) : reason });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? truncate(v) : undefined;
}

function truncate(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s;
}
