import { defineTool, type JsonSchema } from '../../../../src/plugins/plugin-api.js';
import { constraintView, CONSTRAINT_TYPES, listConstraints, type ConstraintRow } from '../../shared/catalog.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, nullable, objectOut, schemaFilter, str, strings, tableIn } from '../../shared/schemas.js';
import { resolveTable } from '../../shared/sql.js';

const TYPES = ['primary key', 'foreign key', 'unique', 'check', 'exclusion'];

interface Input {
  schema?: string;
  table?: string;
  types: string[];
}

export const constraintSchema: JsonSchema = objectOut({
  schema: str,
  table: str,
  name: str,
  type: { enum: Object.values(CONSTRAINT_TYPES) },
  columns: strings,
  references: { ...objectOut({ schema: str, table: str, columns: strings }), type: ['object', 'null'] },
  onUpdate: nullable('string'),
  onDelete: nullable('string'),
  deferrable: bool,
  validated: bool,
  definition: str,
});

export const constraints = (deps: PgDeps) =>
  defineTool<Input, { constraints: ConstraintRow[] }>({
    id: 'postgres.schema.constraints',
    title: 'List constraints',
    description:
      'Lists primary-key, foreign-key, unique, check and exclusion constraints of one table, one schema, or every non-system schema: columns in key order, for a foreign key the referenced ' +
      'table and columns and its ON UPDATE / ON DELETE actions, whether it is deferrable and validated, and its definition as pg_get_constraintdef gives it.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schema: schemaFilter,
        table: { ...tableIn, description: 'Only this table (in schema, default public).' },
        types: { type: 'array', uniqueItems: true, minItems: 1, items: { enum: TYPES }, default: TYPES, description: `Constraint types (default all): ${TYPES.join(', ')}.` },
      },
    },
    outputSchema: objectOut({ constraints: arrayOf(constraintSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'The constraints of shop.orders', input: { schema: 'shop', table: 'orders', types: TYPES } },
      { title: 'Every foreign key of the database', input: { types: ['foreign key'] } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const scope = input.table ? { tableOid: (await resolveTable(s, input.schema ?? 'public', input.table)).oid } : input.schema ? { schema: input.schema } : {};
        return { constraints: (await listConstraints(s, scope, input.types)).map(constraintView) };
      }),
  });
