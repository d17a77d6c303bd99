import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { pickOne } from '../../shared/lookup.js';
import { arrayOf, nullableString, objectOut, ref } from '../../shared/schemas.js';
import type { DatamodelSummary } from '../../shared/sisense.models.js';
import { connectionRow, connectionSchema, type ConnectionRow } from './connections.tool.js';

type Obj = Record<string, unknown>;

/** One data connection (secrets left out) and the data models that use it. */
export const connection = (deps: SisenseDeps) =>
  defineTool<{ connection: string }, { connection: ConnectionRow; datamodels: Array<{ oid: string; title: string; type: string | null }> }>({
    id: 'sisense.datamodel.connection',
    title: 'Get one data connection',
    description:
      'Returns one data connection by name (case-insensitive when no exact match) or oid, from GET /api/v2/connections: provider, enabled, model types, server, database and its other parameters ' +
      '(passwords, keys and tokens are never returned), and the data models whose datasets use it. NOT_FOUND / AMBIGUOUS otherwise.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['connection'], properties: { connection: ref('The connection: its name or oid.') } },
    outputSchema: objectOut({ connection: connectionSchema, datamodels: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: nullableString })) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'One connection', input: { connection: 'Warehouse (PostgreSQL)' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const [all, models] = await Promise.all([deps.listAll<Obj>(client, '/api/v2/connections'), deps.listAll<DatamodelSummary>(client, '/api/v2/datamodels/schema')]);
        const byId = all.find((c) => c.oid === input.connection || c._id === input.connection);
        const c = connectionRow(byId ?? pickOne('connection', input.connection, all, (x) => (typeof x.name === 'string' ? x.name : undefined), (x) => ({ id: String(x.oid ?? x._id), name: String(x.name) })));
        const uses = (m: DatamodelSummary) => (Array.isArray(m.datasets) ? (m.datasets as Obj[]) : []).some((ds) => {
          const conn = (ds?.connection ?? {}) as Obj;
          return ds?.connection === c.oid || conn.oid === c.oid || conn.id === c.oid || (typeof conn.name === 'string' && conn.name === c.name);
        });
        const datamodels = models.filter(uses).map((m) => ({ oid: m.oid, title: m.title, type: typeof m.type === 'string' ? m.type : null })).sort((a, b) => a.title.localeCompare(b.title));
        return { connection: c, datamodels };
      }),
  });
