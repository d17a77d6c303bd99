import type { ReadSession } from '../client/pg.session.js';
import { num } from './values.js';
import { SYSTEM_SCHEMAS_SQL } from './sql.js';

/** Catalogue reads shared by the schema, relations and governance tools. */

export interface Scope {
  /** One schema; absent: every schema but the system ones. */
  schema?: string;
  /** One table (pg_class oid). */
  tableOid?: number;
}

const ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
export const CONSTRAINT_TYPES: Record<string, string> = { p: 'primary key', f: 'foreign key', u: 'unique', c: 'check', x: 'exclusion', n: 'not null', t: 'trigger' };

export interface ConstraintRow {
  schema: string;
  table: string;
  name: string;
  type: string;
  columns: string[];
  references: { schema: string; table: string; columns: string[] } | null;
  onUpdate: string | null;
  onDelete: string | null;
  deferrable: boolean;
  validated: boolean;
  definition: string;
}

/** Also the columns' nullability, for the foreign-key checks. */
export interface ConstraintWithNulls extends ConstraintRow {
  tableOid: number;
  attnums: number[];
  nullableColumns: string[];
}

function scopeSql(s: Scope, alias: string, first: number): { sql: string; params: unknown[] } {
  if (s.tableOid !== undefined) return { sql: `${alias}.oid = $${first}`, params: [s.tableOid] };
  if (s.schema !== undefined) return { sql: `n.nspname = $${first}`, params: [s.schema] };
  return { sql: SYSTEM_SCHEMAS_SQL, params: [] };
}

export async function listConstraints(s: ReadSession, scope: Scope, types?: string[]): Promise<ConstraintWithNulls[]> {
  const where = scopeSql(scope, 'c', 1);
  const r = await s.query<{
    schema: string; table: string; table_oid: number; name: string; contype: string; columns: string[] | null; attnums: number[] | null; nullable: string[] | null;
    ref_schema: string | null; ref_table: string | null; ref_columns: string[] | null; upd: string; del: string; deferrable: boolean; validated: boolean; definition: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.oid AS table_oid, k.conname AS name, k.contype::text AS contype,
            (SELECT array_agg(a.attname::text ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
            k.conkey::int[] AS attnums,
            (SELECT array_agg(a.attname::text ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum WHERE NOT a.attnotnull) AS nullable,
            rn.nspname AS ref_schema, rc.relname AS ref_table,
            (SELECT array_agg(a.attname::text ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS ref_columns,
            k.confupdtype::text AS upd, k.confdeltype::text AS del, k.condeferrable AS deferrable, k.convalidated AS validated, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE ${where.sql} AND k.contype IN ('p', 'f', 'u', 'c', 'x')
      ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C", k.contype, k.conname COLLATE "C"`,
    where.params,
    'reading constraints',
  );
  const rows = r.rows.map((x) => ({
    schema: x.schema,
    table: x.table,
    tableOid: x.table_oid,
    name: x.name,
    type: CONSTRAINT_TYPES[x.contype] ?? x.contype,
    columns: x.columns ?? [],
    attnums: x.attnums ?? [],
    nullableColumns: x.nullable ?? [],
    references: x.contype === 'f' && x.ref_table ? { schema: x.ref_schema!, table: x.ref_table, columns: x.ref_columns ?? [] } : null,
    onUpdate: x.contype === 'f' ? (ACTIONS[x.upd] ?? x.upd) : null,
    onDelete: x.contype === 'f' ? (ACTIONS[x.del] ?? x.del) : null,
    deferrable: x.deferrable,
    validated: x.validated,
    definition: x.definition,
  }));
  return types ? rows.filter((c) => types.includes(c.type)) : rows;
}

export interface IndexRow {
  schema: string;
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  method: string;
  predicate: string | null;
  valid: boolean;
  sizeBytes: number | null;
  scans: number | null;
  definition: string;
}

/** Also what the governance checks compare: key columns by number and what makes two indexes the same. */
export interface IndexWithKeys extends IndexRow {
  tableOid: number;
  attnums: number[];
  /** Equal for two indexes with the same table, method, keys, operator classes, collations, expressions, predicate. */
  signature: string;
  constraint: string | null;
}

export async function listIndexes(s: ReadSession, scope: Scope): Promise<IndexWithKeys[]> {
  const where = scopeSql(scope, 'c', 1);
  const r = await s.query<{
    schema: string; table: string; table_oid: number; name: string; columns: string[]; unique: boolean; primary: boolean; method: string; predicate: string | null;
    valid: boolean; bytes: string | null; scans: string | null; definition: string; attnums: number[]; signature: string; constraint: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.oid AS table_oid, ic.relname AS name,
            (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, i.indnkeyatts) k) AS columns,
            i.indisunique AS unique, i.indisprimary AS primary, am.amname AS method, pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
            i.indisvalid AS valid, pg_relation_size(i.indexrelid) AS bytes, st.idx_scan AS scans, pg_get_indexdef(i.indexrelid) AS definition,
            (i.indkey::int2[])[0:i.indnkeyatts - 1]::int[] AS attnums,
            concat_ws('|', i.indrelid, am.amname, i.indkey::text, i.indclass::text, i.indcollation::text, pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid)) AS signature,
            (SELECT k.conname FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_am am ON am.oid = ic.relam LEFT JOIN pg_stat_all_indexes st ON st.indexrelid = i.indexrelid
      WHERE ${where.sql}
      ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C", ic.relname COLLATE "C"`,
    where.params,
    'reading indexes',
  );
  return r.rows.map((x) => ({
    schema: x.schema,
    table: x.table,
    tableOid: x.table_oid,
    name: x.name,
    columns: x.columns ?? [],
    attnums: x.attnums ?? [],
    unique: x.unique,
    primary: x.primary,
    method: x.method,
    predicate: x.predicate,
    valid: x.valid,
    sizeBytes: num(x.bytes),
    scans: num(x.scans),
    definition: x.definition,
    signature: x.signature,
    constraint: x.constraint,
  }));
}

/** The public part of a row (what the tools return). */
export const constraintView = (c: ConstraintWithNulls): ConstraintRow => ({
  schema: c.schema, table: c.table, name: c.name, type: c.type, columns: c.columns, references: c.references,
  onUpdate: c.onUpdate, onDelete: c.onDelete, deferrable: c.deferrable, validated: c.validated, definition: c.definition,
});
export const indexView = (i: IndexWithKeys): IndexRow => ({
  schema: i.schema, table: i.table, name: i.name, columns: i.columns, unique: i.unique, primary: i.primary, method: i.method,
  predicate: i.predicate, valid: i.valid, sizeBytes: i.sizeBytes, scans: i.scans, definition: i.definition,
});
