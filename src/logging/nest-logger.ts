import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { isErrorLike } from './redactor.js';

/**
 * Routes NestJS's own framework logs through the redacting pino logger. Nest passes strings mostly, but an error or a
 * plain object may come as the message: an error is logged as `err` (message, code and stack) with its message as the
 * line's, an object as JSON — never "[object Object]".
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.debug(...line(message, { context }));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error(...line(message, { context, trace }));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn(...line(message, { context }));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug(...line(message, { context }));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace(...line(message, { context }));
  }
  fatal(message: unknown, context?: string) {
    this.logger.fatal(...line(message, { context }));
  }
}

function line(message: unknown, fields: Record<string, unknown>): [Record<string, unknown>, string] {
  if (typeof message === 'string') return [fields, message];
  if (message !== null && typeof message === 'object' && isErrorLike(message)) return [{ ...fields, err: message }, message.message];
  let text: string;
  try {
    text = JSON.stringify(message) ?? String(message);
  } catch {
    text = String(message); // a cycle
  }
  return [fields, text];
}
