/**
 * Values crossing into and out of CEL. CEL keeps int and double apart (`1 + 1.0` has no overload) while JSON has one
 * number type, so whole JSON numbers enter as CEL ints (bigint) and leave as JS numbers again.
 */

/** Conversions of frozen values (which cannot change), so a large step output is converted once, not per evaluation. */
const converted = new WeakMap<object, unknown>();

/**
 * A JSON-like value as CEL should see it: whole numbers as bigint, plain objects copied without a prototype.
 * Freeze outputs before putting them in a scope to have their conversion cached.
 */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  const frozen = Object.isFrozen(value);
  const cached = frozen ? converted.get(value) : undefined;
  if (cached !== undefined) return cached;
  let out: unknown;
  if (Array.isArray(value)) out = value.map(toCel);
  else {
    const copy: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) copy[k] = toCel(v);
    out = copy;
  }
  if (frozen) converted.set(value, out);
  return out;
}

/** A CEL result as JSON: bigint and uint to number, timestamps to ISO text, durations to seconds, bytes to base64. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`integer ${value} is too large to represent as a JSON number`);
    }
    return Number(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  const named = value.constructor?.name;
  if (named === 'UnsignedInteger' && 'value' in value) return fromCel((value as { value: unknown }).value);
  if (named === 'Duration' && 'seconds' in value) {
    const d = value as { seconds: number | bigint; nanos?: number };
    return Number(d.seconds) + (d.nanos ?? 0) / 1e9;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
}

/** How an embedded expression's value reads inside text: strings as-is, null as empty, the rest as JSON. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
