import type { JsonSchema } from '../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../client/pg.session.js';
import { objectOut, nullable } from './schemas.js';
import { qualified, type TableRef } from './sql.js';
import { num } from './values.js';

export type SampleMethod = 'whole' | 'limit' | 'system' | 'bernoulli' | 'random';

/** How a sample was taken: what a reader needs to weigh the ratios computed on it. */
export interface SampleInfo {
  method: SampleMethod;
  /** TABLESAMPLE percentage, when one was used. */
  percent: number | null;
  /** Rows the sample holds. */
  rows: number;
}

export const sampleInfoSchema: JsonSchema = objectOut({ method: { enum: ['whole', 'limit', 'system', 'bernoulli', 'random'] }, percent: nullable('number'), rows: { type: 'integer' } });

/** The planner's row estimate (reltuples, else the statistics' live rows), or null when neither knows. */
export async function rowEstimate(s: ReadSession, t: TableRef): Promise<number | null> {
  const r = (await s.query<{ reltuples: number; live: string | null }>('SELECT c.reltuples::float8 AS reltuples, st.n_live_tup AS live FROM pg_class c LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid WHERE c.oid = $1', [t.oid], 'reading the row estimate')).rows[0];
  if (!r) return null;
  if (r.reltuples > 0) return Math.round(r.reltuples);
  return num(r.live) ?? (r.reltuples === 0 ? 0 : null);
}

const SAMPLEABLE = new Set(['table', 'partitioned table', 'materialized view']);

/** Fewer rows than this are never table-sampled: too few pages would be drawn (often none) on a small table. */
const POOL = 10_000;

/**
 * A FROM item reading `rows` rows of the table: the whole table when it is that small (by the estimate); a table of
 * up to 10,000 rows in a pseudo-random order; a larger one through TABLESAMPLE SYSTEM (pages; cheap) or BERNOULLI
 * (rows; scans the table) at the percentage that should yield max(rows, 10,000) rows, oversampled by half, then
 * ordered pseudo-randomly and cut by a LIMIT. The order is md5(ctid) and the sample REPEATABLE: the same rows while
 * the table is the same. Views cannot be table-sampled: their first rows are read.
 */
export function sampleSql(t: TableRef, estimate: number | null, rows: number, prefer: 'system' | 'bernoulli' = 'system'): { from: string; method: SampleMethod; percent: number | null } {
  const name = qualified(t.schema, t.name);
  if (!SAMPLEABLE.has(t.kind) || estimate === null) return { from: `(SELECT * FROM ${name} LIMIT ${rows})`, method: 'limit', percent: null };
  if (estimate <= rows) return { from: `(SELECT * FROM ${name} LIMIT ${rows})`, method: 'whole', percent: null };
  const pool = Math.max(rows, POOL);
  if (estimate <= pool) return { from: `(SELECT * FROM ${name} ORDER BY md5(ctid::text) LIMIT ${rows})`, method: 'random', percent: null };
  const percent = Math.min(100, Math.max(0.0001, Math.round(((pool * 1.5) / estimate) * 100 * 10000) / 10000));
  return { from: `(SELECT * FROM ${name} TABLESAMPLE ${prefer.toUpperCase()} (${percent}) REPEATABLE (7) ORDER BY md5(ctid::text) LIMIT ${rows})`, method: prefer, percent };
}
