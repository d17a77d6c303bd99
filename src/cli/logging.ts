import type { DestinationStream } from 'pino';
import type { LoadedConfig, LoggingConfig } from '../config/config.types.js';
import type { CliIo } from './io.js';

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'component']);

/**
 * Where the in-process daemon logs when a command (not `serve`) runs it: stderr, so stdout carries only the
 * command's own output. JSON lines when the config asks for json; otherwise one short line each:
 * `steward: warn: <msg> {extra fields}`. Synchronous, so nothing is lost when the process exits.
 */
export function cliLogDestination(io: CliIo, format: LoggingConfig['format']): DestinationStream {
  if (format === 'json') return { write: (line: string) => io.err(line.endsWith('\n') ? line : `${line}\n`) };
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        io.err(line.endsWith('\n') ? line : `${line}\n`);
        return;
      }
      const extra = Object.fromEntries(Object.entries(o).filter(([k]) => !OMIT.has(k)));
      const err = extra.err as { message?: string } | undefined;
      if (err?.message) extra.err = err.message;
      const tail = Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : '';
      io.err(`steward: ${LEVEL_NAMES[Number(o.level)] ?? 'log'}: ${String(o.msg ?? '')}${tail}\n`);
    },
  };
}

/** The loaded config with the log level a command asked for (the file's level is for the daemon). */
export function withLogLevel(loaded: LoadedConfig, level: LoggingConfig['level']): LoadedConfig {
  return { ...loaded, config: { ...loaded.config, logging: { ...loaded.config.logging, level } } };
}
