import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, nullableString, objectOut } from '../../shared/schemas.js';
import type { DatamodelSummary } from '../../shared/sisense.models.js';

interface Row {
  oid: string;
  title: string;
  type: string;
  built: boolean;
  lastBuildTime: string | null;
  lastSuccessfulBuildTime: string | null;
  lastUpdated: string | null;
}

const FIELDS = 'oid,title,type,server,lastBuildTime,lastSuccessfulBuildTime,lastPublishTime,lastUpdated';
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** Data models (ElastiCubes and live models) with their build state. */
export const list = (deps: SisenseDeps) =>
  defineTool<{ search?: string; type?: 'extract' | 'live' }, { count: number; datamodels: Row[] }>({
    id: 'sisense.datamodel.list',
    title: 'List data models',
    description:
      'Lists the data models the token can see, sorted by title: oid, title, type (extract = ElastiCube with imported data, live = queries the source), ' +
      'whether it holds data (built: an extract model never built has no data; a live model must be published), and its build and update times. Optional search on the title and type filter.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        search: { type: 'string', minLength: 1, maxLength: 200, description: 'Case-insensitive part of the title.' },
        type: { enum: ['extract', 'live'], description: 'Only extract or only live models.' },
      },
    },
    outputSchema: objectOut({
      count: { type: 'integer' },
      datamodels: arrayOf(objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' }, built: { type: 'boolean' }, lastBuildTime: nullableString, lastSuccessfulBuildTime: nullableString, lastUpdated: nullableString })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every data model', input: {} },
      { title: 'Live models', input: { type: 'live' } },
    ],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const all = await deps.listAll<DatamodelSummary>(client, '/api/v2/datamodels/schema', { fields: FIELDS });
        const rows = all
          .filter((m) => typeof m?.oid === 'string')
          .map((m) => ({
            oid: m.oid,
            title: m.title,
            type: m.type ?? 'extract',
            built: !!(m.type === 'live' ? m.lastPublishTime : m.lastSuccessfulBuildTime ?? m.lastBuildTime),
            lastBuildTime: str(m.lastBuildTime ?? m.lastPublishTime),
            lastSuccessfulBuildTime: str(m.lastSuccessfulBuildTime),
            lastUpdated: str(m.lastUpdated),
          }))
          .filter((m) => !input.search || m.title.toLowerCase().includes(input.search.toLowerCase()))
          .filter((m) => !input.type || m.type === input.type)
          .sort((a, b) => a.title.localeCompare(b.title));
        return { count: rows.length, datamodels: rows };
      }),
  });
