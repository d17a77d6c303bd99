import { badResponse } from '../../shared/errors.js';

/** A query answer cut to at most `maxRows` rows: `{headers, values}` (JAQL cells are `{data, text}`). */
export interface Rows {
  headers: string[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
}

export const MAX_ROWS = 10_000;

export const maxRowsSchema = { type: 'integer', minimum: 1, maximum: MAX_ROWS, default: 100, description: `At most this many rows are returned (up to ${MAX_ROWS}); truncated says whether there were more.` };

export const rowsSchema = {
  headers: { type: 'array', items: { type: 'string' } },
  rows: { type: 'array', items: { type: 'array' } },
  rowCount: { type: 'integer' },
  truncated: { type: 'boolean' },
};

/** The rows of a `{headers, values}` answer, each cell's `data` when it is a JAQL cell, cut to `maxRows`. */
export function rowsOf(answer: unknown, maxRows: number, what: string): Rows {
  const a = answer as { headers?: unknown; values?: unknown } | undefined;
  if (!a || typeof a !== 'object' || !Array.isArray(a.values)) throw badResponse(what, answer, 'a JSON object with values');
  const headers = (Array.isArray(a.headers) ? a.headers : []).map((h) => (typeof h === 'string' ? h : String((h as { title?: unknown })?.title ?? h)));
  const cell = (c: unknown) => (c && typeof c === 'object' && !Array.isArray(c) && 'data' in c ? (c as { data: unknown }).data : c);
  const all = a.values.map((r) => (Array.isArray(r) ? r.map(cell) : [cell(r)]));
  return { headers, rows: all.slice(0, maxRows), rowCount: Math.min(all.length, maxRows), truncated: all.length > maxRows };
}
