import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { StewardError } from '../common/errors.js';
import { sendProblem } from '../http/problem.js';

/**
 * Failed console sign-ins per client address (express-rate-limit, the well-kept limiter the MCP SDK uses too):
 * `max` failures within `windowMs`, then 429 RATE_LIMITED with Retry-After until the window passes. Successful
 * sign-ins are not counted, so a person who mistypes once is never locked out by their own later sign-ins.
 * Tokens are long random strings; this bounds the guessing a reachable console invites, and the log noise.
 */
export function signInLimiter(opts: { max?: number; windowMs?: number } = {}): RequestHandler {
  const windowMs = opts.windowMs ?? 5 * 60_000;
  const limiter = rateLimit({
    windowMs,
    limit: opts.max ?? 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // The daemon does not trust X-Forwarded-For (trust proxy is off): behind a proxy every client shares its address.
    validate: { xForwardedForHeader: false },
    handler: (req, res) => {
      const retryAfter = Math.max(1, Math.ceil(((req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000);
      sendProblem(res, new StewardError('RATE_LIMITED', `too many failed sign-ins from this address; try again in ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } }), res.getHeader('X-Request-Id') as string | undefined);
    },
  });
  return (req, res, next) => (req.method === 'POST' ? limiter(req, res, next) : next());
}
