import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import { LOGGER } from '../http/tokens.js';
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { DEFAULT_MAX_PLAYBOOK_BYTES, loadPlaybooks, loadPlaybooksAsync, tooLarge, type LoadOptions, type LoadResult } from './playbook.loader.js';
import type { ParsedPlaybook } from './playbook.types.js';
import { validatePlaybookText } from './playbook.validator.js';
import { PLAYBOOKS_OPTIONS } from './playbooks.tokens.js';

/** What the service loads: the loader's options less what it is given per call. */
export type PlaybooksServiceOptions = Omit<LoadOptions, 'relativeTo'> & { baseDir: string };

/**
 * Holds the loaded playbooks. A broken file is logged and left out, never fatal; `reload()` reads the directories
 * again and swaps the set at once.
 */
@Injectable()
export class PlaybooksService {
  private byId = new Map<string, ParsedPlaybook>();
  private problems: Diagnostic[] = [];

  constructor(
    @Inject(PLAYBOOKS_OPTIONS) private readonly options: PlaybooksServiceOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.reload();
  }

  reload(): { playbooks: number; diagnostics: Diagnostic[] } {
    const { baseDir, ...rest } = this.options;
    return this.apply(loadPlaybooks({ ...rest, relativeTo: baseDir }));
  }

  /** reload() giving the event loop a turn between files (POST /reload, file watching): requests keep being answered. */
  async reloadAsync(): Promise<{ playbooks: number; diagnostics: Diagnostic[] }> {
    const { baseDir, ...rest } = this.options;
    return this.apply(await loadPlaybooksAsync({ ...rest, relativeTo: baseDir }));
  }

  private apply(result: LoadResult): { playbooks: number; diagnostics: Diagnostic[] } {
    this.byId = new Map(result.playbooks.map((p) => [p.id, p]));
    this.problems = result.diagnostics;
    for (const d of result.diagnostics) this.logger[d.severity === 'error' ? 'error' : 'warn']({ file: d.file, line: d.line, col: d.col }, `playbook: ${formatDiagnostic(d)}`);
    this.logger.info({ playbooks: result.playbooks.length, files: result.files, errors: result.diagnostics.filter((d) => d.severity === 'error').length }, 'playbooks loaded');
    return { playbooks: result.playbooks.length, diagnostics: result.diagnostics };
  }

  /** The valid playbooks, sorted by id. */
  list(): ParsedPlaybook[] {
    return [...this.byId.values()];
  }

  /** The playbook, or PLAYBOOK_NOT_FOUND (saying when a file of that name failed validation). */
  get(id: string): ParsedPlaybook {
    const found = this.byId.get(id);
    if (found) return found;
    throw new StewardError('PLAYBOOK_NOT_FOUND', `no playbook "${id}"${this.problems.some((d) => d.severity === 'error') ? ' (some playbook files are invalid: see GET /playbooks)' : ''}`);
  }

  /** Problems found by the last load. */
  diagnostics(): Diagnostic[] {
    return this.problems;
  }

  /** Validates YAML text as the loader would (without the cross-file duplicate check). */
  validate(yaml: string, file = 'playbook.yaml'): { valid: boolean; diagnostics: Diagnostic[]; playbook?: ParsedPlaybook } {
    const limit = this.options.maxFileBytes ?? DEFAULT_MAX_PLAYBOOK_BYTES;
    const bytes = Buffer.byteLength(yaml, 'utf8');
    if (bytes > limit) return { valid: false, diagnostics: [tooLarge(file, bytes, limit)] };
    const r = validatePlaybookText(yaml, file, { lookup: this.options.lookup, environments: this.options.environments });
    const diagnostics = sortDiagnostics(r.diagnostics);
    return { valid: !hasErrors(diagnostics), diagnostics, ...(r.playbook && { playbook: r.playbook }) };
  }

  /** A playbook given inline (an ad-hoc run): parsed, or PLAYBOOK_INVALID listing every error with its line. */
  parse(yaml: string, file = 'playbook.yaml'): ParsedPlaybook {
    const r = this.validate(yaml, file);
    if (r.playbook) return r.playbook;
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    throw new StewardError('PLAYBOOK_INVALID', `${file} is invalid: ${errors.map(formatDiagnostic).join('; ')}`, {
      errors: errors.map((d) => ({ message: d.message, file: d.file, line: d.line, column: d.col })),
    });
  }
}
