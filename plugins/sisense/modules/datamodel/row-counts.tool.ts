import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { SisenseApiError } from '../../client/sisense.client.js';
import { arrayOf, datamodelRef, nullableString, objectOut } from '../../shared/schemas.js';
import { describe, readSchema } from './datamodel.schema.js';

interface Row {
  table: string;
  rows: number | null;
  error: string | null;
}

/** Rows per table, counted with the model's SQL endpoint. */
export const rowCounts = (deps: SisenseDeps) =>
  defineTool<{ datamodel: string; tables?: string[] }, { datamodel: { oid: string; title: string }; total: number; tables: Row[] }>({
    id: 'sisense.datamodel.row-counts',
    title: 'Count rows per table',
    description:
      'Counts the rows of each table of a data model (oid or title), or of the tables listed, with SELECT COUNT(*) through the model\'s SQL endpoint (a live model queries its source). ' +
      'Use it to check a build or a migration (compare counts between environments). An extract model that was never built fails with DATAMODEL_NOT_BUILT; ' +
      'a table whose count fails has rows null and the error.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel'],
      properties: { datamodel: datamodelRef, tables: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Only these tables (names).' } },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), total: { type: 'integer' }, tables: arrayOf(objectOut({ table: { type: 'string' }, rows: { type: ['integer', 'null'] }, error: nullableString })) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Rows per table', input: { datamodel: 'Retail Sales' } }],
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const found = await deps.resolveDatamodel(client, input.datamodel);
        const model = await readSchema(client, found.oid);
        if (model.type !== 'live' && !model.lastBuildTime) throw new ToolError('DATAMODEL_NOT_BUILT', `"${model.title}" has never been built, so it holds no rows; build it first (sisense.datamodel.build)`);
        const names = describe(model).tables.map((t) => t.name);
        const unknown = (input.tables ?? []).filter((t) => !names.includes(t));
        if (unknown.length) throw new ToolError('NOT_FOUND', `no table ${unknown.map((t) => `"${t}"`).join(', ')} in "${model.title}" (tables: ${names.join(', ')})`, { kind: 'table', ref: unknown[0], candidates: names.map((n) => ({ id: n, name: n })) });
        const wanted = input.tables ?? names;
        const rows: Row[] = [];
        for (const [i, table] of wanted.entries()) {
          ctx.progress({ progress: i, total: wanted.length, message: `counting ${table}` });
          try {
            const answer = await client.get<{ values?: unknown }>(`/api/datasources/${encodeURIComponent(model.title)}/sql`, { query: { query: `SELECT COUNT(*) FROM [${table}]` } });
            const n = Array.isArray(answer?.values) && Array.isArray(answer.values[0]) ? Number(answer.values[0][0]) : Number.NaN;
            rows.push(Number.isInteger(n) ? { table, rows: n, error: null } : { table, rows: null, error: 'the answer holds no count' });
          } catch (e) {
            if (!(e instanceof SisenseApiError) || e.status === 401 || e.status === 403 || e.status === 0) throw e;
            rows.push({ table, rows: null, error: `${e.status} ${e.detail}` });
          }
        }
        return { datamodel: { oid: model.oid, title: model.title }, total: rows.reduce((n, r) => n + (r.rows ?? 0), 0), tables: rows };
      }),
  });
