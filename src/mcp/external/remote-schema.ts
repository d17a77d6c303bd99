import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../../plugins/plugin-api.js';

// ajv-formats is CommonJS; under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

type AjvClass = typeof Ajv | typeof Ajv2019 | typeof Ajv2020;

/** The ajv dialect a schema names in `$schema`: 2020-12 when it names none (the MCP default). */
function dialect(schema: JsonSchema): AjvClass | undefined {
  const id = schema.$schema;
  if (id === undefined || (typeof id === 'string' && id.includes('2020-12'))) return Ajv2020;
  if (typeof id === 'string' && id.includes('2019-09')) return Ajv2019;
  if (typeof id === 'string' && id.includes('draft-07')) return Ajv;
  return undefined;
}

/**
 * Compiles a JSON Schema another MCP server published (SDK servers publish draft-07), leniently: unknown keywords
 * and formats are ignored, an unknown `$schema` is read as draft-07. Undefined when it cannot be compiled at all.
 */
export function compileRemoteSchema(schema: JsonSchema, options: Options = {}): ValidateFunction | undefined {
  const known = dialect(schema);
  const Dialect = known ?? Ajv;
  const ajv = new Dialect({ allErrors: true, strict: false, validateFormats: true, allowUnionTypes: true, ...options }) as Ajv;
  addFormats(ajv);
  try {
    if (known) return ajv.compile(schema);
    const { $schema: _unknown, ...rest } = schema;
    return ajv.compile(rest);
  } catch {
    return undefined;
  }
}
