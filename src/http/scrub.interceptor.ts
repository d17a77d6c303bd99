import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { Redactor } from '../logging/redactor.js';

/**
 * Every body a route returns passes through the redactor's scrub on its way out (keys and shape kept): rows stored
 * before secrets were redacted at write, a thread's messages, or a secret registered since (a token added at reload)
 * are served as [REDACTED]. Cheap when there is nothing to redact (one JSON.stringify and one regex pass).
 */
export class ScrubResponses implements NestInterceptor {
  constructor(private readonly redactor: Redactor) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body: unknown) => this.redactor.scrub(body)));
  }
}
