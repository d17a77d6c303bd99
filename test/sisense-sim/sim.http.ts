import type { SisenseSim } from './sisense-sim.js';

export interface SimAnswer<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body, or the text of a non-JSON body. */
  body: T;
  text: string;
}

/**
 * A raw call to a simulator with the global fetch (independent of the plugin's client), for tests of the
 * simulator itself and for setting up cases. `token: null` sends no Authorization header.
 */
export async function call<T = any>(sim: SisenseSim, method: string, path: string, opts: { token?: string | null; body?: unknown } = {}): Promise<SimAnswer<T>> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? sim.token : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(sim.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}
