import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type RequestHandler, type Response } from 'express';
import { StewardError } from '../common/errors.js';
import type { Logger } from 'pino';
import type { AuthedRequest } from '../auth/auth.guard.js';
import type { TokenService } from '../auth/token.service.js';
import { sendProblem, toStewardError } from './problem.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** X-Request-Id: the caller's (when well-formed) or a new UUID; echoed on the response and in every problem body. */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const r = req as AuthedRequest;
    r.requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ requestId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, actor: r.principal?.name }, 'http');
    });
    next();
  };
}

const hasBody = (req: AuthedRequest) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * JSON bodies only, size-limited. Parser failures are answered here as problem+json (they happen before Nest's
 * filter can see them) through the same renderer the filter uses.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: () => true, strict: false });
  return (req, res: Response, next: NextFunction) => {
    const r = req as AuthedRequest;
    if (!hasBody(r) || ['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(req.method)) return next();
    const type = req.headers['content-type'] ?? '';
    if (!JSON_TYPE.test(type)) {
      return sendProblem(
        res,
        new StewardError('UNSUPPORTED_MEDIA_TYPE', `request bodies must be application/json (got ${type ? JSON.stringify(type.slice(0, 100)) : 'no Content-Type'})`),
        r.requestId,
        req.path,
      );
    }
    parse(req, res, (err?: unknown) => (err ? sendProblem(res, toStewardError(err), r.requestId, req.path) : next()));
  };
}

/**
 * Authenticates every request before its body is read (so nobody unauthenticated gets a body parsed, and unknown
 * routes answer 401 rather than revealing what exists). Paths in `publicPaths` pass; the AuthGuard then checks roles.
 */
export function authenticate(tokens: TokenService, publicPaths: string[]): RequestHandler {
  const open = new Set(publicPaths);
  return (req, res, next) => {
    const r = req as AuthedRequest;
    if (open.has(req.path)) return next();
    try {
      r.principal = tokens.authenticate(req.headers.authorization);
      next();
    } catch (e) {
      sendProblem(res, toStewardError(e), r.requestId, req.path);
    }
  };
}
