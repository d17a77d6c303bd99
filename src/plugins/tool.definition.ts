import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { createAjv, formatAjvErrors } from '../common/json-schema.js';
import { EFFECTS, type AnyToolDefinition, type JsonSchema } from './plugin-api.js';
import { compileJsonSchema, inputSchemaProblem } from './schema-check.js';
import { PluginLoadError, type LoadedTool, type PluginManifest } from './plugin.types.js';
import { parseToolId, SEGMENT, TOOL_ID, wireName } from './tool-id.js';

export const DEFAULT_ROLES: readonly string[] = ['target'];

/** The data half of a tool definition; functions and schemas are checked in code below. */
const DEFINITION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'description', 'inputSchema', 'effect', 'idempotent', 'examples', 'handler'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string', minLength: 1, maxLength: 120 },
    description: { type: 'string', minLength: 1, maxLength: 4000 },
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object' },
    effect: { enum: EFFECTS },
    idempotent: { type: 'boolean' },
    environments: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: SEGMENT.source } },
    examples: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'input'],
        properties: { title: { type: 'string', minLength: 1 }, input: {} },
      },
    },
    handler: {},
    plan: {},
  },
};
const validateDefinition = createAjv().compile(DEFINITION_SCHEMA);

/** Per plugin: one ajv for inputs (fills defaults into a copy) and one for outputs (checks only). */
export interface SchemaCompilers {
  input: Ajv2020;
  output: Ajv2020;
}
export const schemaCompilers = (): SchemaCompilers => ({ input: createAjv({ useDefaults: true }), output: createAjv() });

/** Checks one registered definition against its plugin's manifest; throws PluginLoadError naming the tool. */
export function checkTool(
  def: AnyToolDefinition,
  manifest: PluginManifest,
  settings: Readonly<Record<string, unknown>>,
  ajv: SchemaCompilers,
): LoadedTool {
  const label = typeof def?.id === 'string' ? `tool "${def.id}"` : 'a registered tool';
  const fail = (message: string): never => {
    throw new PluginLoadError(`${label}: ${message}`);
  };
  if (!validateDefinition(def)) fail(formatAjvErrors(validateDefinition.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; '));
  const parts = parseToolId(def.id) ?? fail(`id must match ${TOOL_ID} (<plugin>.<module>.<name>, lowercase, no "__")`);
  if (parts.plugin !== manifest.id) fail(`id must start with the plugin id "${manifest.id}."`);
  if (!manifest.modules.some((m) => m.id === parts.module)) {
    fail(`module "${parts.module}" is not declared in plugin.yaml (modules: ${manifest.modules.map((m) => m.id).join(', ')})`);
  }
  if (typeof def.handler !== 'function') fail('handler must be a function');
  if (def.plan !== undefined && typeof def.plan !== 'function') fail('plan must be a function when given');

  const props = (def.inputSchema as { properties?: Record<string, unknown> }).properties ?? {};
  for (const reserved of ['environment', 'environments']) {
    if (reserved in props) fail(`inputSchema must not define "${reserved}": Steward adds it on the MCP wire to bind the tool's environment roles`);
  }
  const shape = inputSchemaProblem(def.inputSchema);
  if (shape) fail(shape);
  const validateInput = compile(ajv.input, def.inputSchema, 'inputSchema', fail);
  const validateOutput = def.outputSchema ? compile(ajv.output, def.outputSchema, 'outputSchema', fail) : undefined;
  def.examples.forEach((example, i) => {
    if (!validateInput(structuredClone(example.input))) {
      const why = formatAjvErrors(validateInput.errors ?? [], undefined, 'input').map((e) => `${e.path}: ${e.message}`);
      fail(`examples[${i}] ("${example.title}") does not match the inputSchema: ${why.join('; ')}`);
    }
  });

  return {
    ...parts,
    id: def.id,
    wireName: wireName(def.id),
    title: def.title,
    description: def.description,
    effect: def.effect,
    idempotent: def.idempotent,
    environments: Object.freeze([...(def.environments ?? DEFAULT_ROLES)]),
    kinds: Object.freeze([...manifest.kinds]),
    supportsPlan: typeof def.plan === 'function',
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    examples: def.examples,
    validateInput,
    validateOutput,
    definition: def,
    settings,
  };
}

function compile(ajv: Ajv2020, schema: JsonSchema, what: string, fail: (m: string) => never): ValidateFunction {
  if (schema.type !== 'object') fail(`${what} must have type: object at its root (MCP tools take and return objects)`);
  try {
    return compileJsonSchema(ajv, schema, what);
  } catch (e) {
    return fail((e as Error).message);
  }
}
