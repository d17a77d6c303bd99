import type { JsonSchema } from '../../../src/plugins/plugin-api.js';

/** JSON Schema pieces the PostgreSQL tools share. */

export const objectOut = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({ type: 'object', additionalProperties: false, required, properties });
export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const bool: JsonSchema = { type: 'boolean' };
export const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });
export const strings: JsonSchema = { type: 'array', items: { type: 'string' } };

const NAME = { type: 'string', minLength: 1, maxLength: 63 };
export const schemaIn: JsonSchema = { ...NAME, default: 'public', description: 'The schema (default public).' };
export const tableIn: JsonSchema = { ...NAME, description: 'The table or view name (exact; case-insensitive when no exact match).' };
export const columnIn: JsonSchema = { ...NAME, description: 'The column name.' };
export const schemaFilter: JsonSchema = { ...NAME, description: 'Only this schema (default: every schema but the system ones).' };

/** The input of the tools that act on one table. */
export const tableInput = { schema: schemaIn, table: tableIn };

/**
 * Outputs carrying values read from rows say so (`dataValues: true`): sampled values are data. Without
 * environments.<name>.shareToolResults the model is shown only the call's size, never such values.
 */
export const dataValuesOut: JsonSchema = { const: true, description: 'This output holds values read from rows: data, withheld from a model unless the environment shares tool results.' };

/** How many rows of a table a profile samples. */
export const sampleRowsIn: JsonSchema = {
  type: 'integer',
  minimum: 100,
  maximum: 1000000,
  default: 10000,
  description: 'Rows sampled (TABLESAMPLE SYSTEM on large tables, then a LIMIT); smaller tables are read whole.',
};
