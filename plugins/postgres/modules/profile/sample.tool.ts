import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { rowEstimate, sampleInfoSchema, sampleSql, type SampleInfo } from '../../shared/sample.js';
import { dataValuesOut, objectOut, tableInput } from '../../shared/schemas.js';
import { columnsOf, ident, resolveTable } from '../../shared/sql.js';
import { capsOf, readRows, rowsSchema, type Rows } from '../query/query.rows.js';

interface Input {
  schema: string;
  table: string;
  columns?: string[];
  limit: number;
  method: 'system' | 'bernoulli';
  distinct: boolean;
}

export const profileSample = (deps: PgDeps) =>
  defineTool<Input, Rows & { sample: Omit<SampleInfo, 'rows'> & { rows: number }; dataValues: true }>({
    id: 'postgres.profile.sample',
    title: 'Sample rows',
    description:
      'Returns sample rows of a table (all columns, or the ones named): TABLESAMPLE SYSTEM (pages, cheap) or BERNOULLI (rows, scans the table) on tables larger than the sample, the whole table ' +
      'when it is smaller. distinct: distinct combinations of the columns instead (distinct samples). At most limit rows (capped by the environment\'s maxRows and maxBytes; truncated says so), ' +
      'bounded by the statement timeout. The rows are data: a model sees them only when the environment shares tool results.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['table'],
      properties: {
        ...tableInput,
        columns: { type: 'array', minItems: 1, maxItems: 1600, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 63 }, description: 'Only these columns (default all).' },
        limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 20, description: "Rows to return (at most the environment's maxRows)." },
        method: { enum: ['system', 'bernoulli'], default: 'system', description: 'TABLESAMPLE method on a table larger than the sample.' },
        distinct: { type: 'boolean', default: false, description: 'Distinct combinations of the columns (e.g. the distinct values of one column).' },
      },
    },
    outputSchema: objectOut({ ...rowsSchema, sample: sampleInfoSchema, dataValues: dataValuesOut }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'Twenty sample orders', input: { schema: 'shop', table: 'orders', limit: 20, method: 'system', distinct: false } },
      { title: 'Distinct countries of customers', input: { schema: 'shop', table: 'customers', columns: ['country'], limit: 50, method: 'bernoulli', distinct: true } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const t = await resolveTable(s, input.schema, input.table);
        const all = await columnsOf(s, t);
        const missing = (input.columns ?? []).filter((c) => !all.some((a) => a.name === c));
        if (missing.length) throw new ToolError('PG_COLUMN_NOT_FOUND', `${t.schema}.${t.name} has no column ${missing.map((m) => `"${m}"`).join(', ')} (its columns: ${all.map((a) => a.name).join(', ')})`, { missing });
        const list = input.columns ? input.columns.map(ident).join(', ') : '*';
        const caps = capsOf(s, input.limit);
        // One row more than the cap when the caller asked for more: truncated then says the cap cut the sample.
        // Distinct values are fewer than rows: sample more rows to find enough of them.
        const sample = sampleSql(t, await rowEstimate(s, t), input.distinct ? Math.max(caps.maxRows * 20, 10_000) : Math.min(input.limit, caps.maxRows + 1), input.method);
        const rows = await readRows(s, `SELECT ${input.distinct ? 'DISTINCT ' : ''}${list} FROM ${sample.from} s`, [], caps, 'the sample');
        return { ...rows, sample: { method: sample.method, percent: sample.percent, rows: rows.rowCount }, dataValues: true as const };
      }),
  });
