import { SisenseApiError, errorFromResponse } from './sisense.errors.js';
import { RETRYABLE_CODES, backoffMs, isIdempotent, isRetryableStatus, parseRetryAfter, sleep, type BackoffPolicy } from './sisense.retry.js';
import { TransportFailure, createAgent, send, type Answer, type HttpAgentLike } from './sisense.transport.js';
import type { Query, RequestOptions, SisenseClientOptions, SisenseLogger, SisenseResponse } from './sisense.types.js';

export { SisenseApiError } from './sisense.errors.js';
export type * from './sisense.types.js';

const DEFAULTS = { timeoutMs: 30_000, maxRetries: 3, retryBaseMs: 250, retryMaxMs: 8_000, maxRetryAfterMs: 30_000 };

/**
 * A Sisense REST client: Bearer token, per-client TLS settings, a timeout per attempt, retries with backoff for
 * idempotent requests only (5xx, 429 honouring Retry-After, connection resets, timeouts), skip/limit paging, and
 * one error type (SisenseApiError). Logs method, path, status and duration; never the token, query or bodies.
 */
export class SisenseClient {
  readonly baseUrl: URL;
  readonly #token: string;
  readonly #agent: HttpAgentLike;
  readonly #logger: SisenseLogger;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoff: BackoffPolicy;
  readonly #signal?: AbortSignal;
  readonly #onAnswer?: (status: number) => void;

  constructor(options: SisenseClientOptions) {
    this.baseUrl = new URL(options.url);
    if (!options.token) throw new Error('a Sisense API token is required');
    this.#token = options.token;
    this.#agent = createAgent(this.baseUrl, options.tls);
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    this.#backoff = { baseMs: options.retryBaseMs ?? DEFAULTS.retryBaseMs, maxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs, maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs };
    this.#signal = options.signal;
    this.#onAnswer = options.onAnswer;
    if (options.tls?.verify === false && this.baseUrl.protocol === 'https:') this.#logger.warn({ host: this.baseUrl.host }, 'TLS certificate verification is disabled for this Sisense environment');
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, options).then((r) => r.data);
  }

  delete<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, undefined, options).then((r) => r.data);
  }

  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, options).then((r) => r.data);
  }

  put<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, body, options).then((r) => r.data);
  }

  patch<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, body, options).then((r) => r.data);
  }

  /**
   * Every item of a skip/limit listing, fetched a page at a time. Sisense sends no total: a short page ends the
   * listing. A server that ignores `limit` (a page longer than asked) is taken as complete; one that ignores
   * `skip` (the same page again) raises PAGING_STUCK instead of looping.
   */
  async *paginate<T = unknown>(path: string, query: Query = {}, pageSize = 50, options: RequestOptions = {}): AsyncGenerator<T, void, undefined> {
    let skip = 0;
    let previous: string | undefined;
    for (;;) {
      const page = await this.get<unknown>(path, { ...options, query: { ...query, skip, limit: pageSize } });
      if (!Array.isArray(page)) throw this.#localError('GET', path, 'NOT_A_LIST', 'the listing did not answer a JSON array');
      if (!page.length) return;
      const signature = JSON.stringify(page);
      if (signature === previous) throw this.#localError('GET', path, 'PAGING_STUCK', `the server answered the same page for skip=${skip}`);
      previous = signature;
      yield* page as T[];
      if (page.length !== pageSize) return;
      skip += page.length;
    }
  }

  async request<T = unknown>(method: string, pathAndQuery: string, body?: unknown, options: RequestOptions = {}): Promise<SisenseResponse<T>> {
    if (!pathAndQuery.startsWith('/')) throw new Error(`Sisense paths start with "/": ${pathAndQuery}`);
    const url = this.#url(pathAndQuery, options.query);
    const path = url.pathname;
    const signal = this.#combinedSignal(options.signal);
    const idempotent = isIdempotent(method, options.idempotent);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'steward-sisense-client', ...options.headers, authorization: `Bearer ${this.#token}` };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;

    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let answer: Answer;
      try {
        answer = await send({ url, method, headers, body: payload, timeoutMs, signal, agent: this.#agent });
      } catch (err) {
        if (!(err instanceof TransportFailure)) throw err;
        if (err.kind === 'aborted') throw signal.reason;
        const ms = Date.now() - started;
        this.#onAnswer?.(0);
        this.#logger.debug({ method, path, status: 0, error: err.code ?? err.kind, ms, attempt }, 'sisense request failed');
        const retryable = err.kind === 'timeout' || (err.kind === 'connection' && (RETRYABLE_CODES.has(err.code ?? '') || /socket hang up/i.test(err.message)));
        if (retryable && idempotent && attempt <= this.#maxRetries) {
          await this.#wait(method, path, attempt, err.code ?? err.kind, undefined, signal);
          continue;
        }
        const code = err.kind === 'timeout' ? 'TIMEOUT' : err.kind === 'tls' ? 'TLS' : 'CONNECTION';
        throw new SisenseApiError({ status: 0, code, title: code, detail: err.message, method, path, shape: 'transport', attempts: attempt, cause: err });
      }
      const ms = Date.now() - started;
      this.#onAnswer?.(answer.status);
      this.#logger.debug({ method, path, status: answer.status, ms, attempt }, 'sisense request');
      if (answer.status < 400) return { status: answer.status, headers: answer.headers, data: this.#parse<T>(method, path, answer) };
      if (isRetryableStatus(answer.status) && idempotent && attempt <= this.#maxRetries) {
        await this.#wait(method, path, attempt, answer.status, parseRetryAfter(answer.headers['retry-after']), signal);
        continue;
      }
      throw errorFromResponse(method, path, answer.status, answer.text, attempt);
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #wait(method: string, path: string, attempt: number, reason: number | string, retryAfterMs: number | undefined, signal: AbortSignal): Promise<void> {
    const delayMs = backoffMs(attempt, this.#backoff, retryAfterMs);
    this.#logger.warn({ method, path, reason, attempt, delayMs, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }, 'sisense request failed; retrying');
    await sleep(delayMs, signal);
  }

  #parse<T>(method: string, path: string, answer: Answer): T {
    if (!answer.text.trim()) return undefined as T;
    const type = String(answer.headers['content-type'] ?? '');
    const looksJson = /json/i.test(type) || /^\s*[[{"]/.test(answer.text);
    if (!looksJson) return answer.text as T;
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw this.#localError(method, path, 'INVALID_JSON', `the answer (${answer.status}) is not valid JSON`, answer.status);
    }
  }

  #url(path: string, query: Query = {}): URL {
    const url = new URL(this.baseUrl.pathname.replace(/\/$/, '') + path, this.baseUrl.origin);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return url;
  }

  #combinedSignal(perRequest?: AbortSignal): AbortSignal {
    const signals = [this.#signal, perRequest].filter((s): s is AbortSignal => !!s);
    if (!signals.length) return new AbortController().signal;
    return signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  }

  #localError(method: string, path: string, code: string, detail: string, status = 0): SisenseApiError {
    return new SisenseApiError({ status, code, title: code, detail, method, path, shape: 'other' });
  }
}
