import type { LoadedConfig } from '../config/config.types.js';
import type { CliIo } from './io.js';

/** What every command gets from the program. */
export interface CliContext {
  io: CliIo;
  /** Loads steward.yaml: --config, then $STEWARD_CONFIG, then ./steward.yaml (ConfigError: exit 2). */
  load(flag?: string): LoadedConfig;
  /** Sets the exit code (the command's outcome). */
  exit(code: number): void;
}

/** The exit codes, for every command's --help. */
export const EXIT_HELP = '\nExit codes: 0 success, 1 runtime failure, 2 invalid input or configuration.\n';
