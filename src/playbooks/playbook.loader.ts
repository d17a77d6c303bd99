import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import type { KnownEnvironments } from './playbook.schedule.js';
import type { ParsedPlaybook } from './playbook.types.js';
import { validatePlaybookText, type ValidationResult } from './playbook.validator.js';
import type { ToolLookup } from './tool-lookup.js';

export interface LoadOptions {
  /** Files and directories; directories are searched recursively for *.yaml and *.yml (dot-folders skipped). */
  paths: readonly string[];
  lookup: ToolLookup;
  /** Configured environments, when known: schedules are checked against them. */
  environments?: KnownEnvironments;
  /** Files are named relative to this directory when inside it (default: the cwd). */
  relativeTo?: string;
  /** Paths that may be absent without an error (the built-in playbooks directory). */
  optional?: readonly string[];
  /** Larger files are reported and left out unread (default DEFAULT_MAX_PLAYBOOK_BYTES; `playbooks.maxFileBytes`). */
  maxFileBytes?: number;
}

/**
 * 256 KiB: the largest shipped playbook is a few KB. Parsing and validating dense YAML costs ~4 ms per KB on one
 * core (a 1 MB file of 7,400 steps: 4.4 s), all of it on the event loop, so the limit bounds how long one file can
 * hold up the daemon (~1 s).
 */
export const DEFAULT_MAX_PLAYBOOK_BYTES = 256 * 1024;

/** The diagnostic for text over the limit (files, and YAML posted to /playbooks/validate or POST /runs). */
export const tooLarge = (file: string, bytes: number, limit: number): Diagnostic => ({
  file,
  line: 1,
  col: 1,
  message: `file is ${bytes} bytes, over the limit of ${limit} bytes (playbooks.maxFileBytes); it was not parsed`,
  severity: 'error',
});

export interface LoadResult {
  /** The valid playbooks, sorted by id. */
  playbooks: ParsedPlaybook[];
  /** Every error and warning, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** How many files were read. */
  files: number;
}

const PLAYBOOK_FILE = /\.ya?ml$/i;

/** Reads and validates every playbook under the paths; a broken file is reported and left out, never fatal. */
export function loadPlaybooks(opts: LoadOptions): LoadResult {
  const load = new Load(opts);
  for (const abs of load.files) load.one(abs);
  return load.result();
}

/**
 * The same, giving the event loop a turn between files, so a reload of many files never holds up other requests
 * (/health) for longer than one file takes (measured: ~4 ms per KB of dense YAML, hence playbooks.maxFileBytes).
 */
export async function loadPlaybooksAsync(opts: LoadOptions): Promise<LoadResult> {
  const load = new Load(opts);
  for (const abs of load.files) {
    // A few ms, not one setImmediate: a request needs several turns of the loop (accept, read, answer).
    await new Promise<void>((r) => setTimeout(r, 10));
    load.one(abs);
  }
  return load.result();
}

/** One load: the files found, then each read and validated, then the cross-file checks. */
class Load {
  readonly files = new Set<string>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly results: (ValidationResult & { file: string })[] = [];
  private readonly base: string;

  constructor(private readonly opts: LoadOptions) {
    this.base = opts.relativeTo ?? process.cwd();
    const optional = new Set((opts.optional ?? []).map((p) => resolve(this.base, p)));
    for (const given of opts.paths) {
      const abs = resolve(this.base, given);
      if (!existsSync(abs)) {
        if (!optional.has(abs)) this.diagnostics.push({ file: this.display(abs), line: 1, col: 1, message: 'no such file or directory', severity: 'error' });
        continue;
      }
      for (const f of statSync(abs).isDirectory() ? findPlaybookFiles(abs) : [abs]) this.files.add(f);
    }
  }

  one(abs: string): void {
    const file = this.display(abs);
    const limit = this.opts.maxFileBytes ?? DEFAULT_MAX_PLAYBOOK_BYTES;
    let text: string;
    try {
      const size = statSync(abs).size;
      if (size > limit) {
        this.diagnostics.push(tooLarge(file, size, limit));
        return;
      }
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      this.diagnostics.push({ file, line: 1, col: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, severity: 'error' });
      return;
    }
    const r = validatePlaybookText(text, file, { lookup: this.opts.lookup, environments: this.opts.environments });
    this.results.push({ ...r, file });
    this.diagnostics.push(...r.diagnostics);
  }

  result(): LoadResult {
    const duplicated = duplicates(this.results, this.diagnostics);
    const playbooks = this.results.flatMap((r) => (r.playbook && !duplicated.has(r.playbook.id) ? [r.playbook] : []));
    return { playbooks: playbooks.sort((a, b) => (a.id < b.id ? -1 : 1)), diagnostics: sortDiagnostics(this.diagnostics), files: this.files.size };
  }

  private display(abs: string): string {
    const rel = relative(this.base, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  }
}

/** Playbook ids must be unique: each file sharing one gets an error naming the others; none of them is loaded. */
function duplicates(results: (ValidationResult & { file: string })[], out: Diagnostic[]): Set<string> {
  const byId = new Map<string, { file: string; line: number; col: number }[]>();
  for (const r of results) if (r.name) byId.set(r.name.id, [...(byId.get(r.name.id) ?? []), { file: r.file, line: r.name.line, col: r.name.col }]);
  const dup = new Set<string>();
  for (const [id, places] of byId) {
    if (places.length < 2) continue;
    dup.add(id);
    for (const p of places) {
      const others = places.filter((o) => o !== p).map((o) => `${o.file}:${o.line}:${o.col}`);
      out.push({ ...p, message: `metadata.name: duplicate playbook id "${id}" (also in ${others.join(', ')})`, severity: 'error' });
    }
  }
  return dup;
}

/** *.yaml / *.yml under dir, recursively, sorted; folders starting with "." and node_modules are skipped. */
export function findPlaybookFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findPlaybookFiles(full));
    else if (entry.isFile() && PLAYBOOK_FILE.test(entry.name)) out.push(full);
  }
  return out;
}
