/** Values read from rows made JSON: what node-postgres returns that JSON cannot hold is turned into text. */
export function jsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown> & { toPostgres?: () => string };
    if (typeof o.toPostgres === 'function') return o.toPostgres();
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, jsonValue(x)]));
  }
  return String(v);
}

/** A number from what the server sent as text (bigint, numeric) or as a number; null stays null. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A ratio rounded to 4 decimals (0 when there is nothing to divide). */
export const ratio = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 10000) / 10000 : 0);
