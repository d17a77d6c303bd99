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

/**
 * Why a tool's input schema would be refused by such hosts, or undefined. A combination of properties (one of a and
 * b, at least one of c and d) is written as optional properties and checked by the handler (ToolError
 * TOOL_INPUT_INVALID), not as a root oneOf/anyOf/allOf.
 */
export function inputSchemaProblem(schema: JsonSchema): string | undefined {
  const found = ROOT_COMBINATORS.filter((k) => k in schema);
  if (found.length === 0) return undefined;
  return `inputSchema has a top-level ${found.join(', ')}, which some MCP hosts refuse: make every property optional and check the combination in the handler (ToolError TOOL_INPUT_INVALID)`;
}
