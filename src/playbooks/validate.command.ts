import { EXIT } from '../cli/exit-codes.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadPlaybooks } from './playbook.loader.js';
import type { KnownEnvironments } from './playbook.schedule.js';
import type { ToolLookup } from './tool-lookup.js';

/** What the command writes to and where relative paths start (a subset of the CLI's CliIo). */
export interface ValidateIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

export const DEFAULT_PLAYBOOK_PATHS = ['playbooks'];
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `steward validate [paths]`: every diagnostic as `file:line:col: message` on stdout, then a summary line.
 * Returns 0 when no error was found (warnings allowed), 2 otherwise.
 */
export function validateCommand(paths: readonly string[], lookup: ToolLookup, io: ValidateIo, opts: { environments?: KnownEnvironments } = {}): number {
  const result = loadPlaybooks({ paths: paths.length > 0 ? paths : DEFAULT_PLAYBOOK_PATHS, lookup, environments: opts.environments, relativeTo: io.cwd });
  for (const d of result.diagnostics) io.out(`${formatDiagnostic(d)}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = result.diagnostics.length - errors.length;
  if (errors.length > 0) {
    const files = new Set(errors.map((d) => d.file)).size;
    io.err(`${plural(errors.length, 'error')} in ${plural(files, 'file')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}\n`);
    return EXIT.INVALID;
  }
  io.out(`${plural(result.playbooks.length, 'playbook')} OK${warnings ? ` (${plural(warnings, 'warning')})` : ''}\n`);
  return EXIT.OK;
}
