import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { EXIT } from './exit-codes.js';
import { CliError, type CliIo } from './io.js';

/** One named daemon to talk to: like a kubeconfig context, so --server/--token-file need not be repeated. */
export interface ContextEntry {
  server: string;
  /** Absolute path of the file holding the bearer token (the token itself is never stored here). */
  tokenFile?: string;
}

export interface ContextFile {
  current?: string;
  contexts: Record<string, ContextEntry>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** $STEWARD_CONTEXT_FILE, else $XDG_CONFIG_HOME/steward/contexts.yaml, else ~/.config/steward/contexts.yaml. */
export function contextFilePath(io: Pick<CliIo, 'env' | 'cwd'>): string | undefined {
  if (io.env.STEWARD_CONTEXT_FILE) return resolve(io.cwd, io.env.STEWARD_CONTEXT_FILE);
  const base = io.env.XDG_CONFIG_HOME || (io.env.HOME ? join(io.env.HOME, '.config') : undefined);
  return base ? join(base, 'steward', 'contexts.yaml') : undefined;
}

export function readContexts(file: string | undefined): ContextFile {
  if (!file || !existsSync(file)) return { contexts: {} };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(EXIT.INVALID, `${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (raw == null) return { contexts: {} };
  const o = raw as { current?: unknown; contexts?: unknown };
  if (typeof o !== 'object' || Array.isArray(o) || (o.contexts !== undefined && (typeof o.contexts !== 'object' || o.contexts === null || Array.isArray(o.contexts)))) {
    throw new CliError(EXIT.INVALID, `${file}: expected a mapping with "current" and "contexts"`);
  }
  const contexts: Record<string, ContextEntry> = {};
  for (const [name, c] of Object.entries((o.contexts ?? {}) as Record<string, unknown>)) {
    const e = c as { server?: unknown; tokenFile?: unknown } | null;
    if (!e || typeof e.server !== 'string' || (e.tokenFile !== undefined && typeof e.tokenFile !== 'string')) {
      throw new CliError(EXIT.INVALID, `${file}: context "${name}" needs server (a URL) and optionally tokenFile (a path)`);
    }
    contexts[name] = { server: e.server, ...(e.tokenFile !== undefined && { tokenFile: e.tokenFile }) };
  }
  return { ...(typeof o.current === 'string' && { current: o.current }), contexts };
}

/** Written whole through a temporary file, mode 0600 (it names token files), its folder 0700 when created. */
export function writeContexts(file: string, data: ContextFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, toYaml(data), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function checkContextName(name: string): void {
  if (!NAME.test(name)) throw new CliError(EXIT.INVALID, `context name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-' (at most 63)`);
}

/**
 * The context commands run against: --context, then $STEWARD_CONTEXT, then the file's current one; undefined when
 * none is set. A named context that does not exist is an error (exit 2).
 */
export function selectedContext(io: Pick<CliIo, 'env' | 'cwd'>, flag?: string): (ContextEntry & { name: string }) | undefined {
  const file = contextFilePath(io);
  const wanted = flag ?? io.env.STEWARD_CONTEXT;
  if (!wanted && (!file || !existsSync(file))) return undefined;
  const data = readContexts(file);
  const name = wanted ?? data.current;
  if (!name) return undefined;
  const c = data.contexts[name];
  if (!c) throw new CliError(EXIT.INVALID, `no context named "${name}" in ${file ?? 'the context file'} (steward context list)`);
  return { name, ...c };
}
