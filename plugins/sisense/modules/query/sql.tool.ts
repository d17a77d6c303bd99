import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { datamodelRef, objectOut } from '../../shared/schemas.js';
import { maxRowsSchema, rowsOf, rowsSchema, type Rows } from './query.rows.js';

interface Input {
  datamodel: string;
  query: string;
  maxRows: number;
}

const READ_ONLY = /^\s*(select|with)\b/i;
const LIMIT = /\blimit\s+\d+\s*;?\s*$/i;

/** One SELECT against a data model. */
export const sql = (deps: SisenseDeps) =>
  defineTool<Input, Rows & { datamodel: { oid: string; title: string }; query: string }>({
    id: 'sisense.query.sql',
    title: 'Query a data model (SQL)',
    description:
      'Runs one SELECT against a data model (oid or title) through GET /api/datasources/{title}/sql?query= (the form pysisense\'s get_data and well-checks use) and returns headers and rows. ' +
      'Tables and columns are quoted with brackets: SELECT [Region], COUNT(*) FROM [Customers] GROUP BY [Region]. Only one SELECT (or WITH) statement is accepted (BAD_QUERY otherwise); ' +
      'without a LIMIT one of maxRows + 1 is added, and the answer is capped at maxRows (truncated says whether there were more).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel', 'query'],
      properties: {
        datamodel: datamodelRef,
        query: { type: 'string', minLength: 1, maxLength: 20_000, description: 'One SELECT statement, tables and columns in [brackets].' },
        maxRows: maxRowsSchema,
      },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), query: { type: 'string' }, ...rowsSchema }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'First rows of a table', input: { datamodel: 'Retail Sales', query: 'SELECT * FROM [Customers]', maxRows: 20 } }],
    handler: (input, ctx) => {
      const text = input.query.trim().replace(/;\s*$/, '');
      if (!READ_ONLY.test(text)) throw new ToolError('BAD_QUERY', 'only a SELECT (or WITH … SELECT) statement can be run');
      if (/;/.test(text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\[[^\]]*\]/g, ''))) throw new ToolError('BAD_QUERY', 'one statement only: remove the ";" between statements');
      const query = LIMIT.test(text) ? text : `${text} LIMIT ${input.maxRows + 1}`;
      return deps.withClient(ctx, async (client) => {
        const model = await deps.resolveDatamodel(client, input.datamodel);
        const answer = await client.get<unknown>(`/api/datasources/${encodeURIComponent(model.title)}/sql`, { query: { query } });
        return { datamodel: { oid: model.oid, title: model.title }, query, ...rowsOf(answer, input.maxRows, 'an SQL query') };
      });
    },
  });
