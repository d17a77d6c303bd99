import type { ReadSession } from '../../client/pg.session.js';
import { rowEstimate, sampleSql } from '../../shared/sample.js';
import { ident, KIND_OF, qualified, SYSTEM_SCHEMAS_SQL } from '../../shared/sql.js';
import { num } from '../../shared/values.js';

/** A column as the inference reads it. */
export interface Col {
  oid: number;
  schema: string;
  table: string;
  relkind: string;
  column: string;
  type: string;
  /** Comparable types share a group (all integers; all strings; uuid; ...). */
  group: string;
}

export interface Candidate {
  from: Col;
  to: Col;
  rule: string;
  nameScore: number;
  sameType: boolean;
}

const GROUPS: Record<string, string> = { int2: 'int', int4: 'int', int8: 'int', numeric: 'int', text: 'text', varchar: 'text', bpchar: 'text', name: 'text', citext: 'text', uuid: 'uuid' };

export async function readColumns(s: ReadSession, schema?: string): Promise<{ columns: Col[]; keys: Col[] }> {
  const r = await s.query<{ oid: number; schema: string; table: string; relkind: string; column: string; typname: string; key: boolean }>(
    `SELECT c.oid, n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind, a.attname AS column, t.typname,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u') AND k.conkey = ARRAY[a.attnum]) AS key
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p', 'm', 'f', 'v') AND a.attnum > 0 AND NOT a.attisdropped AND ${SYSTEM_SCHEMAS_SQL}
      ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C", a.attnum`,
    [],
    'reading columns',
  );
  const all = r.rows.map((x) => ({ col: { oid: x.oid, schema: x.schema, table: x.table, relkind: x.relkind, column: x.column, type: x.typname, group: GROUPS[x.typname] ?? x.typname }, key: x.key }));
  return { columns: all.filter((x) => schema === undefined || x.col.schema === schema).map((x) => x.col), keys: all.filter((x) => x.key && (x.col.relkind === 'r' || x.col.relkind === 'p')).map((x) => x.col) };
}

/** The names a table holding `stem`s may have: customer → customer, customers; category → categories; box → boxes. */
function tableNames(stem: string): string[] {
  const out = [stem, `${stem}s`, `${stem}es`];
  if (/[^aeiou]y$/.test(stem)) out.push(`${stem.slice(0, -1)}ies`);
  return out;
}

/** Joins suggested by names and types alone: `<thing>_id` (or `<thing>id`) → a key of the table of things, and a column named like another table's (non-`id`) key. */
export function nameCandidates(columns: Col[], keys: Col[]): Candidate[] {
  const keysByTable = new Map<string, Col[]>();
  for (const k of keys) keysByTable.set(k.table.toLowerCase(), [...(keysByTable.get(k.table.toLowerCase()) ?? []), k]);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (from: Col, to: Col, rule: string, nameScore: number) => {
    if (from.oid === to.oid && from.column === to.column) return;
    if (from.group !== to.group) return;
    const key = `${from.oid}.${from.column}>${to.oid}.${to.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ from, to, rule, nameScore, sameType: from.type === to.type });
  };
  for (const c of columns) {
    const name = c.column.toLowerCase();
    const m = /^(.+?)_?id$/.exec(name);
    if (m && name !== 'id') {
      const stem = m[1]!.replace(/_$/, '');
      for (const t of tableNames(stem)) {
        for (const k of keysByTable.get(t) ?? []) {
          const kn = k.column.toLowerCase();
          if (kn === 'id') add(c, k, `${c.column} → ${k.table}.id (the ${stem} it names)`, k.schema === c.schema ? 1 : 0.9);
          else if (kn === name) add(c, k, `${c.column} → ${k.table}.${k.column} (same name, a key there)`, k.schema === c.schema ? 1 : 0.9);
        }
      }
    }
    for (const k of keys) {
      if (k.column.toLowerCase() === name && name !== 'id' && k.oid !== c.oid) add(c, k, `${c.column} → ${k.table}.${k.column} (same name, a key there)`, 0.8);
    }
  }
  return out;
}

/** The share of a sample of the column's distinct values found in the target column: how far the values agree. */
export async function overlap(s: ReadSession, c: Candidate, sampleValues: number): Promise<{ sampled: number; matched: number }> {
  const from = { oid: c.from.oid, schema: c.from.schema, name: c.from.table, kind: KIND_OF[c.from.relkind] ?? 'table' };
  const sample = sampleSql(from, await rowEstimate(s, from), Math.max(sampleValues * 5, 1000));
  const r = await s.query<{ sampled: string; matched: string }>(
    `SELECT count(*) AS sampled, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${qualified(c.to.schema, c.to.table)} t WHERE t.${ident(c.to.column)} = v.v)) AS matched
       FROM (SELECT DISTINCT ${ident(c.from.column)} AS v FROM ${sample.from} x WHERE ${ident(c.from.column)} IS NOT NULL LIMIT ${sampleValues}) v`,
    [],
    'comparing values',
  );
  return { sampled: num(r.rows[0]!.sampled)!, matched: num(r.rows[0]!.matched)! };
}

/** Names and values weighed together: 0.4 for the name rule, 0.1 for the type (half for a compatible one), 0.5 for the overlap. */
export function confidence(c: Candidate, o: { sampled: number; matched: number }): number {
  const overlapShare = o.sampled > 0 ? o.matched / o.sampled : 0;
  return Math.round((0.4 * c.nameScore + 0.1 * (c.sameType ? 1 : 0.5) + 0.5 * overlapShare) * 100) / 100;
}
