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

/** 1 MiB: the largest shipped playbook is a few KB; a file past this is a mistake or an attack, not a playbook. */
export const DEFAULT_MAX_PLAYBOOK_BYTES = 1024 * 1024;

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
  const base = opts.relativeTo ?? process.cwd();
  const display = (abs: string) => (relative(base, abs).startsWith('..') || isAbsolute(relative(base, abs)) ? abs : relative(base, abs));
  const diagnostics: Diagnostic[] = [];
  const files = new Set<string>();
  const optional = new Set((opts.optional ?? []).map((p) => resolve(base, p)));
  for (const given of opts.paths) {
    const abs = resolve(base, given);
    if (!existsSync(abs)) {
      if (!optional.has(abs)) diagnostics.push({ file: display(abs), line: 1, col: 1, message: 'no such file or directory', severity: 'error' });
      continue;
    }
    for (const f of statSync(abs).isDirectory() ? findPlaybookFiles(abs) : [abs]) files.add(f);
  }
  const results: (ValidationResult & { file: string })[] = [];
  for (const abs of files) {
    const file = display(abs);
    const limit = opts.maxFileBytes ?? DEFAULT_MAX_PLAYBOOK_BYTES;
    let text: string;
    try {
      const size = statSync(abs).size;
      if (size > limit) {
        diagnostics.push(tooLarge(file, size, limit));
        continue;
      }
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      diagnostics.push({ file, line: 1, col: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, severity: 'error' });
      continue;
    }
    const r = validatePlaybookText(text, file, { lookup: opts.lookup, environments: opts.environments });
    results.push({ ...r, file });
    diagnostics.push(...r.diagnostics);
  }
  const duplicated = duplicates(results, diagnostics);
  const playbooks = results.flatMap((r) => (r.playbook && !duplicated.has(r.playbook.id) ? [r.playbook] : []));
  return { playbooks: playbooks.sort((a, b) => (a.id < b.id ? -1 : 1)), diagnostics: sortDiagnostics(diagnostics), files: files.size };
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
