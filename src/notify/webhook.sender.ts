import { createHmac } from 'node:crypto';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): the timestamp is signed too, so a captured request cannot be replayed later as new. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type Attempt = { ok: true; status: number } | { ok: false; retry: boolean; status?: number; error: string; retryAfterMs?: number };

/** Delay before attempt `attempt + 1` (attempt counts from 1): exponential from initialDelayMs, capped, honouring Retry-After. */
export function backoffMs(attempt: number, r: { initialDelayMs: number; maxDelayMs: number }, retryAfterMs?: number): number {
  const exp = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** (attempt - 1));
  return retryAfterMs !== undefined ? Math.min(r.maxDelayMs, Math.max(exp, retryAfterMs)) : exp;
}

function retryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One POST. 2xx: delivered. Network errors, timeouts, 408, 429 and 5xx: worth retrying. Any other answer (a 4xx,
 * a redirect — never followed, so a signature never goes elsewhere) will not get better by retrying.
 */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') return { ok: false, retry: true, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, retry: true, error: err.cause?.code ?? err.cause?.message ?? err.message };
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return { ok: true, status: res.status };
  const retry = res.status === 408 || res.status === 429 || res.status >= 500;
  return { ok: false, retry, status: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryAfterMs: retryAfter(res.headers.get('retry-after')) };
}
