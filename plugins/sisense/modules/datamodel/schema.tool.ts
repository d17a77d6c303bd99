import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { describe, readSchema } from './datamodel.schema.js';

const column = objectOut({ name: { type: 'string' }, type: { type: 'string' }, hidden: { type: 'boolean' } });
const table = objectOut({ name: { type: 'string' }, dataset: { type: 'string' }, type: { type: 'string' }, hidden: { type: 'boolean' }, custom: { type: 'boolean' }, importQuery: { type: 'boolean' }, columns: arrayOf(column) });

/** A model's datasets, tables, columns and relations, by name. */
export const schema = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string; raw?: boolean }, Record<string, unknown>>({
    id: 'sisense.datamodel.schema',
    title: 'Describe a data model',
    description:
      'Describes a data model (oid or title): its datasets (connection name, provider, database, schema), tables (dataset, type - base or custom SQL -, hidden, whether it has a custom import query) ' +
      'with their columns (name, type, hidden), and its relations (the table.column pairs each join links). raw: true also returns the schema as the API answers it (large).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel'],
      properties: { datamodel: datamodelRef, raw: { type: 'boolean', default: false, description: 'Also return the full v2 schema object.' } },
    },
    outputSchema: objectOut(
      {
        datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' }, type: { type: 'string' }, lastBuildTime: nullableString }),
        datasets: arrayOf(objectOut({ name: { type: 'string' }, provider: { type: 'string' }, database: nullableString, schema: nullableString, type: { type: 'string' } })),
        tables: arrayOf(table),
        relations: arrayOf(objectOut({ columns: arrayOf(objectOut({ table: { type: 'string' }, column: { type: 'string' } })) })),
        raw: { type: 'object' },
      },
      ['datamodel', 'datasets', 'tables', 'relations'],
    ),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Schema of a model', input: { datamodel: 'Sample ECommerce' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const found = await deps.resolveDatamodel(client, input.datamodel);
        const model = await readSchema(client, found.oid);
        const lastBuild = model.lastBuildTime ?? model.lastPublishTime;
        return {
          datamodel: { oid: model.oid, title: model.title, type: model.type ?? 'extract', lastBuildTime: typeof lastBuild === 'string' ? lastBuild : null },
          ...describe(model),
          ...(input.raw && { raw: model }),
        };
      }),
  });
