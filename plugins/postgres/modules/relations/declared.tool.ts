import { defineTool, type JsonSchema } from '../../../../src/plugins/plugin-api.js';
import { listConstraints, listIndexes } from '../../shared/catalog.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, nullable, objectOut, schemaFilter, str, strings } from '../../shared/schemas.js';

interface Input {
  schema?: string;
}

export interface DeclaredRelation {
  constraint: string;
  from: { schema: string; table: string; columns: string[] };
  to: { schema: string; table: string; columns: string[] };
  onUpdate: string | null;
  onDelete: string | null;
  /** Some index of the referencing table starts with the foreign-key columns. */
  indexed: boolean;
  /** Some foreign-key column allows NULL. */
  nullable: boolean;
}

const end: JsonSchema = objectOut({ schema: str, table: str, columns: strings });

/** An index whose leading key columns are exactly `cols` (in any order) serves a join or a cascade on them. */
export const leads = (indexAttnums: number[], cols: number[]): boolean => cols.length > 0 && indexAttnums.length >= cols.length && cols.every((c) => indexAttnums.slice(0, cols.length).includes(c));

export const declared = (deps: PgDeps) =>
  defineTool<Input, { relations: DeclaredRelation[] }>({
    id: 'postgres.relations.declared',
    title: 'Declared joins',
    description:
      'Lists the joins the database declares - its foreign keys - from the referencing table and columns to the referenced ones, with ON UPDATE / ON DELETE, whether an index of the referencing table ' +
      'starts with the key columns (indexed), and whether a key column allows NULL (nullable). Relations from tables of one schema, or of every non-system schema.',
    inputSchema: { type: 'object', additionalProperties: false, properties: { schema: schemaFilter } },
    outputSchema: objectOut({ relations: arrayOf(objectOut({ constraint: str, from: end, to: end, onUpdate: nullable('string'), onDelete: nullable('string'), indexed: bool, nullable: bool })) }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Every declared join', input: {} },
      { title: 'Joins from the shop schema', input: { schema: 'shop' } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const scope = input.schema ? { schema: input.schema } : {};
        const [fks, indexes] = await Promise.all([listConstraints(s, scope, ['foreign key']), listIndexes(s, scope)]);
        return {
          relations: fks.map((fk) => ({
            constraint: fk.name,
            from: { schema: fk.schema, table: fk.table, columns: fk.columns },
            to: fk.references!,
            onUpdate: fk.onUpdate,
            onDelete: fk.onDelete,
            indexed: indexes.some((i) => i.tableOid === fk.tableOid && leads(i.attnums, fk.attnums)),
            nullable: fk.nullableColumns.length > 0,
          })),
        };
      }),
  });
