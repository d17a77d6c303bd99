import { v1Error } from '../errors.js';
import { q, route, type Route } from '../router.js';
import { SAMPLE_ROWS } from '../seed/seed.rows.js';
import type { JsonObject } from '../sim.types.js';
import { modelByTitle } from './datamodels.routes.js';

const IDENT = String.raw`(?:\[([^\]]+)\]|"([^"]+)")`;
const COLUMNS = String.raw`((?:${IDENT})(?:\s*,\s*${IDENT})*)`;
/** `SELECT COUNT(*) FROM (SELECT <cols> FROM <table> GROUP BY <cols> HAVING COUNT(*) > 1) t`: keys that occur more than once. */
const DUPLICATE_KEYS = new RegExp(String.raw`^\s*select\s+count\(\*\)\s+from\s*\(\s*select\s+${COLUMNS}\s+from\s+${IDENT}\s+group\s+by\s+${COLUMNS}\s+having\s+count\(\*\)\s*>\s*1\s*\)\s*(?:as\s+)?\w*\s*;?\s*$`, 'i');
/** `SELECT COUNT(*) FROM <table>`. */
const COUNT_ROWS = new RegExp(String.raw`^\s*select\s+count\(\*\)\s+from\s+${IDENT}\s*;?\s*$`, 'i');

const names = (list: string) => [...list.matchAll(new RegExp(IDENT, 'g'))].map((m) => m[1] ?? m[2]);

/**
 * `GET /api/datasources/{title}/sql?query=`: the two aggregate queries a well-check sends (duplicate join keys, row
 * counts), answered from the seed's sample rows in the API's `{headers, values}` shape. An extract model that was
 * never built has no data to query.
 */
export const sqlRoutes: Route[] = [
  route('GET', '/api/datasources/:title/sql', (ctx) => {
    const model = modelByTitle(ctx, ctx.params.title);
    if (model.type === 'extract' && !model.lastBuildTime) throw v1Error(400, `ElastiCube "${String(model.title)}" has not been built: it holds no data.`);
    const sql = q(ctx.query, 'query') ?? '';
    const tables = SAMPLE_ROWS[model.title as string] ?? {};
    const table = (name: string): JsonObject[] => {
      const found = tables[name];
      if (!found) throw v1Error(400, `Table [${name}] was not found in "${String(model.title)}".`);
      return found;
    };
    const dup = DUPLICATE_KEYS.exec(sql);
    if (dup) {
      const tableName = dup[6] ?? dup[7];
      const keys = names(dup[1]);
      const counts = new Map<string, number>();
      for (const row of table(tableName)) {
        const key = JSON.stringify(keys.map((k) => row[k] ?? null));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return { status: 200, body: { headers: ['count'], values: [[[...counts.values()].filter((n) => n > 1).length]] } };
    }
    const count = COUNT_ROWS.exec(sql);
    if (count) return { status: 200, body: { headers: ['count'], values: [[table(count[1] ?? count[2]).length]] } };
    throw v1Error(400, 'The simulator answers only SELECT COUNT(*) FROM [Table] and the duplicate-key count query.');
  }),
];
