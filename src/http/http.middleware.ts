import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type RequestHandler, type Response } from 'express';
import { type ErrorDetail, StewardError } from '../common/errors.js';
import type { Logger } from 'pino';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { CSRF_HEADER, sessionCookie } from '../auth/session.js';
import type { TokenService } from '../auth/token.service.js';
import { badText, jsonProblem } from '../common/json-guard.js';
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
    parse(req, res, (err?: unknown) => {
      if (err) return sendProblem(res, toStewardError(err), r.requestId, req.path);
      const problem = jsonProblem(req.body as unknown);
      if (!problem) return next();
      if (req.path === '/mcp') return rpcInvalidParams(res, req.body as unknown, problem);
      sendProblem(res, new StewardError('VALIDATION_FAILED', `invalid body: ${problem.path}: ${problem.message}`, { errors: [problem] }), r.requestId, req.path);
    });
  };
}

/**
 * /mcp speaks JSON-RPC: a message with an argument no tool could take (U+0000, a lone surrogate, absurd nesting) is
 * answered as the protocol's "Invalid params" (-32602) for that request id, before any session or tool sees it.
 */
function rpcInvalidParams(res: Response, body: unknown, problem: ErrorDetail): void {
  const id = body && typeof body === 'object' && !Array.isArray(body) ? ((body as { id?: unknown }).id ?? null) : null;
  const path = problem.path === '(body)' ? 'message' : problem.path;
  res.status(200).json({ jsonrpc: '2.0', id, error: { code: -32602, message: `Invalid params: ${path} ${problem.message}` } });
}

/**
 * The URL's path and query, decoded, must be text the daemon can store and compare: U+0000, a lone surrogate or a
 * broken %-escape is a 400 here (else it reached the database as `run_\0abc` and came back as a 500).
 */
export function saneUrl(): RequestHandler {
  return (req, res, next) => {
    const r = req as AuthedRequest;
    const raw = req.originalUrl ?? req.url;
    const q = raw.indexOf('?');
    const parts = [raw.slice(0, q < 0 ? undefined : q), ...(q < 0 ? [] : raw.slice(q + 1).split('&').flatMap((kv) => kv.split('=')))];
    for (const part of parts) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return sendProblem(res, new StewardError('VALIDATION_FAILED', 'the URL has a malformed %-escape (not UTF-8)'), r.requestId);
      }
      const bad = badText(decoded);
      if (bad) return sendProblem(res, new StewardError('VALIDATION_FAILED', `the URL ${bad}`), r.requestId);
    }
    next();
  };
}

/**
 * Authenticates every request before its body is read (so nobody unauthenticated gets a body parsed, and unknown
 * routes answer 401 rather than revealing what exists). Paths in `publicPaths` (and requests `isPublic` accepts) pass;
 * the AuthGuard then checks roles. A request without an Authorization header may authenticate with the console's
 * session cookie instead (same roles; a state-changing method must then carry the session's CSRF token). With auth.jwt,
 * a bearer JWT is verified against its issuer, and every 401 points OAuth clients at the protected-resource metadata.
 */
export function authenticate(tokens: TokenService, publicPaths: string[], isPublic?: (method: string, path: string) => boolean): RequestHandler {
  const open = new Set(publicPaths);
  return (req, res, next) => {
    const r = req as AuthedRequest;
    if (open.has(req.path) || isPublic?.(req.method, req.path)) return next();
    const fail = (e: unknown) => {
      const err = toStewardError(e);
      sendProblem(res, tokens.jwt ? tokens.jwt.challenge(err, req) : err, r.requestId, req.path);
    };
    // A bearer shaped like a JWT that is not one of the static tokens: verified against auth.jwt's issuer.
    const jwt = tokens.jwt?.candidate(req.headers.authorization);
    if (jwt !== undefined && !tokens.identify(jwt)) {
      tokens.jwt!.verify(jwt).then((p) => {
        r.principal = p;
        next();
      }, fail);
      return;
    }
    const session = tokens.sessions && req.headers.authorization === undefined ? sessionCookie(req.headers.cookie) : undefined;
    if (session !== undefined) {
      const csrf = req.headers[CSRF_HEADER];
      tokens.sessions!.authenticate(session, { method: req.method, csrf: typeof csrf === 'string' ? csrf : undefined }).then((p) => {
        r.principal = p;
        r.viaSession = true;
        next();
      }, fail);
      return;
    }
    try {
      r.principal = tokens.authenticate(req.headers.authorization);
      next();
    } catch (e) {
      fail(e);
    }
  };
}
