/**
 * The smallest value a JSON Schema accepts, found by walking it: an object with its required properties, a list of
 * minItems items, an enum's or const's first value, a string of minLength (in the format asked), a number within
 * its bounds. What the demo model answers when an agent step's output schema is all it knows of the task. Covers
 * what output schemas use (types, required, enum/const, bounds, formats, anyOf/oneOf/allOf, local $ref); a pattern
 * is not solved (a string matching it is not guessed).
 */
type Schema = Record<string, unknown>;

const FORMATS: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'demo@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
};

export function exampleOf(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (schema === true || schema === undefined || schema === null || typeof schema !== 'object' || depth > 20) return null;
  const s = schema as Schema;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) return exampleOf(resolve(root, s.$ref), root, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if ('default' in s) return s.default;
  for (const key of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[key]) && (s[key] as unknown[]).length) return exampleOf((s[key] as unknown[])[0], root, depth + 1);
  if (Array.isArray(s.allOf)) return exampleOf(mergeAll(s), root, depth + 1);
  const type = Array.isArray(s.type) ? ((s.type as string[]).find((t) => t !== 'null') ?? 'null') : (s.type as string | undefined) ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const name of (s.required as string[] | undefined) ?? []) out[name] = exampleOf(props[name] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : {}), root, depth + 1);
      return out;
    }
    case 'array': {
      const n = Number(s.minItems ?? 0);
      const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : [];
      return Array.from({ length: Math.max(n, 0) }, (_, i) => exampleOf(prefix[i] ?? s.items ?? {}, root, depth + 1));
    }
    case 'string': {
      if (typeof s.format === 'string' && FORMATS[s.format]) return FORMATS[s.format];
      const min = Number(s.minLength ?? 0);
      const text = min > 4 ? 'demo'.padEnd(min, '.') : 'demo';
      return s.maxLength !== undefined ? text.slice(0, Number(s.maxLength)) : text;
    }
    case 'integer':
    case 'number': {
      const step = type === 'integer' ? 1 : 0.5;
      let n = 0;
      if (typeof s.minimum === 'number') n = Math.max(n, s.minimum);
      if (typeof s.exclusiveMinimum === 'number' && n <= s.exclusiveMinimum) n = s.exclusiveMinimum + step;
      if (typeof s.maximum === 'number' && n > s.maximum) n = s.maximum;
      if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) n = s.exclusiveMaximum - step;
      if (type === 'integer') n = Math.ceil(n);
      if (typeof s.multipleOf === 'number' && s.multipleOf > 0) n = Math.ceil(n / s.multipleOf) * s.multipleOf;
      return n;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

function resolve(root: unknown, ref: string): unknown {
  let at: unknown = root;
  for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Schema)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return at;
}

/** allOf's parts merged shallowly (properties and required joined): enough for the schemas output steps use. */
function mergeAll(s: Schema): Schema {
  const { allOf, ...rest } = s;
  const out: Schema = { ...rest };
  for (const part of allOf as Schema[]) {
    if (!part || typeof part !== 'object') continue;
    const { properties, required, ...other } = part;
    Object.assign(out, other);
    if (properties) out.properties = { ...(out.properties as Schema | undefined), ...(properties as Schema) };
    if (required) out.required = [...new Set([...((out.required as string[] | undefined) ?? []), ...(required as string[])])];
  }
  return out;
}
