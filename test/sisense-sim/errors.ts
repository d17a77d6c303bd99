import { STATUS_CODES } from 'node:http';

/**
 * The three error shapes Sisense answers with. Routes throw SimError; the server writes it.
 * - v1 (`/api/v1/...`, `/api/...` and every 401): {"error": {"code", "message", "status", "httpMessage"}}
 * - v2 (`/api/v2/...`): problem details {"type", "title", "status", "sub", "detail"}, `type` a
 *   https://errors.sisense.dev/http/... URL (api.md §1.13, keboola live bodies)
 * - bare: a status with an empty body (422 for a malformed dashboard id)
 * The numeric v1 codes are the simulator's choice; clients must not depend on them.
 */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`sim error ${status}`);
  }
}

export const V1_CODES = { unauthorized: 5001, forbidden: 403, notFound: 404, badRequest: 400, conflict: 409, server: 500 } as const;

export function v1Error(status: number, message: string, code: number = codeFor(status)): SimError {
  return new SimError(status, { error: { code, message, status, httpMessage: STATUS_CODES[status] ?? 'Error' } });
}

/** v2 problem details; `sub` is Sisense's sub-code (1002 validation, 1011 already exists, 1012 bad id, 1000 other). */
export function v2Error(status: number, title: string, detail: string, sub = V2_SUB[title] ?? 1000): SimError {
  const kind = title === 'ValidationError' ? 'validation-error' : 'general-error';
  return new SimError(status, { type: `https://errors.sisense.dev/http/${kind}`, title, status, sub, detail });
}

const V2_SUB: Record<string, number> = { ValidationError: 1002, ElasticubeAlreadyExists: 1011, EcmApiError: 1012 };

export function bareError(status: number): SimError {
  return new SimError(status, undefined);
}

/** The error shape the real server uses for a path: v2 under /api/v2, v1 elsewhere. */
export function apiError(path: string, status: number, message: string, title = STATUS_CODES[status] ?? 'Error'): SimError {
  return path.startsWith('/api/v2/') ? v2Error(status, title, message) : v1Error(status, message);
}

function codeFor(status: number): number {
  if (status === 401) return V1_CODES.unauthorized;
  return status;
}
