import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../../client/pg.session.js';
import type { PgDeps } from '../../shared/deps.js';
import { rowEstimate, sampleInfoSchema, sampleSql, type SampleInfo } from '../../shared/sample.js';
import { arrayOf, columnIn, dataValuesOut, int, nullable, objectOut, sampleRowsIn, str, tableInput } from '../../shared/schemas.js';
import { columnsOf, ident, resolveTable, type ColumnInfo } from '../../shared/sql.js';
import { num, ratio } from '../../shared/values.js';

interface Input {
  schema: string;
  table: string;
  column: string;
  sampleRows: number;
  top: number;
  buckets: number;
}

interface Counted {
  count: number;
  ratio: number;
}
type Bucket = { from: string | number; to: string | number; count: number };

interface ColumnProfile {
  schema: string;
  table: string;
  column: string;
  type: string;
  family: ColumnInfo['family'];
  sample: SampleInfo;
  nullCount: number;
  nullRatio: number;
  distinctCount: number;
  distinctRatio: number;
  min: string | null;
  max: string | null;
  mean: number | null;
  stddev: number | null;
  length: { min: number; max: number; mean: number } | null;
  top: (Counted & { value: string })[];
  topShare: number;
  histogram: Bucket[] | null;
  patterns: (Counted & { pattern: string })[] | null;
  classes: Record<string, number> | null;
  dataValues: true;
}

/** What a text value looks like: letters A/a, digits 9, runs collapsed (customer7@example.com → a+9@a+.a+). */
const PATTERN = `regexp_replace(regexp_replace(regexp_replace(regexp_replace(left(v, 64), '[A-Z]', 'A', 'g'), '[a-z]', 'a', 'g'), '[0-9]', '9', 'g'), '(.)\\1+', '\\1+', 'g')`;
/** Classes of text values a discovery cares about (personal data, ids, numbers kept as text). */
const CLASSES: Record<string, string> = {
  email: `v ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'`,
  url: `v ~* '^https?://'`,
  uuid: `v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`,
  numeric: `v ~ '^[-+]?[0-9]+([.,][0-9]+)?$'`,
  date: `v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'`,
  phone: `v ~ '^\\+?[0-9][0-9 ()./-]{6,}$' AND v !~ '^[0-9]+$'`,
  empty: `v = ''`,
  padded: `v <> btrim(v)`,
};

const epoch = (family: ColumnInfo['family']) => (family === 'temporal' ? 'extract(epoch FROM v)::float8' : 'v::float8');

