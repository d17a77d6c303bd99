import type { RequestHandler, Response } from 'express';
import { StewardError } from '../common/errors.js';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { sendProblem } from './problem.js';

/**
 * The responses in progress, so shutdown can end the endless ones. An HTTP server's close() waits for every open
 * response: a run's SSE stream or an /mcp stream never ends on its own, so without this SIGTERM waited the whole
 * shutdownTimeoutMs and exited 1. On shutdown, streams (text/event-stream) end at once (clients reconnect elsewhere
 * or later), ordinary requests in flight finish, and new requests on kept-alive connections get 503.
 */
export class OpenStreams {
  private readonly open = new Set<Response>();
  private closing = false;

  middleware(): RequestHandler {
    return (req, res, next) => {
      if (this.closing) {
        res.setHeader('Connection', 'close');
        return sendProblem(res, new StewardError('NOT_READY', 'the daemon is shutting down'), (req as AuthedRequest).requestId, req.path);
      }
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      next();
    };
  }

  /** Open streaming (text/event-stream) responses, for metrics. */
  get streaming(): number {
    let n = 0;
    for (const res of this.open) if (/^text\/event-stream/i.test(String(res.getHeader('content-type') ?? ''))) n++;
    return n;
  }

  /** Ends every streaming response; returns how many. Later requests are refused. */
  endStreams(): number {
    this.closing = true;
    let ended = 0;
    for (const res of this.open) {
      if (!/^text\/event-stream/i.test(String(res.getHeader('content-type') ?? ''))) continue;
      // A stream's writer (heartbeat, run events) may write once more before it sees 'close': swallow that.
      res.on('error', () => undefined);
      res.end();
      ended++;
    }
    return ended;
  }
}
