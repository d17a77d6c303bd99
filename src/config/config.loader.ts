import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ErrorDetail } from '../common/errors.js';
import { loadContract } from '../common/paths.js';
import { yamlLocator, yamlToJs, type Locate } from '../common/yaml-locate.js';
import { compileSchema, dottedPath, formatAjvErrors, type PathSegment } from '../common/json-schema.js';
import { llmProblems } from '../agent/llm.checks.js';
import { checkSchedulesConfig } from '../schedule/schedule.checks.js';
import { environmentKindProblems } from './environment-kinds.js';
import { jwtConfigProblems } from '../auth/jwt.checks.js';
import type { LoadedConfig, PluginSettings, StewardConfig } from './config.types.js';

export const DEFAULT_CONFIG_FILE = 'steward.yaml';
const REFERENCE = /\$\{([a-z]+):([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEYS = /^(token|password|apiKey|secret|authorization|key)$/i;
const MIN_LITERAL_TOKEN = 16;
/**
 * Largest steward.yaml read: real ones are a few KB; a bigger file is refused unparsed (dense YAML costs ~4 ms per
 * KB to parse, on the event loop when POST /reload reads it again).
 */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Largest file a ${file:} reference reads (a secret, a CA bundle): read as text, never parsed. */
export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;

export interface ConfigSource {
  /** Path given by --config (explicit: a missing file is an error). */
  flag?: string;
  /** process.env (STEWARD_CONFIG, and the ${env:} references). */
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Where the config comes from: --config, then STEWARD_CONFIG, then ./steward.yaml if it exists. */
export function resolveConfigFile(src: ConfigSource): { file: string; explicit: boolean } {
  const given = src.flag ?? src.env.STEWARD_CONFIG;
  if (given) return { file: resolve(src.cwd, given), explicit: true };
  return { file: resolve(src.cwd, DEFAULT_CONFIG_FILE), explicit: false };
}

/** Reads, resolves, validates. Throws ConfigError listing every problem found, each with its YAML path and line. */
export function loadConfig(src: ConfigSource): LoadedConfig {
  const { file, explicit } = resolveConfigFile(src);
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(file, [{ message: `config file ${file} does not exist` }]);
    return fromText(undefined, '', src.cwd, src.env);
  }
  const stat = statSync(file);
  if (stat.isDirectory()) throw new ConfigError(file, [{ message: `config path ${file} is a directory` }]);
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [{ message: `config file is ${stat.size} bytes, over the limit of ${MAX_CONFIG_BYTES} bytes; it was not parsed` }]);
  }
  return fromText(file, readFileSync(file, 'utf8'), dirname(file), src.env);
}

/** The same pipeline over YAML text (also used by tests and `steward config check`). */
export function fromText(
  file: string | undefined,
  text: string,
  baseDir: string,
  env: Record<string, string | undefined>,
): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { message: `YAML syntax error: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    );
  }
  const js = yamlToJs(doc);
  if (!js.ok) {
    const pos = lineCounter.linePos(js.offset);
    throw new ConfigError(file, [{ message: js.message, line: pos.line, column: pos.col }]);
  }
  const raw = js.value ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ message: 'the configuration must be a YAML mapping (key: value)', line: 1, column: 1 }]);
  }
  const locate = yamlLocator(doc, lineCounter);
  const secrets = new Set<string>();
  const errors: ErrorDetail[] = [];
  const resolved = resolveReferences(raw, [], { env, baseDir, secrets, errors, locate });

  // Every error of the file at once: an unset ${env:} does not hide the schema errors elsewhere. A value whose
  // reference failed is reported once, by the reference error, not again by the schema or the checks after it.
  const unresolved = errors.map((e) => e.path ?? '');
  const beside = (e: ErrorDetail) => !unresolved.some((p) => e.path === p || e.path?.startsWith(`${p}.`) || e.path?.startsWith(`${p}[`));
  const validate = compileSchema(loadContract('config.schema.json'), { useDefaults: true });
  const schemaErrors = validate(resolved) ? [] : formatAjvErrors(validate.errors ?? [], locate);
  errors.push(...schemaErrors.filter(beside));
  const config = resolved as StewardConfig;
  if (schemaErrors.length === 0) errors.push(...semanticChecks(config, locate).filter(beside));
  errors.push(...environmentKindProblems(config, baseDir).map(({ at, ...p }) => ({ ...p, ...locate(at) })).filter(beside));
  if (errors.length > 0) {
    errors.sort((a, b) => Number(a.line ?? 0) - Number(b.line ?? 0));
    throw new ConfigError(file, errors);
  }
  if (!config.store.url && !config.store.path) config.store.path = '.steward/data';
  collectSecrets(config, secrets);
  collectExternalServerSecrets(config, secrets);
  return { config, file, baseDir, secrets: [...secrets].filter((s) => s.length >= 4) };
}

interface ResolveCtx {
  env: Record<string, string | undefined>;
  baseDir: string;
  secrets: Set<string>;
  errors: ErrorDetail[];
  locate: Locate;
}

function resolveReferences(value: unknown, path: PathSegment[], ctx: ResolveCtx): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, [...path, i], ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, [...path, k], ctx)]));
  }
  if (typeof value !== 'string' || !value.includes('${')) return value;
  return value.replace(REFERENCE, (whole, scheme: string, arg: string) => {
    const fail = (message: string) => {
      ctx.errors.push({ path: dottedPath(path), message, ...ctx.locate(path) });
      return whole;
    };
    if (scheme === 'env') {
      if (!ENV_NAME.test(arg)) return fail(`\${env:${arg}} is not a valid environment variable name`);
      const v = ctx.env[arg];
      if (v === undefined || v === '') return fail(`environment variable ${arg} is not set`);
      ctx.secrets.add(v);
      return v;
    }
    if (scheme === 'file') {
      const p = isAbsolute(arg) ? arg : resolve(ctx.baseDir, arg);
      try {
        const size = statSync(p).size;
        if (size > MAX_REFERENCED_FILE_BYTES) return fail(`file ${p} referenced by \${file:} is ${size} bytes, over the limit of ${MAX_REFERENCED_FILE_BYTES}`);
        const v = readFileSync(p, 'utf8').replace(/\r?\n$/, '');
        if (v === '') return fail(`file ${p} referenced by \${file:} is empty`);
        ctx.secrets.add(v);
        return v;
      } catch (e) {
        return fail(`cannot read file ${p} referenced by \${file:}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    return fail(`unknown reference \${${scheme}:...}; use \${env:NAME} or \${file:PATH}`);
  });
}