async function histogram(s: ReadSession, from: string, c: ColumnInfo, buckets: number): Promise<Bucket[] | null> {
  if (c.family !== 'number' && c.family !== 'temporal') return null;
  if (/^(time|interval)/.test(c.type)) return null;
  const x = epoch(c.family);
  const r = await s.query<{ lo: number | null; hi: number | null }>(`SELECT min(${x}) AS lo, max(${x}) AS hi FROM (SELECT ${ident(c.name)} AS v FROM ${from} s) q WHERE v IS NOT NULL`, [], 'reading the range');
  const { lo, hi } = r.rows[0]!;
  if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const n = lo === hi ? 1 : buckets;
  const counts = await s.query<{ b: number; n: string }>(
    `SELECT least(width_bucket(${x}, $1::float8, $2::float8, $3), $3) AS b, count(*) AS n FROM (SELECT ${ident(c.name)} AS v FROM ${from} s) q WHERE v IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [lo, lo === hi ? lo + 1 : hi, n],
    'building the histogram',
  );
  const byBucket = new Map(counts.rows.map((b) => [Number(b.b), num(b.n)!]));
  const width = (hi - lo) / n;
  const label = (v: number): string | number => {
    if (c.family !== 'temporal') return Math.round(v * 1e6) / 1e6;
    const iso = new Date(v * 1000).toISOString();
    return c.type === 'date' ? iso.slice(0, 10) : iso;
  };
  return Array.from({ length: n }, (_, i) => ({ from: label(lo + i * width), to: label(i === n - 1 ? hi : lo + (i + 1) * width), count: byBucket.get(i + 1) ?? 0 }));
}

export const profileColumn = (deps: PgDeps) =>
  defineTool<Input, ColumnProfile>({
    id: 'postgres.profile.column',
    title: 'Profile a column',
    description:
      'Profiles one column on a sample of its table: null and distinct counts and ratios, min and max, mean and standard deviation (numbers), length range (text), the most frequent values with ' +
      'their share (topShare: how skewed the column is), a histogram of equal-width buckets for numbers and dates, and for text the value patterns (letters A/a, digits 9, runs collapsed: a+9@a+.a+) ' +
      'and classes (email, url, uuid, numeric, date, phone, empty, padded). Sampled like postgres.profile.table. The values are data: a model sees them only when the environment shares tool results.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['table', 'column'],
      properties: {
        ...tableInput,
        column: columnIn,
        sampleRows: sampleRowsIn,
        top: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Most frequent values to return.' },
        buckets: { type: 'integer', minimum: 2, maximum: 100, default: 10, description: 'Histogram buckets (numbers and dates).' },
      },
    },
    outputSchema: objectOut({
      schema: str,
      table: str,
      column: str,
      type: str,
      family: { enum: ['number', 'temporal', 'text', 'boolean', 'other'] },
      sample: sampleInfoSchema,
      nullCount: int,
      nullRatio: { type: 'number' },
      distinctCount: int,
      distinctRatio: { type: 'number' },
      min: nullable('string'),
      max: nullable('string'),
      mean: nullable('number'),
      stddev: nullable('number'),
      length: { ...objectOut({ min: int, max: int, mean: { type: 'number' } }), type: ['object', 'null'] },
      top: arrayOf(objectOut({ value: str, count: int, ratio: { type: 'number' } })),
      topShare: { type: 'number' },
      histogram: { type: ['array', 'null'], items: objectOut({ from: { type: ['string', 'number'] }, to: { type: ['string', 'number'] }, count: int }) },
      patterns: { type: ['array', 'null'], items: objectOut({ pattern: str, count: int, ratio: { type: 'number' } }) },
      classes: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
      dataValues: dataValuesOut,
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'How skewed is the order status?', input: { schema: 'shop', table: 'orders', column: 'status', sampleRows: 10000, top: 10, buckets: 10 } },
      { title: 'What the email column holds', input: { schema: 'shop', table: 'customers', column: 'email', sampleRows: 5000, top: 5, buckets: 10 } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const t = await resolveTable(s, input.schema, input.table);
        const cols = await columnsOf(s, t);
        const c = cols.find((x) => x.name === input.column) ?? cols.find((x) => x.name.toLowerCase() === input.column.toLowerCase());
        if (!c) throw new ToolError('PG_COLUMN_NOT_FOUND', `${t.schema}.${t.name} has no column "${input.column}" (its columns: ${cols.map((x) => x.name).join(', ')})`, { columns: cols.map((x) => x.name) });
        const sample = sampleSql(t, await rowEstimate(s, t), input.sampleRows);
        const from = sample.from;
        const v = ident(c.name);
        const ordered = c.family === 'number' || c.family === 'temporal' || c.family === 'text';
        const numeric = c.family === 'number';
        const text = c.family === 'text';
        const base = (
          await s.query<Record<string, string | number | null>>(
            `SELECT count(*) AS n, count(v) AS nn, count(DISTINCT v::text) AS d,
                    ${ordered ? 'min(v)::text' : 'NULL::text'} AS lo, ${ordered ? 'max(v)::text' : 'NULL::text'} AS hi,
                    ${numeric ? 'avg(v::float8)' : 'NULL::float8'} AS mean, ${numeric ? 'stddev_samp(v::float8)' : 'NULL::float8'} AS sd,
                    ${text ? 'min(length(v))' : 'NULL::int'} AS lmin, ${text ? 'max(length(v))' : 'NULL::int'} AS lmax, ${text ? 'avg(length(v))::float8' : 'NULL::float8'} AS lmean
                    ${text ? `, ${Object.entries(CLASSES).map(([k, cond]) => `count(*) FILTER (WHERE ${cond}) AS "c_${k}"`).join(', ')}` : ''}
               FROM (SELECT ${v} AS v FROM ${from} s) q`,
            [],
            'profiling the column',
          )
        ).rows[0]!;
        const n = num(base.n)!;
        const nonNull = num(base.nn)!;
        const top = (
          await s.query<{ value: string; n: string }>(`SELECT left(v::text, 200) AS value, count(*) AS n FROM (SELECT ${v} AS v FROM ${from} s) q WHERE v IS NOT NULL GROUP BY v::text ORDER BY 2 DESC, 1 LIMIT ${input.top}`, [], 'counting values')
        ).rows.map((r) => ({ value: r.value, count: num(r.n)!, ratio: ratio(num(r.n)!, nonNull) }));
        const patterns = text
          ? (await s.query<{ p: string; n: string }>(`SELECT ${PATTERN} AS p, count(*) AS n FROM (SELECT ${v} AS v FROM ${from} s) q WHERE v IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${input.top}`, [], 'reading text patterns')).rows.map((r) => ({
              pattern: r.p,
              count: num(r.n)!,
              ratio: ratio(num(r.n)!, nonNull),
            }))
          : null;
        const distinct = num(base.d)!;
        return {
          schema: t.schema,
          table: t.name,
          column: c.name,
          type: c.type,
          family: c.family,
          sample: { method: sample.method, percent: sample.percent, rows: n },
          nullCount: n - nonNull,
          nullRatio: ratio(n - nonNull, n),
          distinctCount: distinct,
          distinctRatio: ratio(distinct, nonNull),
          min: (base.lo as string | null) ?? null,
          max: (base.hi as string | null) ?? null,
          mean: base.mean === null ? null : Number(base.mean),
          stddev: base.sd === null ? null : Number(base.sd),
          length: text && base.lmin !== null ? { min: Number(base.lmin), max: Number(base.lmax), mean: Math.round(Number(base.lmean) * 100) / 100 } : null,
          top,
          topShare: top[0]?.ratio ?? 0,
          histogram: await histogram(s, from, c, input.buckets),
          patterns,
          classes: text ? Object.fromEntries(Object.keys(CLASSES).map((k) => [k, num(base[`c_${k}`])!])) : null,
          dataValues: true as const,
        };
      }),
  });
