import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { formatAjvErrors } from '../common/json-schema.js';
import type { JsonSchema } from './plugin-api.js';

/**
 * Compiles a schema a plugin wrote, or throws an Error saying what is wrong with it: meta-schema problems with their
 * path (`inputSchema.properties.n.type: must be one of: ...`), then ajv's strict-mode checks (unknown keywords).
 */
export function compileJsonSchema(ajv: Ajv2020, schema: JsonSchema, what: string): ValidateFunction {
  if (!ajv.validateSchema(schema)) {
    const seen = new Set<string>();
    const errors = formatAjvErrors((ajv.errors ?? []).filter((e) => e.keyword !== 'anyOf'), undefined, what).filter((e) => {
      const first = !seen.has(String(e.path));
      seen.add(String(e.path));
      return first;
    });
    throw new Error(`${what} is not a valid JSON Schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  try {
    return ajv.compile(schema);
  } catch (e) {
    throw new Error(`${what} is not a valid JSON Schema: ${(e as Error).message}`, { cause: e });
  }
}

/** Keywords some hosts' tool APIs (Anthropic's among them) refuse at the root of a tool's input schema. */
export const ROOT_COMBINATORS = ['oneOf', 'anyOf', 'allOf'] as const;

/** Keywords whose value is one subschema, a list of subschemas, or a map of name → subschema (drafts 07 to 2020-12). */
const ONE_SCHEMA = ['additionalProperties', 'items', 'additionalItems', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];
const SCHEMA_LIST = ['oneOf', 'anyOf', 'allOf', 'prefixItems', 'items'];
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

const isSchema = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every subschema of a schema, itself first, with its dotted path from `root` (`inputSchema.properties.a.items`).
 * Walks the keywords that hold schemas, so a property named like a keyword (`properties.items`) is not mistaken for one.
 */
export function* subschemas(schema: unknown, root: string): Generator<{ path: string; schema: Record<string, unknown> }> {
  if (!isSchema(schema)) return;
  yield { path: root, schema };
  for (const k of ONE_SCHEMA) if (isSchema(schema[k])) yield* subschemas(schema[k], `${root}.${k}`);
  for (const k of SCHEMA_LIST) {
    const list = schema[k];
    if (Array.isArray(list)) for (const [i, s] of list.entries()) yield* subschemas(s, `${root}.${k}[${i}]`);
  }
  for (const k of SCHEMA_MAP) {
    const map = schema[k];
    if (isSchema(map)) for (const [name, s] of Object.entries(map)) yield* subschemas(s, `${root}.${k}.${name}`);
  }
}

/** The single-type form to suggest for a list of types: `[X, "null"]` → X with nullable: true. */
function singleTypeHint(types: unknown[]): string {
  const others = types.filter((t) => t !== 'null');
  if (others.length === 1 && types.length === 2) {
    return `"type": ${JSON.stringify(others[0])} with "nullable": true, or a sentinel value (like "/" for the root folder) or an optional property instead of null`;
  }
  return 'one type (e.g. "string", converted by the handler)';
}

/**
 * Why a tool's input schema would be refused by some MCP hosts, or undefined:
 * - a top-level oneOf/anyOf/allOf (Anthropic's tool API, among others). A combination of properties (one of a and b,
 *   at least one of c and d) is written as optional properties and checked by the handler (ToolError TOOL_INPUT_INVALID);
 * - a list of types (`type: ["string", "null"]`) anywhere in it: single-type dialects (Gemini, OpenAPI 3.0) take one
 *   type, with `nullable: true` for a value that may be null (ajv reads `nullable` the same way).
 * Output schemas may keep both: hosts read them only to check results.
 */
export function inputSchemaProblem(schema: JsonSchema): string | undefined {
  const problems: string[] = [];
  const found = ROOT_COMBINATORS.filter((k) => k in schema);
  if (found.length) {
    problems.push(`inputSchema has a top-level ${found.join(', ')}, which some MCP hosts refuse: make every property optional and check the combination in the handler (ToolError TOOL_INPUT_INVALID)`);
  }
  for (const { path, schema: sub } of subschemas(schema, 'inputSchema')) {
    if (Array.isArray(sub.type)) {
      problems.push(`${path}.type is a list of types ${JSON.stringify(sub.type)}, which single-type MCP hosts (Gemini, OpenAPI 3.0) refuse: use ${singleTypeHint(sub.type)}`);
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}
