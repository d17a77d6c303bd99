import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SisenseTlsOptions } from './sisense.types.js';

/**
 * One HTTP exchange over node:http(s) with a per-client agent: the agent carries this client's TLS settings
 * (verification off or a private CA) and nothing else in the process is affected.
 */
export type HttpAgentLike = HttpAgent | HttpsAgent;

export function createAgent(url: URL, tls: SisenseTlsOptions = {}): HttpAgentLike {
  if (url.protocol === 'http:') return new HttpAgent({ keepAlive: true });
  if (url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol} in the Sisense URL`);
  return new HttpsAgent({ keepAlive: true, rejectUnauthorized: tls.verify !== false, ca: tls.caFile ? readFileSync(tls.caFile) : undefined });
}

export interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal: AbortSignal;
  agent: HttpAgentLike;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export type TransportFailureKind = 'timeout' | 'connection' | 'tls' | 'aborted';

/** Why no answer came; `code` is the system error code (ECONNRESET, ...) when there is one. */
export class TransportFailure extends Error {
  constructor(
    readonly kind: TransportFailureKind,
    message: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TLS_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)|ERR_TLS_|ERR_SSL_)/;

export function send(x: Exchange): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    if (x.signal.aborted) return reject(new TransportFailure('aborted', 'aborted before sending'));
    const requester = x.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      x.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const req = requester(x.url, { method: x.method, headers: x.headers, agent: x.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (err) => finish(() => reject(classify(err))));
      res.on('close', () => {
        if (!res.complete) finish(() => reject(new TransportFailure('connection', 'the connection closed before the answer was complete', 'ECONNRESET')));
      });
    });
    const timer = setTimeout(() => {
      finish(() => reject(new TransportFailure('timeout', `no complete answer within ${x.timeoutMs} ms`, 'ETIMEDOUT')));
      req.destroy();
    }, x.timeoutMs);
    const onAbort = () => {
      finish(() => reject(new TransportFailure('aborted', 'aborted')));
      req.destroy();
    };
    x.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(() => reject(classify(err))));
    if (x.body !== undefined) req.write(x.body);
    req.end();
  });
}

function classify(err: Error & { code?: string }): TransportFailure {
  const code = err.code;
  if (code && TLS_CODES.test(code)) return new TransportFailure('tls', `TLS verification failed (${code}); trust the server's CA with tls.caFile, or set tls.verify: false for this environment`, code, { cause: err });
  return new TransportFailure('connection', err.message || 'connection failed', code, { cause: err });
}
