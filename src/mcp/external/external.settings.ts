import { isAbsolute, resolve } from 'node:path';
import type { ErrorDetail } from '../../common/errors.js';
import { createAjv, formatAjvErrors } from '../../common/json-schema.js';
import { EFFECTS, type Effect } from '../../plugins/plugin-api.js';
import { PluginLoadError } from '../../plugins/plugin.types.js';

/**
 * `plugins.mcp.settings` in steward.yaml: the external MCP servers Steward mounts as the modules of its host-provided
 * `mcp` plugin. `${env:}` references are already resolved by the config loader, which also registers every `env` and
 * `headers` value as a secret.
 */
export const EXTERNAL_PLUGIN_ID = 'mcp';
export const SETTINGS_PATH = `plugins.${EXTERNAL_PLUGIN_ID}.settings`;
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

export type ExternalTransport = 'stdio' | 'http';

export interface ExternalServerConfig {
  transport: ExternalTransport;
  /** stdio: the program and its arguments, run without a shell. */
  command?: string;
  args?: string[];
  /** stdio: added to the few variables a child inherits (HOME, PATH, SHELL, TERM, USER, LOGNAME). */
  env?: Record<string, string>;
  /** stdio: working directory; relative to the config file's directory. */
  cwd?: string;
  /** http: the Streamable HTTP endpoint (`https://host/mcp`). */
  url?: string;
  headers?: Record<string, string>;
  /** Limit on one tools/call. */
  timeoutMs: number;
  /** Limit on start-up: spawn or first request, initialize, tools/list. */
  connectTimeoutMs: number;
  /** Effect per tool (remote name or Steward name), overriding what the remote's annotations suggest. */
  effects: Record<string, Effect>;
  /** Tools (remote or Steward names) to treat as idempotent. */
  idempotent: string[];
}

export interface ExternalSettings {
  servers: Record<string, ExternalServerConfig>;
}

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };

const SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['servers'],
  properties: {
    servers: {
      type: 'object',
      // A server name is the module segment of its tool ids: mcp.<server>.<tool>.
      propertyNames: { pattern: '^[a-z][a-z0-9-]{0,62}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['transport'],
        properties: {
          transport: { enum: ['stdio', 'http'] },
          command: { type: 'string', minLength: 1 },
          args: { type: 'array', items: { type: 'string' } },
          env: STRING_MAP,
          cwd: { type: 'string', minLength: 1 },
          url: { type: 'string', format: 'uri', pattern: '^https?://' },
          headers: STRING_MAP,
          timeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: DEFAULT_CALL_TIMEOUT_MS },
          connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: DEFAULT_CONNECT_TIMEOUT_MS },
          effects: { type: 'object', additionalProperties: { enum: EFFECTS }, default: {} },
          idempotent: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [] },
        },
      },
    },
  },
};
const validate = createAjv({ useDefaults: true }).compile<ExternalSettings>(SETTINGS_SCHEMA);

const ONLY: Record<ExternalTransport, readonly (keyof ExternalServerConfig)[]> = {
  stdio: ['command', 'args', 'env', 'cwd'],
  http: ['url', 'headers'],
};
const REQUIRED: Record<ExternalTransport, keyof ExternalServerConfig> = { stdio: 'command', http: 'url' };

/**
 * Validates `plugins.mcp.settings` (defaults filled into a copy); relative `cwd` resolve against `baseDir`. Throws
 * PluginLoadError whose errors name each path: `plugins.mcp.settings.servers.<name>.<key>`.
 */
export function parseExternalSettings(given: unknown, baseDir: string): ExternalSettings {
  const settings = structuredClone(given ?? {});
  const errors: ErrorDetail[] = validate(settings) ? [] : formatAjvErrors(validate.errors ?? [], undefined, SETTINGS_PATH);
  errors.push(...transportErrors(settings));
  if (errors.length > 0) {
    throw new PluginLoadError(`invalid settings in steward.yaml: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  const parsed = settings as ExternalSettings;
  for (const server of Object.values(parsed.servers)) {
    if (server.cwd !== undefined && !isAbsolute(server.cwd)) server.cwd = resolve(baseDir, server.cwd);
  }
  return parsed;
}

/** What the schema cannot say simply: each transport's required key, and keys of the other transport. */
function transportErrors(settings: unknown): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const servers = (settings as { servers?: unknown } | null)?.servers;
  if (!servers || typeof servers !== 'object') return errors;
  for (const [name, server] of Object.entries(servers as Record<string, Partial<ExternalServerConfig> | null>)) {
    const transport = server?.transport;
    if (!server || (transport !== 'stdio' && transport !== 'http')) continue;
    const at = (key: string) => `${SETTINGS_PATH}.servers.${name}.${key}`;
    if (server[REQUIRED[transport]] === undefined) errors.push({ path: at(REQUIRED[transport]), message: `is required for transport: ${transport}` });
    const other: ExternalTransport = transport === 'stdio' ? 'http' : 'stdio';
    for (const key of ONLY[other]) {
      if (server[key] !== undefined) errors.push({ path: at(key), message: `applies to transport: ${other} only (this server uses ${transport})` });
    }
  }
  return errors;
}
