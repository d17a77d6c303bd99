import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { LOGGER } from './tokens.js';
import { sendProblem, toStewardError } from './problem.js';

/** Global filter: every error leaves as application/problem+json; 5xx are logged with their stack, 4xx are not. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<AuthedRequest>();
    const res = http.getResponse<Response>();
    const err = toStewardError(exception);
    if (err.status >= 500) {
      this.logger.error({ err: err.cause ?? err, requestId: req.requestId, method: req.method, path: req.path }, 'request failed');
    }
    sendProblem(res, err, req.requestId, req.originalUrl?.split('?')[0]);
  }
}
