/** When and how long to wait before sending a request again. */

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function isIdempotent(method: string, flag: boolean | undefined): boolean {
  return flag ?? IDEMPOTENT_METHODS.has(method);
}

/** 5xx (except 501 Not Implemented / 505) and 429 may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Connection-level failures worth another attempt (the request may or may not have reached the server). */
export const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) for retry number `retry` (1-based); a server's
 * Retry-After wins when it is longer, and is capped at maxRetryAfterMs.
 */
export function backoffMs(retry: number, policy: BackoffPolicy, retryAfterMs?: number): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  const jittered = step / 2 + (policy.random ?? Math.random)() * (step / 2);
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(Math.min(Math.max(retryAfterMs, jittered), policy.maxRetryAfterMs));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
