import { STATUS_CODES } from 'node:http';
import { apiError } from './errors.js';
import type { Query } from './router.js';
import type { SimFault } from './sim.types.js';

interface Counters {
  seen: number;
  applied: number;
}

/** Picks the fault that applies to a request (first match wins) and counts it. */
export class FaultBook {
  private readonly counters = new WeakMap<SimFault, Counters>();

  constructor(readonly list: SimFault[]) {}

  take(method: string, path: string, query: Query): SimFault | undefined {
    for (const f of this.list) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (typeof f.path === 'string' ? f.path !== path : !f.path.test(path)) continue;
      if (f.query && Object.entries(f.query).some(([k, v]) => (Array.isArray(query[k]) ? !(query[k] as string[]).includes(v) : query[k] !== v))) continue;
      let c = this.counters.get(f);
      if (!c) this.counters.set(f, (c = { seen: 0, applied: 0 }));
      c.seen += 1;
      if (c.seen <= (f.after ?? 0)) continue;
      if (c.applied >= (f.times ?? Infinity)) continue;
      c.applied += 1;
      return f;
    }
    return undefined;
  }
}

export interface FaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer of an injected failure: 502/503/504 look like a gateway's HTML page, 429 is plain text, anything
 * else (500) is the API's own error shape for that path. `fault.body` overrides.
 */
export function faultAnswer(fault: SimFault, path: string): FaultAnswer {
  const status = fault.status ?? 503;
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.body !== undefined) {
    headers['content-type'] = typeof fault.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
    return { status, headers, body: typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body) };
  }
  const reason = STATUS_CODES[status] ?? 'Error';
  if (status === 502 || status === 503 || status === 504) {
    headers['content-type'] = 'text/html';
    return { status, headers, body: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>` };
  }
  if (status === 429) {
    headers['content-type'] = 'text/plain';
    return { status, headers, body: reason };
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  return { status, headers, body: JSON.stringify(apiError(path, status, 'Injected failure').body) };
}
