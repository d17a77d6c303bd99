import { defineTool } from '../../../../src/plugins/plugin-api.js';
import { indexView, listIndexes, type IndexRow } from '../../shared/catalog.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, nullable, objectOut, schemaFilter, str, strings, tableIn } from '../../shared/schemas.js';
import { resolveTable } from '../../shared/sql.js';

interface Input {
  schema?: string;
  table?: string;
}

export const indexes = (deps: PgDeps) =>
  defineTool<Input, { indexes: IndexRow[] }>({
    id: 'postgres.schema.indexes',
    title: 'List indexes',
    description:
      'Lists the indexes of one table, one schema, or every non-system schema: key columns (or expressions) in order, unique, primary, access method (btree, hash, gin...), partial-index predicate, ' +
      'valid, size in bytes, scans since the statistics were reset (pg_stat_all_indexes.idx_scan; null when unknown) and the CREATE INDEX definition.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { schema: schemaFilter, table: { ...tableIn, description: 'Only this table (in schema, default public).' } },
    },
    outputSchema: objectOut({
      indexes: arrayOf(
        objectOut({ schema: str, table: str, name: str, columns: strings, unique: bool, primary: bool, method: str, predicate: nullable('string'), valid: bool, sizeBytes: nullable('integer'), scans: nullable('integer'), definition: str }),
      ),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'The indexes of shop.orders', input: { schema: 'shop', table: 'orders' } },
      { title: 'Every index of the shop schema', input: { schema: 'shop' } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const scope = input.table ? { tableOid: (await resolveTable(s, input.schema ?? 'public', input.table)).oid } : input.schema ? { schema: input.schema } : {};
        return { indexes: (await listIndexes(s, scope)).map(indexView) };
      }),
  });
