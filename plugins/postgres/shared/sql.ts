import { ToolError } from '../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../client/pg.session.js';

/** An identifier quoted for SQL text: "name", inner quotes doubled. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const qualified = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

/** Schemas no tool lists unless asked: the system's own. */
export const SYSTEM_SCHEMAS_SQL = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

export const KIND_OF: Record<string, string> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' };
export const RELKINDS = Object.keys(KIND_OF);

export interface TableRef {
  oid: number;
  schema: string;
  name: string;
  kind: string;
}

/**
 * The table (or view) `schema.name`: an exact match, else the one case-insensitive match. PG_TABLE_NOT_FOUND names
 * the closest names there are; PG_TABLE_AMBIGUOUS the candidates.
 */
export async function resolveTable(s: ReadSession, schema: string, name: string): Promise<TableRef> {
  const rows = (
    await s.query<{ oid: number; schema: string; name: string; relkind: string }>(
      `SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = ANY($3) AND lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2)`,
      [schema, name, RELKINDS],
      'looking up the table',
    )
  ).rows;
  const exact = rows.find((r) => r.schema === schema && r.name === name);
  const hit = exact ?? (rows.length === 1 ? rows[0] : undefined);
  if (hit) return { oid: hit.oid, schema: hit.schema, name: hit.name, kind: KIND_OF[hit.relkind] ?? hit.relkind };
  if (rows.length > 1) throw new ToolError('PG_TABLE_AMBIGUOUS', `"${schema}.${name}" matches ${rows.map((r) => `${r.schema}.${r.name}`).join(', ')} when case is ignored: give the exact name`, { candidates: rows.map((r) => `${r.schema}.${r.name}`) });
  const near = (
    await s.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = ANY($3) AND ${SYSTEM_SCHEMAS_SQL}
          AND (c.relname ILIKE '%' || $2 || '%' OR $2 ILIKE '%' || c.relname || '%' OR lower(c.relname) = lower($2))
        ORDER BY (n.nspname = $1) DESC, length(c.relname), 1 LIMIT 5`,
      [schema, name, RELKINDS],
      'looking up similar tables',
    )
  ).rows.map((r) => r.name);
  throw new ToolError('PG_TABLE_NOT_FOUND', `no table or view "${schema}.${name}"${near.length ? ` (similar: ${near.join(', ')})` : ''}`, { schema, table: name, similar: near });
}

/** The columns of a table, in order, with the type's family for profiling. */
export interface ColumnInfo {
  name: string;
  type: string;
  family: 'number' | 'temporal' | 'text' | 'boolean' | 'other';
  notNull: boolean;
}

const FAMILY: Record<string, ColumnInfo['family']> = { N: 'number', D: 'temporal', S: 'text', B: 'boolean' };

export async function columnsOf(s: ReadSession, table: TableRef): Promise<ColumnInfo[]> {
  const rows = (
    await s.query<{ name: string; type: string; category: string; notnull: boolean; typname: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory::text AS category, a.attnotnull AS notnull, t.typname
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table.oid],
      'reading the columns',
    )
  ).rows;
  // Intervals are category T (timespan): not placed on a time line. Money is N but has no float cast: kept as other.
  return rows.map((r) => ({ name: r.name, type: r.type, family: r.typname === 'money' ? 'other' : (FAMILY[r.category] ?? 'other'), notNull: r.notnull }));
}
