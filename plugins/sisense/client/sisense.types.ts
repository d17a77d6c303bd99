/** A pino-compatible logger: structured fields first, then the message. The Steward PluginLogger fits. */
export interface SisenseLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface SisenseTlsOptions {
  /** false disables certificate verification for this client only (default true). */
  verify?: boolean;
  /** PEM file of extra CA certificates to trust (a private CA). */
  caFile?: string;
}

export interface SisenseClientOptions {
  /** Base URL of the deployment, e.g. https://bi.example.com (a path prefix is kept). */
  url: string;
  /** API token, sent as `Authorization: Bearer <token>`; never logged. */
  token: string;
  tls?: SisenseTlsOptions;
  /** Per attempt, from sending to the last byte of the answer (default 30000). */
  timeoutMs?: number;
  logger: SisenseLogger;
  /** Retries after the first attempt, idempotent requests only (default 3). */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with jitter (default 250). */
  retryBaseMs?: number;
  /** Largest backoff step (default 8000). */
  retryMaxMs?: number;
  /** Cap on a server's Retry-After (default 30000). */
  maxRetryAfterMs?: number;
  /** Cancels every request of this client (e.g. the tool call's signal). */
  signal?: AbortSignal;
  /** Told each attempt's HTTP status (0: no answer: timeout, connection, TLS), for metrics. */
  onAnswer?: (status: number) => void;
}

export type QueryValue = string | number | boolean | undefined | null | Array<string | number | boolean>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /**
   * May a failed attempt be sent again? Defaults: GET, HEAD, PUT, DELETE yes; POST, PATCH no. Set true only for a
   * POST that is safe to repeat (a read through POST, or a write the server deduplicates).
   */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface SisenseResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; undefined for an empty body (204), the text for a non-JSON body. */
  data: T;
}
