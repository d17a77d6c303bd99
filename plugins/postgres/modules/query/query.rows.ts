import { ToolError, type JsonSchema } from '../../../../src/plugins/plugin-api.js';
import type { ReadSession } from '../../client/pg.session.js';
import { arrayOf, bool, int, objectOut, str } from '../../shared/schemas.js';
import { jsonValue } from '../../shared/values.js';

export interface Column {
  name: string;
  type: string;
}

/** Rows as a query or a sample returns them: arrays in column order, cut at the row or byte cap. */
export interface Rows {
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  /** What cut the rows: the row cap, the byte cap, or nothing. */
  truncatedBy: 'rows' | 'bytes' | null;
  bytes: number;
}

export const rowsSchema: Record<string, JsonSchema> = {
  columns: arrayOf(objectOut({ name: str, type: str })),
  rows: { type: 'array', items: { type: 'array' } },
  rowCount: int,
  truncated: bool,
  truncatedBy: { enum: ['rows', 'bytes', null] },
  bytes: int,
};

const BATCH = 500;
const CURSOR = 'steward_rows';

/**
 * Reads a query (already checked to be one read-only query) through a cursor in batches, stopping after `maxRows`
 * rows or `maxBytes` bytes of JSON, whichever comes first; the time it may take in all is the statement timeout.
 */
export async function readRows(s: ReadSession, sql: string, params: unknown[], caps: { maxRows: number; maxBytes: number }, what: string): Promise<Rows> {
  const started = Date.now();
  await s.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql}`, params, what);
  const rows: unknown[][] = [];
  let bytes = 2;
  let truncatedBy: Rows['truncatedBy'] = null;
  let fields: { name: string; dataTypeID: number }[];
  for (;;) {
    const want = Math.min(BATCH, caps.maxRows + 1 - rows.length);
    const r = await s.arrays(`FETCH FORWARD ${want} FROM ${CURSOR}`, [], what);
    fields = r.fields;
    for (const raw of r.rows) {
      if (rows.length >= caps.maxRows) {
        truncatedBy = 'rows';
        break;
      }
      const row = raw.map(jsonValue);
      const size = Buffer.byteLength(JSON.stringify(row)) + 1;
      if (bytes + size > caps.maxBytes) {
        truncatedBy = 'bytes';
        break;
      }
      rows.push(row);
      bytes += size;
    }
    if (truncatedBy || r.rows.length < want) break;
    if (Date.now() - started > s.target.statementTimeoutMs) {
      throw new ToolError('PG_TIMEOUT', `${what} was still returning rows after the statement timeout of ${s.target.statementTimeoutMs} ms (environment "${s.target.environment}"): ask for fewer rows`, { environment: s.target.environment });
    }
  }
  const oids = [...new Set(fields.map((f) => f.dataTypeID))];
  const names = new Map(
    oids.length
      ? (await s.query<{ oid: number; name: string }>('SELECT oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1)', [oids], 'naming column types')).rows.map((x) => [Number(x.oid), x.name] as const)
      : [],
  );
  return {
    columns: fields.map((f) => ({ name: f.name, type: names.get(f.dataTypeID) ?? String(f.dataTypeID) })),
    rows,
    rowCount: rows.length,
    truncated: truncatedBy !== null,
    truncatedBy,
    bytes,
  };
}

/** Caps a caller asked for, never above the environment's. */
export const capsOf = (s: ReadSession, maxRows?: number) => ({ maxRows: Math.min(maxRows ?? s.target.maxRows, s.target.maxRows), maxBytes: s.target.maxBytes });
