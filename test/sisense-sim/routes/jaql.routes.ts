import { v1Error } from '../errors.js';
import { route, type Route } from '../router.js';
import { SAMPLE_ROWS } from '../seed/seed.rows.js';
import type { Json, JsonObject } from '../sim.types.js';
import { bodyObject } from '../views.js';
import { modelByTitle } from './datamodels.routes.js';

const DIM = /^\[([^.\]]+)\.([^\]]+)\]$/;
const AGGS = new Set(['sum', 'count', 'countduplicates', 'avg', 'min', 'max']);

/**
 * `POST /api/datasources/{title}/jaql` (semantics.md §6.4 queries, pysisense `elasticube_run_jaql_query` — M): body
 * `{datasource?, metadata: [{jaql: {dim: "[Table.Column]", agg?}}], count?, offset?}`. Items without `agg` group
 * the rows, items with one aggregate them; answered from the seed's sample rows as `{headers, values: [[{data, text}]]}`.
 * All dims of one query must be in one table here (the sample rows hold no joins). Refused with 400: no `metadata`
 * array, a dim that is not `[Table.Column]` of the model, an unknown `agg`, a formula, an unbuilt extract model.
 */
export const jaqlRoutes: Route[] = [
  route('POST', '/api/datasources/:title/jaql', (ctx) => {
    const model = modelByTitle(ctx, ctx.params.title);
    if (model.type === 'extract' && !model.lastBuildTime) throw v1Error(400, `ElastiCube "${String(model.title)}" has not been built: it holds no data.`);
    const body = bodyObject(ctx);
    if (!Array.isArray(body.metadata) || !body.metadata.length) throw v1Error(400, 'JAQL: "metadata" must be a non-empty array.');
    const items = body.metadata.map((m, i) => {
      const jaql = (m as { jaql?: { dim?: unknown; agg?: unknown; title?: unknown; formula?: unknown } } | null)?.jaql;
      if (!jaql || typeof jaql.dim !== 'string') throw v1Error(400, `JAQL: metadata[${i}] has no jaql.dim${jaql?.formula ? ' (formulas are not simulated)' : ''}.`);
      const m2 = DIM.exec(jaql.dim);
      if (!m2) throw v1Error(400, `JAQL: "${jaql.dim}" is not a dimension of the form [Table.Column].`);
      const agg = typeof jaql.agg === 'string' ? jaql.agg.toLowerCase() : undefined;
      if (agg !== undefined && !AGGS.has(agg)) throw v1Error(400, `JAQL: unknown aggregation "${String(jaql.agg)}".`);
      return { table: m2[1], column: m2[2], agg, title: typeof jaql.title === 'string' ? jaql.title : m2[2] };
    });
    const tables = SAMPLE_ROWS[model.title as string] ?? {};
    const tableName = items[0].table;
    if (items.some((i) => i.table !== tableName)) throw v1Error(400, 'JAQL: the simulator answers queries on one table only.');
    const rows = tables[tableName];
    if (!rows) throw v1Error(400, `JAQL: table [${tableName}] was not found in "${String(model.title)}".`);
    for (const i of items) if (rows.length && !(i.column in rows[0])) throw v1Error(400, `JAQL: column [${tableName}.${i.column}] was not found.`);
    const groups = new Map<string, JsonObject[]>();
    const keys = items.filter((i) => !i.agg);
    for (const r of rows) {
      const k = JSON.stringify(keys.map((i) => r[i.column] ?? null));
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const aggregate = (agg: string, values: Json[]): Json => {
      const nums = values.filter((v): v is number => typeof v === 'number');
      if (agg === 'count') return new Set(values.filter((v) => v !== null).map((v) => JSON.stringify(v))).size;
      if (agg === 'countduplicates') return values.filter((v) => v !== null).length;
      if (!nums.length) return null;
      if (agg === 'sum') return nums.reduce((a, b) => a + b, 0);
      if (agg === 'avg') return nums.reduce((a, b) => a + b, 0) / nums.length;
      return agg === 'min' ? Math.min(...nums) : Math.max(...nums);
    };
    let values = [...groups.values()].map((g) => items.map((i) => (i.agg ? aggregate(i.agg, g.map((r) => r[i.column] ?? null)) : (g[0][i.column] ?? null))));
    if (!keys.length && !values.length) values = [items.map((i) => aggregate(i.agg!, []))];
    const offset = typeof body.offset === 'number' ? body.offset : 0;
    const count = typeof body.count === 'number' ? body.count : values.length;
    const cells = values.slice(offset, offset + count).map((row) => row.map((v) => ({ data: v, text: v === null ? 'N\\A' : String(v) })));
    return { status: 200, body: { headers: items.map((i) => i.title), datasource: { title: model.title }, metadata: clone(body.metadata), values: cells } };
  }),
];

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
