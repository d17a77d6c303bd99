import { HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { ERROR_CATALOGUE, type ErrorCode, type ErrorDetail, StewardError } from '../common/errors.js';
import { scrubStored } from '../logging/stored.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  instance?: string;
  errors?: ErrorDetail[];
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Any thrown value → a StewardError (unknown errors become INTERNAL, their message kept out of the response). */
export function toStewardError(err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const body = err.getResponse();
    const msg = typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : err.message;
    if (status === 404 && /^Cannot [A-Z]+ /.test(msg)) return new StewardError('ROUTE_NOT_FOUND', msg.replace(/^Cannot/, 'no route for'));
    const code = STATUS_CODES[status];
    if (code) return new StewardError(code, msg);
  }
  // body-parser errors carry a `type`
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  if (e && e.type === 'entity.too.large') return new StewardError('BODY_TOO_LARGE', `request body exceeds the limit of ${e.limit} bytes`);
  if (e && e.type === 'entity.parse.failed') return new StewardError('INVALID_JSON', `request body is not valid JSON: ${e.message ?? ''}`.trim());
  if (e && (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')) return new StewardError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
  // body-parser's inflate failure: createError(400, zlibError) with no `type`
  const z = err as { code?: unknown };
  if (e && e.status === 400 && typeof z.code === 'string' && z.code.startsWith('Z_')) {
    const why = e.message && e.message !== 'Bad Request' ? `${e.message} (${z.code})` : z.code;
    return new StewardError('VALIDATION_FAILED', `request body is not the compressed data its Content-Encoding header announces: ${why}`);
  }
  if (e && e.type === 'request.aborted') return new StewardError('VALIDATION_FAILED', 'request aborted by the client');
  return new StewardError('INTERNAL', 'an internal error occurred; see the daemon log for this requestId', { cause: err });
}

export function toProblem(err: StewardError, requestId?: string, instance?: string): Problem {
  return {
    type: `https://steward.dev/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: ERROR_CATALOGUE[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(requestId ? { requestId } : {}),
    ...(instance ? { instance } : {}),
    ...(err.errors?.length ? { errors: err.errors } : {}),
  };
}

/** The single place an error becomes an HTTP response. */
export function sendProblem(res: Response, err: StewardError, requestId?: string, instance?: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
  // An error's message may quote what a target or provider said, secrets included.
  res.status(err.status).type('application/problem+json').send(JSON.stringify(scrubStored(toProblem(err, requestId, instance))));
}
