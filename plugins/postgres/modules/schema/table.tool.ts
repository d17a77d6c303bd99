import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, bool, int, nullable, objectOut, str, strings, tableInput } from '../../shared/schemas.js';
import { resolveTable } from '../../shared/sql.js';
import { num } from '../../shared/values.js';

interface Input {
  schema: string;
  table: string;
}

export interface ColumnRow {
  name: string;
  position: number;
  type: string;
  nullable: boolean;
  default: string | null;
  identity: string | null;
  generated: string | null;
  comment: string | null;
}

export const table = (deps: PgDeps) =>
  defineTool<Input, { schema: string; name: string; kind: string; owner: string; rowEstimate: number | null; totalBytes: number | null; comment: string | null; primaryKey: string[]; columns: ColumnRow[] }>({
    id: 'postgres.schema.table',
    title: 'Describe a table',
    description:
      'Describes one table or view: kind, owner, row estimate, total size, comment, primary-key columns, and every column in order with its type (as format_type shows it), ' +
      'nullability, default expression, identity (always / by default), generated expression and comment. PG_TABLE_NOT_FOUND names similar tables.',
    inputSchema: { type: 'object', additionalProperties: false, required: ['table'], properties: tableInput },
    outputSchema: objectOut({
      schema: str,
      name: str,
      kind: str,
      owner: str,
      rowEstimate: nullable('integer'),
      totalBytes: nullable('integer'),
      comment: nullable('string'),
      primaryKey: strings,
      columns: arrayOf(objectOut({ name: str, position: int, type: str, nullable: bool, default: nullable('string'), identity: nullable('string'), generated: nullable('string'), comment: nullable('string') })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'The columns of shop.orders', input: { schema: 'shop', table: 'orders' } }],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const t = await resolveTable(s, input.schema, input.table);
        const head = (
          await s.query<{ owner: string; reltuples: number; live: string | null; bytes: string | null; comment: string | null; pk: string[] | null }>(
            `SELECT pg_get_userbyid(c.relowner) AS owner, c.reltuples::float8 AS reltuples, st.n_live_tup AS live,
                    CASE WHEN c.relkind IN ('r', 'm') THEN pg_total_relation_size(c.oid) END AS bytes, obj_description(c.oid, 'pg_class') AS comment,
                    (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum WHERE p.conrelid = c.oid AND p.contype = 'p') AS pk
               FROM pg_class c LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid WHERE c.oid = $1`,
            [t.oid],
            'reading the table',
          )
        ).rows[0]!;
        const cols = await s.query<{ name: string; position: number; type: string; notnull: boolean; def: string | null; identity: string; generated: string; comment: string | null }>(
          `SELECT a.attname AS name, a.attnum::int AS position, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
                  CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS def, a.attidentity::text AS identity,
                  CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated, col_description(a.attrelid, a.attnum) AS comment
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
          [t.oid],
          'reading the columns',
        );
        return {
          schema: t.schema,
          name: t.name,
          kind: t.kind,
          owner: head.owner,
          rowEstimate: head.reltuples >= 0 && !(head.reltuples === 0 && num(head.live)) ? Math.round(head.reltuples) : num(head.live),
          totalBytes: num(head.bytes),
          comment: head.comment,
          primaryKey: head.pk ?? [],
          columns: cols.rows.map((c) => ({
            name: c.name,
            position: c.position,
            type: c.type,
            nullable: !c.notnull,
            default: c.def,
            identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by default' : null,
            generated: c.generated,
            comment: c.comment,
          })),
        };
      }),
  });
