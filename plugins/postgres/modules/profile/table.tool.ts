import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { sampleInfoSchema, rowEstimate, sampleSql, type SampleInfo } from '../../shared/sample.js';
import { arrayOf, bool, int, nullable, objectOut, sampleRowsIn, str, tableInput } from '../../shared/schemas.js';
import { columnsOf, ident, resolveTable } from '../../shared/sql.js';
import { num, ratio } from '../../shared/values.js';

interface Input {
  schema: string;
  table: string;
  sampleRows: number;
  exactCountLimit: number;
}

interface ColumnProfile {
  name: string;
  type: string;
  nullCount: number;
  nullRatio: number;
  distinctCount: number;
  distinctRatio: number;
  unique: boolean;
}

/** Columns aggregated per statement: wide tables are profiled in slices. */
const SLICE = 100;

export const profileTable = (deps: PgDeps) =>
  defineTool<Input, { schema: string; table: string; rowEstimate: number | null; rowCount: number; rowCountExact: boolean; sample: SampleInfo; columns: ColumnProfile[] }>({
    id: 'postgres.profile.table',
    title: 'Profile a table',
    description:
      'Profiles a table on a sample: its row count (exact up to exactCountLimit, counted with a LIMIT; beyond it the planner\'s estimate and rowCountExact false) and per column the null ratio, ' +
      'the distinct ratio (distinct values among the non-null ones) and whether the sampled values are unique. Large tables are sampled with TABLESAMPLE SYSTEM; the sample says how. ' +
      'Every statement is bounded by the statement timeout. Returns ratios and counts only, no values.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['table'],
      properties: {
        ...tableInput,
        sampleRows: sampleRowsIn,
        exactCountLimit: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 1_000_000, description: 'Count rows exactly up to this many (0: estimate only).' },
      },
    },
    outputSchema: objectOut({
      schema: str,
      table: str,
      rowEstimate: nullable('integer'),
      rowCount: int,
      rowCountExact: bool,
      sample: sampleInfoSchema,
      columns: arrayOf(objectOut({ name: str, type: str, nullCount: int, nullRatio: { type: 'number' }, distinctCount: int, distinctRatio: { type: 'number' }, unique: bool })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Profile shop.orders on 10,000 sampled rows', input: { schema: 'shop', table: 'orders', sampleRows: 10000, exactCountLimit: 1000000 } }],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const t = await resolveTable(s, input.schema, input.table);
        const estimate = await rowEstimate(s, t);
        let rowCount = estimate ?? 0;
        let exact = false;
        if (input.exactCountLimit > 0) {
          const counted = num((await s.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${ident(t.schema)}.${ident(t.name)} LIMIT ${input.exactCountLimit + 1}) x`, [], 'counting rows')).rows[0]!.n)!;
          exact = counted <= input.exactCountLimit;
          rowCount = exact ? counted : Math.max(counted, estimate ?? 0);
        }
        const cols = await columnsOf(s, t);
        const sample = sampleSql(t, exact ? rowCount : estimate, input.sampleRows);
        const profiles: ColumnProfile[] = [];
        let sampled = 0;
        for (let i = 0; i < Math.max(cols.length, 1); i += SLICE) {
          const slice = cols.slice(i, i + SLICE);
          const aggs = slice.flatMap((c, k) => [`count(${ident(c.name)}) AS nn_${k}`, `count(DISTINCT ${ident(c.name)}::text) AS d_${k}`]);
          const row = (await s.query<Record<string, string>>(`SELECT ${['count(*) AS n', ...aggs].join(', ')} FROM ${sample.from} s`, [], 'profiling the sample')).rows[0]!;
          sampled = num(row.n)!;
          slice.forEach((c, k) => {
            const nonNull = num(row[`nn_${k}`])!;
            const distinct = num(row[`d_${k}`])!;
            profiles.push({ name: c.name, type: c.type, nullCount: sampled - nonNull, nullRatio: ratio(sampled - nonNull, sampled), distinctCount: distinct, distinctRatio: ratio(distinct, nonNull), unique: nonNull > 0 && distinct === nonNull });
          });
        }
        return { schema: t.schema, table: t.name, rowEstimate: estimate, rowCount, rowCountExact: exact, sample: { method: sample.method, percent: sample.percent, rows: sampled }, columns: profiles };
      }),
  });
