import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LoggingConfig } from '../config/config.types.js';
import { isErrorLike, type Redactor } from './redactor.js';

export type { Logger } from 'pino';

export interface LoggerSetup {
  logging: LoggingConfig;
  redactor: Redactor;
  /** Where lines go (default stdout). Tests pass a capturing stream. */
  destination?: DestinationStream;
  /** Whether the destination is a terminal, for format: auto (default: process.stdout.isTTY). */
  isTty?: boolean;
}

/**
 * The root pino logger. Every object and message passes through the Redactor before it is written, so a secret that
 * reaches a log call by accident (an error message quoting a URL with a password, a header) is still not printed.
 */
export function createLogger(setup: LoggerSetup): Logger {
  const { logging, redactor } = setup;
  const pretty = logging.format === 'pretty' || (logging.format === 'auto' && (setup.isTty ?? process.stdout.isTTY === true));
  const options: LoggerOptions = {
    level: logging.level,
    base: { service: 'steward' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // formatters.log runs first and already turns an Error into a redacted plain {type, message, stack, code}: keep
    // that as it is (wrapping it in new Error(String(e)) made every logged error "[object Object]").
    serializers: { err: (e: unknown) => serializeError(e, redactor) },
    formatters: { log: (obj) => redactor.redact(obj) },
    hooks: {
      logMethod(args, method) {
        // logger.error(err) with no message: pino would print err.message as the line's msg untouched by the formatters.
        const [first, second] = args as unknown[];
        const given = first !== null && typeof first === 'object' && isErrorLike(first) && typeof second !== 'string' ? [{ err: first }, first.message, ...args.slice(1)] : args;
        const clean = given.map((a) => (typeof a === 'string' ? redactor.redactString(a) : a));
        return method.apply(this, clean as Parameters<typeof method>);
      },
    },
  };
  const destination =
    setup.destination ??
    (pretty ? pinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }) : pino.destination({ sync: true }));
  return pino(options, destination);
}

/** An error (or whatever was thrown) as a redacted {type, message, stack, code, cause} for the log line. */
function serializeError(e: unknown, redactor: Redactor): unknown {
  if (e !== null && typeof e === 'object') return redactor.redact(e);
  return { type: 'Error', message: redactor.redactString(String(e)) };
}
