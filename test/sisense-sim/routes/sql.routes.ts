import { v1Error } from '../errors.js';
import { q, route, type Route, type RouteResult } from '../router.js';
import { SAMPLE_ROWS } from '../seed/seed.rows.js';
import type { Json, JsonObject } from '../sim.types.js';
import { modelByTitle } from './datamodels.routes.js';

const ID = String.raw`\[([^\]]+)\]`;
/** `SELECT COUNT(*) FROM [T]` (pysisense get_row_count). */
const COUNT_ROWS = new RegExp(String.raw`^\s*select\s+count\(\*\)\s+from\s+${ID}\s*;?\s*$`, 'i');
/** `SELECT * FROM [T]` or `SELECT [a], [b] FROM [T]`, optional `LIMIT n` (pysisense get_data). */
const SELECT_ROWS = new RegExp(String.raw`^\s*select\s+(\*|${ID}(?:\s*,\s*${ID})*)\s+from\s+${ID}(?:\s+limit\s+(\d+))?\s*;?\s*$`, 'i');
/**
 * The many-to-many probe of pysisense's check_datamodel_m2m_relationships (semantics.md §5):
 * `select [c], count([c]) as key_count1 from [T] group by [c] having count([c]) > 1`: one row per duplicated key.
 */
const DUPLICATE_KEYS = new RegExp(
  String.raw`^\s*select\s+${ID}\s*,\s*count\(\s*${ID}\s*\)(?:\s+as\s+(\w+))?\s+from\s+${ID}\s+group\s+by\s+${ID}\s+having\s+count\(\s*${ID}\s*\)\s*>\s*1\s*;?\s*$`,
  'i',
);

const names = (list: string) => [...list.matchAll(new RegExp(ID, 'g'))].map((m) => m[1]);

function csvCell(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function answer(headers: string[], values: Json[][], csv: boolean): RouteResult {
  if (!csv) return { status: 200, body: { headers, values } };
  const lines = [headers, ...values].map((row) => row.map(csvCell).join(','));
  return { status: 200, text: { contentType: 'text/csv; charset=utf-8', value: `${lines.join('\n')}\n` } };
}

/**
 * SQL against a model's data, answered from the seed's sample rows (seed/seed.rows.ts). Only the documented forms
 * are understood (README Q1); an extract model never built, or a live model never published, has no data.
 * (JAQL is answered by jaql.routes.ts.)
 */
export const sqlRoutes: Route[] = [
  route('GET', '/api/datasources/:title/sql', (ctx) => {
    const model = modelByTitle(ctx, ctx.params.title);
    const rows = dataOf(model);
    const sql = q(ctx.query, 'query') ?? '';
    const csv = q(ctx.query, 'format') === 'csv';
    const table = (name: string): JsonObject[] => {
      const found = rows[name];
      if (!found) throw v1Error(400, `Table [${name}] was not found in "${String(model.title)}".`);
      return found;
    };
    const count = COUNT_ROWS.exec(sql);
    if (count) return answer(['count'], [[table(count[1]).length]], csv);
    const dup = DUPLICATE_KEYS.exec(sql);
    if (dup) {
      const [, col, counted, alias, tableName, grouped, having] = dup;
      if (col !== counted || col !== grouped || col !== having) throw v1Error(400, 'The grouped, counted and selected column must be the same.');
      const counts = new Map<string, { key: Json; n: number }>();
      for (const row of table(tableName)) {
        const key = row[col];
        if (key === undefined) throw v1Error(400, `Column [${col}] was not found in [${tableName}].`);
        if (key === null) continue; // count([c]) does not count nulls
        const k = JSON.stringify(key);
        counts.set(k, { key, n: (counts.get(k)?.n ?? 0) + 1 });
      }
      return answer([col, alias ?? 'count'], [...counts.values()].filter((c) => c.n > 1).map((c) => [c.key, c.n]), csv);
    }
    const select = SELECT_ROWS.exec(sql);
    if (select) {
      const tableName = select[select.length - 2];
      const limit = select[select.length - 1];
      const all = table(tableName);
      const columns = select[1] === '*' ? Object.keys(all[0] ?? {}) : names(select[1]);
      for (const c of columns) if (all.length && !(c in all[0])) throw v1Error(400, `Column [${c}] was not found in [${tableName}].`);
      const picked = all.slice(0, limit === undefined ? undefined : Number(limit)).map((r) => columns.map((c) => r[c] ?? null));
      return answer(columns, picked, csv);
    }
    throw v1Error(400, 'Unsupported query: the simulator answers SELECT COUNT(*) FROM [T], SELECT * | [a], [b] FROM [T] [LIMIT n], and the duplicate-key probe select [c], count([c]) as k from [T] group by [c] having count([c]) > 1.');
  }),
];

function dataOf(model: JsonObject): Record<string, JsonObject[]> {
  if (model.type === 'extract' && !model.lastBuildTime) throw v1Error(400, `ElastiCube "${String(model.title)}" has not been built: it holds no data.`);
  if (model.type === 'live' && !model.lastPublishTime) throw v1Error(400, `Live model "${String(model.title)}" has not been published.`);
  return SAMPLE_ROWS[model.title as string] ?? {};
}
