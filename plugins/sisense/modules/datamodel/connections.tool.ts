import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';

/** Parameter names that may hold a secret: never returned. */
const SECRET = /pass|pwd|secret|token|key|credential|auth|cert/i;
/** A value that carries a secret inline, e.g. a connection string or URL with a password. */
const INLINE_SECRET = /(pass(word)?|pwd|secret|token|key)\s*=|:\/\/[^/\s:@]+:[^/\s@]+@/i;

/** Parameters without secrets, at any depth. */
function safeParams(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET.test(k) || (typeof v === 'string' && INLINE_SECRET.test(v))) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? safeParams(v as Record<string, unknown>) : v;
  }
  return out;
}

export interface ConnectionRow {
  oid: string;
  name: string;
  provider: string;
  enabled: boolean;
  modelTypes: string[];
  server: string | null;
  database: string | null;
  parameters: Record<string, unknown>;
}

export const connectionSchema = objectOut({ oid: { type: 'string' }, name: { type: 'string' }, provider: { type: 'string' }, enabled: { type: 'boolean' }, modelTypes: arrayOf({ type: 'string' }), server: nullableString, database: nullableString, parameters: { type: 'object' } });

/** A connection as the tools show it, its secret parameters left out. */
export function connectionRow(c: Record<string, unknown>): ConnectionRow {
  const params = c.parameters && typeof c.parameters === 'object' ? (c.parameters as Record<string, unknown>) : {};
  const safe = safeParams(params);
  const pick = (...keys: string[]) => keys.map((k) => params[k]).find((v): v is string => typeof v === 'string' && v !== '' && v !== 'null') ?? null;
  return {
    oid: String(c.oid ?? c._id ?? ''),
    name: String(c.name ?? ''),
    provider: String(c.provider ?? 'unknown'),
    enabled: c.enabled !== false,
    modelTypes: Array.isArray(c.supportedModelTypes) ? c.supportedModelTypes.map(String) : [],
    server: pick('Server', 'server', 'host', 'Host', 'account'),
    database: pick('Database', 'database', 'db'),
    parameters: safe,
  };
}

/** The data connections models import from or query, without their secrets. */
export const connections = (deps: SisenseDeps) =>
  defineTool<{ provider?: string }, { count: number; connections: ConnectionRow[] }>({
    id: 'sisense.datamodel.connections',
    title: 'List data connections',
    description:
      'Lists the data connections of the deployment (what data models import from or query live): name, provider (PostgreSQL, Snowflake, CSV, ...), enabled, the model types it serves, ' +
      'server and database, and its other parameters. Passwords, keys and tokens are never returned. Optional provider filter (case-insensitive).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { provider: { type: 'string', minLength: 1, maxLength: 100, description: 'Only connections of this provider, e.g. PostgreSQL.' } },
    },
    outputSchema: objectOut({
      count: { type: 'integer' },
      connections: arrayOf(connectionSchema),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Every connection', input: {} }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const all = await deps.listAll<Record<string, unknown>>(client, '/api/v2/connections');
        const rows = all
          .map(connectionRow)
          .filter((c) => !input.provider || c.provider.toLowerCase() === input.provider.toLowerCase())
          .sort((a, b) => a.name.localeCompare(b.name));
        return { count: rows.length, connections: rows };
      }),
  });