function semanticChecks(config: StewardConfig, locate: Locate): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const at = (path: PathSegment[], message: string) => errors.push({ path: dottedPath(path), message, ...locate(path) });
  if (config.store.path && config.store.url) at(['store'], 'set either path (embedded store) or url (PostgreSQL), not both');
  const names = new Map<string, number>();
  const values = new Map<string, number>();
  config.auth.tokens.forEach((t, i) => {
    if (names.has(t.name)) at(['auth', 'tokens', i, 'name'], `duplicate token name "${t.name}" (also at auth.tokens[${names.get(t.name)}])`);
    names.set(t.name, i);
    if (t.token.startsWith('sha256:')) {
      if (!/^sha256:[0-9a-f]{64}$/.test(t.token)) at(['auth', 'tokens', i, 'token'], 'a sha256: token must be "sha256:" followed by 64 lowercase hex digits');
    } else if (t.token.length < MIN_LITERAL_TOKEN) {
      at(['auth', 'tokens', i, 'token'], `token is too short (at least ${MIN_LITERAL_TOKEN} characters); use a long random value or its sha256: hash`);
    }
    if (values.has(t.token)) at(['auth', 'tokens', i, 'token'], `the same token is configured twice (also at auth.tokens[${values.get(t.token)}])`);
    values.set(t.token, i);
  });
  if (config.store.connect.maxDelayMs < config.store.connect.initialDelayMs) {
    at(['store', 'connect', 'maxDelayMs'], 'must be at least initialDelayMs');
  }
  for (const p of checkSchedulesConfig(config)) at(p.path, p.message);
  for (const p of llmProblems(config.llm)) at(p.path.split('.'), p.message);
  for (const p of jwtConfigProblems(config)) at(p.path, p.message);
  return errors;
}

/**
 * Every value of `plugins.mcp.settings.servers.*.env` and `.headers` (external MCP servers): credentials are passed
 * there under any name. For a header like `Bearer <token>`, the credential alone too.
 */
function collectExternalServerSecrets(config: StewardConfig, out: Set<string>): void {
  const servers = (config.plugins.mcp as PluginSettings | undefined)?.settings?.servers;
  if (!servers || typeof servers !== 'object') return;
  for (const server of Object.values(servers)) {
    for (const key of ['env', 'headers']) {
      const values = (server as Record<string, unknown> | null)?.[key];
      if (!values || typeof values !== 'object') continue;
      for (const v of Object.values(values)) {
        if (typeof v !== 'string' || v === '') continue;
        out.add(v);
        const credential = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(v)?.[1];
        if (key === 'headers' && credential) out.add(credential);
      }
    }
  }
}

/** Secret values worth redacting even when written literally in the file. */
function collectSecrets(value: unknown, out: Set<string>, key = ''): void {
  if (Array.isArray(value)) return value.forEach((v) => collectSecrets(v, out, key));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, out, k);
    return;
  }
  if (typeof value !== 'string') return;
  if (SECRET_KEYS.test(key) && !value.startsWith('sha256:')) out.add(value);
  if (key === 'url') {
    try {
      const u = new URL(value);
      if (u.password) out.add(decodeURIComponent(u.password));
    } catch {
      /* validated elsewhere */
    }
  }
}
