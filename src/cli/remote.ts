import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type RunEvent, type RunState } from '../runs/run.types.js';
import { EXIT } from './exit-codes.js';
import { CliError, safe } from './io.js';

/** An error answer from the daemon (problem+json): 400/404-type answers are invalid input (exit 2), the rest exit 1. */
export class RemoteError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super([400, 404, 405, 413, 415, 422].includes(status) ? EXIT.INVALID : EXIT.FAILURE, `${detail} (${code ?? 'HTTP'} ${status})`);
    this.name = 'RemoteError';
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The daemon's REST API with one bearer token. The token is sent, never printed. */
export class RemoteClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = await this.request(method, path, body, 'application/json');
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return undefined as T;
    }
  }

  /** GET of a non-JSON representation (e.g. a report as Markdown). */
  text(path: string, accept: string): Promise<string> {
    return this.request('GET', path, undefined, accept);
  }

  private async request(method: 'GET' | 'POST', path: string, body: unknown, accept: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...this.auth(), Accept: accept, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new CliError(EXIT.FAILURE, `cannot reach ${this.baseUrl}: ${describe(e)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      throw problem(res.status, parsed, text);
    }
    return text;
  }

  auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }
}

function problem(status: number, body: unknown, text: string): RemoteError {
  const p = (body ?? {}) as { code?: string; detail?: string; title?: string };
  return new RemoteError(status, p.code, safe(p.detail ?? p.title ?? (text.slice(0, 200) || `HTTP ${status}`)));
}

const describe = (e: unknown): string => {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return safe(cause?.code ?? cause?.message ?? (e as Error).message ?? String(e));
};

export interface FollowOptions {
  onEvent: (e: RunEvent) => void;
  /** Messages without an id (cursor.invalid, cursor.gone). */
  onNote?: (type: string, data: unknown) => void;
  /** Called before each reconnection. */
  onReconnect?: (info: { attempt: number; delayMs: number; reason: string; lastEventId: number }) => void;
  signal?: AbortSignal;
  /** Nothing at all (not even a heartbeat) for this long: the connection is considered dead (default 45 s). */
  idleTimeoutMs?: number;
  /** Give up after failing to get a working stream for this long (default 120 s). */
  giveUpAfterMs?: number;
  /** First reconnection delay; it doubles up to the server's `retry:` hint, at least 5 s (default 250 ms). */
  firstDelayMs?: number;
}

/**
 * Follows GET /runs/{id}/events until `run.finished` and resolves with it. A dropped or stalled connection is
 * reopened with `Last-Event-ID` set to the last event seen, so nothing is missed and nothing repeats; answers that
 * cannot improve by retrying (401, 403, 404, 400) fail at once.
 */
export async function followRun(client: RemoteClient, runId: string, opts: FollowOptions): Promise<RunEvent<'run.finished'>> {
  const url = `${client.baseUrl}/runs/${encodeURIComponent(runId)}/events`;
  const idleMs = opts.idleTimeoutMs ?? 45_000;
  let lastId = 0;
  let retryHint = 3000;
  let failures = 0;
  let failingSince = 0;

  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const ac = new AbortController();
    const onAbort = () => ac.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ac.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    };
    let reason: string;
    try {
      touch();
      const res = await fetch(url, {
        headers: { ...client.auth(), Accept: 'text/event-stream', ...(lastId > 0 && { 'Last-Event-ID': String(lastId) }) },
        signal: ac.signal,
      });
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const err = problem(res.status, body, text);
        if (res.status < 500 && res.status !== 408 && res.status !== 429) throw err;
        reason = err.message;
      } else if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
        await res.body?.cancel();
        throw new CliError(EXIT.FAILURE, `${url} did not answer with an event stream (content-type ${safe(res.headers.get('content-type') ?? 'none')})`);
      } else {
        const parser = new SseParser();
        const decoder = new TextDecoder();
        const reader = res.body!.getReader();
        reason = 'the server closed the stream before the run finished';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            // Ended without run.finished: a restarting server, or a run whose last events are no longer stored.
            const run = await client.get<{ state: RunState; reason: string | null; outputs: Record<string, unknown> | null }>(`/runs/${encodeURIComponent(runId)}`).catch((e: unknown) => {
              if (e instanceof RemoteError && e.status < 500) throw e;
              return undefined; // unreachable right now: reconnect as for any dropped stream
            });
            if (run && isTerminal(run.state)) {
              return { runId, seq: lastId, type: 'run.finished', stepKey: null, at: new Date().toISOString(), data: { state: run.state, ...(run.reason && { reason: run.reason }), outputs: run.outputs } };
            }
            break;
          }
          touch();
          failures = 0;
          for (const m of parser.push(decoder.decode(value, { stream: true }))) {
            if (m.retry !== undefined) retryHint = Math.min(m.retry, 60_000);
            if (m.data === undefined) continue;
            let data: unknown;
            try {
              data = JSON.parse(m.data);
            } catch {
              continue;
            }
            if (m.id === undefined) {
              opts.onNote?.(m.event, data);
              continue;
            }
            const e = data as RunEvent;
            if (typeof e.seq !== 'number' || e.seq <= lastId) continue;
            lastId = e.seq;
            opts.onEvent(e);
            if (e.type === 'run.finished') {
              await reader.cancel().catch(() => undefined);
              return e as RunEvent<'run.finished'>;
            }
          }
        }
      }
    } catch (e) {
      if (e instanceof CliError) throw e;
      if (opts.signal?.aborted) throw opts.signal.reason;
      reason = ac.signal.aborted && ac.signal.reason instanceof Error ? ac.signal.reason.message : `connection lost: ${describe(e)}`;
    } finally {
      clearTimeout(idle);
      opts.signal?.removeEventListener('abort', onAbort);
      ac.abort();
    }
    if (failures === 0) failingSince = Date.now();
    failures++;
    if (Date.now() - failingSince > (opts.giveUpAfterMs ?? 120_000)) {
      throw new CliError(EXIT.FAILURE, `lost the event stream of run ${runId} and could not get it back (${reason}); the run goes on without you: steward follow ${runId} --server ${client.baseUrl}`);
    }
    const delayMs = Math.min((opts.firstDelayMs ?? 250) * 2 ** (failures - 1), Math.max(retryHint, 5000));
    opts.onReconnect?.({ attempt: failures, delayMs, reason, lastEventId: lastId });
    await sleep(delayMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

export interface SseMessage {
  event: string;
  id?: string;
  data?: string;
  retry?: number;
}

/** The text/event-stream format (WHATWG HTML, server-sent events): fields, comments, CR/LF/CRLF line ends. */
export class SseParser {
  private buf = '';
  private cur: { event?: string; id?: string; data: string[]; retry?: number } = { data: [] };

  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === '') {
        const c = this.cur;
        if (c.data.length || c.retry !== undefined) out.push({ event: c.event ?? 'message', id: c.id, data: c.data.length ? c.data.join('\n') : undefined, retry: c.retry });
        this.cur = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.cur.data.push(value);
      else if (field === 'event') this.cur.event = value;
      else if (field === 'id' && !value.includes('\0')) this.cur.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.cur.retry = Number(value);
    }
    return out;
  }
}
