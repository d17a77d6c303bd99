import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ToolError, type JsonSchema, type ResolvedEnvironment } from '../../../src/plugins/plugin-api.js';

/** The plugin's settings (plugin.yaml `settings`), defaults applied by the host: defaults for every environment. */
export interface PostgresSettings {
  statementTimeoutMs: number;
  maxRows: number;
  maxBytes: number;
  poolMax: number;
  connectTimeoutMs: number;
}

export type SslMode = 'disable' | 'require' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'require', 'verify-full'];

/**
 * `environments.<name>.options` of a `kind: postgres` environment. The connection itself is the environment's `url`
 * (postgres://user@host:port/database, or a ${env:NAME} reference to one), `username`, `password` (${env:NAME}) and
 * `tls.caFile` (the CA for verify-full), as for every environment.
 */
export const ENVIRONMENT_OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ssl: {
      enum: SSL_MODES,
      description:
        'disable: no TLS; require: TLS without checking the certificate; verify-full: TLS, certificate and host name checked (CA: tls.caFile, else the system CAs). ' +
        'Default: the URL\'s sslmode, else disable for a loopback host and verify-full for any other.',
    },
    pool: {
      type: 'object',
      additionalProperties: false,
      properties: { max: { type: 'integer', minimum: 1, maximum: 64, description: 'Connections this environment may hold open at once.' } },
    },
    statementTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, description: 'SET LOCAL statement_timeout for every statement a tool sends (default 15000).' },
    maxRows: { type: 'integer', minimum: 1, maximum: 100000, description: 'Most rows a query or a sample returns (default 1000).' },
    maxBytes: { type: 'integer', minimum: 1024, maximum: 268435456, description: 'Most bytes (rows as JSON) a query or a sample returns.' },
  },
};

const validateOptions = new Ajv2020({ allErrors: true, strict: true }).compile(ENVIRONMENT_OPTIONS_SCHEMA);

/** Everything needed to open and use connections to one environment; `password` is never logged or returned. */
export interface PgTarget {
  environment: string;
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  ssl: SslMode;
  ca?: string;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  maxRows: number;
  maxBytes: number;
  /** Changes when anything above changes: a reloaded environment gets a new pool. */
  fingerprint: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const URL_SSL = new Map<string, SslMode>([
  ['disable', 'disable'],
  ['require', 'require'],
  ['verify-full', 'verify-full'],
]);

const configError = (env: ResolvedEnvironment, message: string): ToolError =>
  new ToolError('PG_CONFIG_INVALID', `environment "${env.name}": ${message}`, { environment: env.name });

/** The environment's connection settings, checked: PG_CONFIG_INVALID names the key that is wrong. */
export function targetOf(env: ResolvedEnvironment, settings: PostgresSettings): PgTarget {
  const options = env.options ?? {};
  if (!validateOptions(options)) {
    const why = (validateOptions.errors ?? []).map((e) => {
      const at = `environments.${env.name}.options${e.instancePath.replace(/\//g, '.')}`;
      if (e.keyword === 'additionalProperties') return `${at}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}" (known: ssl, pool, statementTimeoutMs, maxRows, maxBytes)`;
      if (e.keyword === 'enum') return `${at}: must be one of ${SSL_MODES.join(', ')}`;
      return `${at}: ${e.message}`;
    });
    throw configError(env, why.join('; '));
  }
  if (!env.url) throw configError(env, `has no url (set environments.${env.name}.url: postgres://user@host:5432/database)`);
  let url: URL;
  try {
    url = new URL(env.url);
  } catch {
    throw configError(env, 'url is not a URL (expected postgres://user@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw configError(env, `url must start with postgres:// or postgresql:// (it starts with ${url.protocol}//)`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw configError(env, 'url names no database (postgres://user@host:5432/<database>)');
  const o = options as { ssl?: SslMode; pool?: { max?: number }; statementTimeoutMs?: number; maxRows?: number; maxBytes?: number };
  const urlSsl = url.searchParams.get('sslmode');
  if (urlSsl !== null && !URL_SSL.has(urlSsl)) throw configError(env, `url sslmode=${urlSsl} is not supported: use disable, require or verify-full (or options.ssl)`);
  const host = url.hostname;
  const ssl: SslMode = o.ssl ?? (urlSsl ? URL_SSL.get(urlSsl)! : LOOPBACK.has(host) ? 'disable' : 'verify-full');
  let ca: string | undefined;
  if (env.tls?.caFile) {
    try {
      ca = readFileSync(env.tls.caFile, 'utf8');
    } catch (e) {
      throw configError(env, `tls.caFile ${env.tls.caFile} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (env.tls && env.tls.verify === false && ssl === 'verify-full') throw configError(env, 'tls.verify is false but ssl is verify-full: set options.ssl: require to skip the certificate check');
  const user = env.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = env.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const target = {
    environment: env.name,
    host: host.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    database,
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    ssl,
    ...(ca !== undefined && { ca }),
    poolMax: o.pool?.max ?? settings.poolMax,
    statementTimeoutMs: o.statementTimeoutMs ?? settings.statementTimeoutMs,
    connectTimeoutMs: env.timeoutMs ?? settings.connectTimeoutMs,
    maxRows: o.maxRows ?? settings.maxRows,
    maxBytes: o.maxBytes ?? settings.maxBytes,
  };
  return { ...target, fingerprint: createHash('sha256').update(JSON.stringify(target)).digest('hex') };
}

/** Where a target points, for messages: host, port and database, never credentials. */
export const whereOf = (t: Pick<PgTarget, 'host' | 'port' | 'database'>): string => `${t.host}:${t.port}/${t.database}`;
