import type { ErrorDetail } from '../common/errors.js';

/** Deepest nesting accepted in a JSON body (objects and arrays): real requests stay under ten. */
export const MAX_JSON_DEPTH = 64;

/** U+0000 (PostgreSQL text and jsonb cannot hold it) or a UTF-16 surrogate without its partner (not Unicode). */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with one string, or undefined. */
export function badText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'contains U+0000 (a NUL character), which cannot be stored' : `contains a lone UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}), which is not valid Unicode`;
}

const pathOf = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(key)}]`;

/**
 * The first problem in a parsed JSON value that would otherwise surface deep inside (a 500 from the database or a
 * stack overflow): nesting past MAX_JSON_DEPTH, a key or string with U+0000 or a lone surrogate. Iterative, so the
 * check itself cannot overflow. `root` prefixes every path (e.g. `params` for an MCP message).
 */
export function jsonProblem(value: unknown, root = ''): ErrorDetail | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return { path: path || '(body)', message: bad };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { path: path || '(body)', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], pathOf(path, i), depth + 1]);
      continue;
    }
    for (const [k, inner] of Object.entries(v)) {
      const badKey = badText(k);
      if (badKey) return { path: path || '(body)', message: `a key ${badKey}` };
      stack.push([inner, pathOf(path, k), depth + 1]);
    }
  }
  return undefined;
}
