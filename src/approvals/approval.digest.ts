import { createHash } from 'node:crypto';

/** Identity of a call: tool, input and environments. An approval can only release the exact call it showed. */
export const callDigest = (tool: string, input: unknown, environments: Record<string, string>): string =>
  createHash('sha256').update(JSON.stringify([tool, canonical(input), canonical(environments)])).digest('hex');

/** JSON with object keys in order: the same arguments however a client ordered them. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}
