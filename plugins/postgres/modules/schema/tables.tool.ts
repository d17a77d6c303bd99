import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, int, nullable, objectOut, schemaFilter, str } from '../../shared/schemas.js';
import { KIND_OF, SYSTEM_SCHEMAS_SQL } from '../../shared/sql.js';
import { num } from '../../shared/values.js';

const KINDS = Object.values(KIND_OF);

interface Input {
  schema?: string;
  name?: string;
  kinds: string[];
  limit: number;
  cursor?: string;
}

export interface TableRow {
  schema: string;
  name: string;
  kind: string;
  rowEstimate: number | null;
  tableBytes: number | null;
  totalBytes: number | null;
  columns: number;
  hasPrimaryKey: boolean;
  comment: string | null;
}

/** Keyset paging: the cursor is the last (schema, name) listed, opaque to callers. */
const encode = (schema: string, name: string) => Buffer.from(JSON.stringify([schema, name])).toString('base64url');
function decode(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string')) return v as [string, string];
  } catch {
    /* below */
  }
  throw new ToolError('PG_CURSOR_INVALID', 'cursor is not one this tool returned: pass nextCursor from the previous page as it is');
}

export const tables = (deps: PgDeps) =>
  defineTool<Input, { tables: TableRow[]; total: number; nextCursor: string | null }>({
    id: 'postgres.schema.tables',
    title: 'List tables',
    description:
      'Lists tables and views page by page, ordered by schema and name: kind, row estimate (the planner\'s reltuples, else the statistics\' live rows; null when never analysed), ' +
      'table and total size in bytes (with indexes and TOAST), number of columns, whether it has a primary key, and the comment. Filter by schema (exact), by part of the name, and by kind. ' +
      'total counts every match; pass nextCursor back as cursor for the next page (null on the last page).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schema: schemaFilter,
        name: { type: 'string', minLength: 1, maxLength: 63, description: 'Only tables whose name contains this (case-insensitive).' },
        kinds: { type: 'array', uniqueItems: true, minItems: 1, items: { enum: KINDS }, default: KINDS, description: `Kinds to list (default all): ${KINDS.join(', ')}.` },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Tables per page.' },
        cursor: { type: 'string', minLength: 1, maxLength: 1000, description: 'nextCursor of the previous page.' },
      },
    },
    outputSchema: objectOut({
      tables: arrayOf(
        objectOut({ schema: str, name: str, kind: str, rowEstimate: nullable('integer'), tableBytes: nullable('integer'), totalBytes: nullable('integer'), columns: int, hasPrimaryKey: bool, comment: nullable('string') }),
      ),
      total: int,
      nextCursor: nullable('string'),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'The first 100 tables and views', input: { limit: 100, kinds: KINDS } },
      { title: 'Tables of the shop schema whose name contains "order"', input: { schema: 'shop', name: 'order', kinds: ['table', 'partitioned table'], limit: 50 } },
    ],
    handler: (input, ctx) => {
      const after = input.cursor ? decode(input.cursor) : null;
      const relkinds = Object.entries(KIND_OF).filter(([, k]) => input.kinds.includes(k)).map(([c]) => c);
      const like = input.name ? `%${input.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const where = `c.relkind = ANY($1) AND ${SYSTEM_SCHEMAS_SQL} AND ($2::text IS NULL OR n.nspname = $2) AND ($3::text IS NULL OR c.relname ILIKE $3)`;
      return deps.read(ctx, async (s) => {
        const params = [relkinds, input.schema ?? null, like];
        const total = num((await s.query<{ n: string }>(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${where}`, params, 'counting tables')).rows[0]!.n)!;
        const r = await s.query<{ schema: string; name: string; relkind: string; reltuples: number; live: string | null; tbytes: string | null; bytes: string | null; columns: number; pk: boolean; comment: string | null }>(
          `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples, st.n_live_tup AS live,
                  CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) END AS tbytes,
                  CASE WHEN c.relkind IN ('r', 'm') THEN pg_total_relation_size(c.oid) END AS bytes,
                  (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
                  EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS pk,
                  obj_description(c.oid, 'pg_class') AS comment
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid
            WHERE ${where} AND ($4::text IS NULL OR (n.nspname COLLATE "C", c.relname COLLATE "C") > ($4::text COLLATE "C", $5::text COLLATE "C"))
            ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C" LIMIT $6`,
          [...params, after?.[0] ?? null, after?.[1] ?? null, input.limit + 1],
          'listing tables',
        );
        const page = r.rows.slice(0, input.limit);
        const last = page[page.length - 1];
        return {
          tables: page.map((x) => ({
            schema: x.schema,
            name: x.name,
            kind: KIND_OF[x.relkind] ?? x.relkind,
            rowEstimate: x.reltuples >= 0 && !(x.reltuples === 0 && num(x.live)) ? Math.round(x.reltuples) : num(x.live),
            tableBytes: num(x.tbytes),
            totalBytes: num(x.bytes),
            columns: x.columns,
            hasPrimaryKey: x.pk,
            comment: x.comment,
          })),
          total,
          nextCursor: r.rows.length > input.limit && last ? encode(last.schema, last.name) : null,
        };
      });
    },
  });
