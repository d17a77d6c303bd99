import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { arrayOf, int, nullable, objectOut, str } from '../../shared/schemas.js';
import { SYSTEM_SCHEMAS_SQL } from '../../shared/sql.js';
import { num } from '../../shared/values.js';

interface Input {
  includeSystem: boolean;
}
interface SchemaRow {
  name: string;
  owner: string;
  tables: number;
  views: number;
  totalBytes: number;
  comment: string | null;
}

export const schemas = (deps: PgDeps) =>
  defineTool<Input, { database: string; schemas: SchemaRow[] }>({
    id: 'postgres.schema.schemas',
    title: 'List schemas',
    description:
      'Lists the schemas of the database: owner, number of tables (including partitioned and foreign ones) and views (including materialized ones), their total size in bytes (tables, indexes, TOAST) and the comment. ' +
      'System schemas (pg_catalog, information_schema, pg_toast, temporary ones) only with includeSystem.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { includeSystem: { type: 'boolean', default: false, description: 'Also list pg_catalog, information_schema and the other system schemas.' } },
    },
    outputSchema: objectOut({
      database: str,
      schemas: arrayOf(objectOut({ name: str, owner: str, tables: int, views: int, totalBytes: int, comment: nullable('string') })),
    }),
    effect: 'read',
    idempotent: true,
    examples: [
      { title: 'The schemas of the database', input: { includeSystem: false } },
      { title: 'With the system schemas', input: { includeSystem: true } },
    ],
    handler: (input, ctx) =>
      deps.read(ctx, async (s) => {
        const r = await s.query<{ name: string; owner: string; tables: string; views: string; bytes: string; comment: string | null }>(
          `SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
                  count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p', 'f')) AS tables,
                  count(c.oid) FILTER (WHERE c.relkind IN ('v', 'm')) AS views,
                  coalesce(sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'm')), 0) AS bytes,
                  obj_description(n.oid, 'pg_namespace') AS comment
             FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
            WHERE $1 OR (${SYSTEM_SCHEMAS_SQL})
            GROUP BY n.oid, n.nspname, n.nspowner ORDER BY n.nspname`,
          [input.includeSystem],
          'listing schemas',
        );
        return {
          database: s.target.database,
          schemas: r.rows.map((x) => ({ name: x.name, owner: x.owner, tables: num(x.tables)!, views: num(x.views)!, totalBytes: num(x.bytes)!, comment: x.comment })),
        };
      }),
  });
