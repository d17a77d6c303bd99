/**
 * Field names and JSON types of a document, for comparing the simulator's answers with real captures.
 * Paths: `$.datasets[].schema.tables[].columns[].type`; array elements are merged, so a field present in any
 * element counts. Object keys that are JaQL context references (`[r]`, `[Commerce.Revenue]`) are written `[*]`.
 */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
export type Shape = Map<string, Set<JsonType>>;

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

export function shapeOf(value: unknown, path = '$', out: Shape = new Map()): Shape {
  let types = out.get(path);
  if (!types) out.set(path, (types = new Set()));
  types.add(typeOf(value));
  if (Array.isArray(value)) for (const item of value) shapeOf(item, `${path}[]`, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) shapeOf(v, `${path}.${/^\[.+\]$/.test(k) ? '[*]' : k}`, out);
  }
  return out;
}

/**
 * Every way `actual` (the simulator) falls short of `expected` (the capture): a path missing, or a type the
 * capture shows that the simulator never uses. A capture null says nothing about a field's type, so it matches
 * any type; children of a missing path are not listed again.
 */
export function compareShapes(expected: Shape, actual: Shape): string[] {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [path, types] of expected) {
    if (missing.some((m) => path.startsWith(`${m}.`) || path.startsWith(`${m}[]`))) continue;
    const got = actual.get(path);
    if (!got) {
      missing.push(path);
      problems.push(`${path}: missing in the simulator (capture: ${[...types].join('|')})`);
      continue;
    }
    const lacking = [...types].filter((t) => t !== 'null' && !got.has(t));
    if (lacking.length) problems.push(`${path}: capture has ${[...types].join('|')}, simulator has ${[...got].join('|')}`);
  }
  return problems;
}
