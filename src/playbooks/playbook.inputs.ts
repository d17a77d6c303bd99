import type { ValidateFunction } from 'ajv/dist/2020.js';
import { compileSchema, createAjv, formatAjvErrors, pointerToPath, type PathSegment } from '../common/json-schema.js';
import type { RawInput } from './playbook.raw.js';
import type { PlaybookInput } from './playbook.types.js';
import type { Reporter } from './reporter.js';

const ajv = createAjv({ strict: false });

/** The JSON Schema of one input's values. */
function valueSchema(i: RawInput): Record<string, unknown> {
  return {
    type: i.type,
    ...(i.enum && { enum: i.enum }),
    ...(i.items && { items: { type: i.items.type, ...(i.items.enum && { enum: i.items.enum }) } }),
    ...(i.description && { description: i.description }),
  };
}

/** Checks the declared inputs (enum values and defaults match the type) and derives the run-input schema. */
export function checkInputs(raw: Record<string, RawInput> | undefined, report: Reporter): { inputs: PlaybookInput[]; inputSchema: Record<string, unknown> } {
  const inputs: PlaybookInput[] = [];
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, i] of Object.entries(raw ?? {})) {
    const path: PathSegment[] = ['inputs', name];
    if (i.items && i.type !== 'array') report.error([...path, 'items'], 'only valid for type: array', true);
    const typeOnly = ajv.compile({ type: i.type, ...(i.items && { items: { type: i.items.type } }) });
    i.enum?.forEach((v, k) => {
      if (!typeOnly(v)) report.error([...path, 'enum', k], `${JSON.stringify(v)} is not of type ${i.type}`);
    });
    if (i.default !== undefined) {
      const check = ajv.compile(valueSchema(i));
      if (!check(i.default)) {
        for (const e of check.errors ?? []) report.error([...path, 'default', ...pointerToPath(e.instancePath)], formatAjvErrors([e])[0]?.message ?? 'is invalid');
      }
      if (i.required) report.warning([...path, 'required'], 'has no effect: the input has a default', true);
    }
    const input: PlaybookInput = { name, type: i.type, required: i.required ?? false };
    if (i.description !== undefined) input.description = i.description;
    if (i.enum !== undefined) input.enum = i.enum;
    if (i.default !== undefined) input.default = i.default;
    if (i.items !== undefined) input.items = i.items;
    inputs.push(input);
    properties[name] = { ...valueSchema(i), ...(i.default !== undefined && { default: i.default }) };
    if (i.required && i.default === undefined) required.push(name);
  }
  return { inputs, inputSchema: { type: 'object', additionalProperties: false, properties, ...(required.length > 0 && { required }) } };
}

/** Validates literal input values (a schedule's inputs) against the run-input schema. */
export function checkInputValues(schema: Record<string, unknown>, values: Record<string, unknown>, path: PathSegment[], report: Reporter): void {
  const validate = ajv.compile(schema);
  if (validate(structuredClone(values))) return;
  for (const e of validate.errors ?? []) {
    const [d] = formatAjvErrors([e]);
    if (!d) continue;
    const extra = e.keyword === 'required' ? [String(e.params.missingProperty)] : e.keyword === 'additionalProperties' ? [String(e.params.additionalProperty)] : [];
    const at = [...path, ...pointerToPath(e.instancePath), ...extra];
    report.error(at, e.keyword === 'additionalProperties' ? 'undeclared input' : d.message, e.keyword === 'additionalProperties');
  }
}

const runInputValidators = new WeakMap<object, ValidateFunction>();

/**
 * The validator of a run's inputs (defaults filled in), compiled once per playbook input schema: run starts and
 * schedule checks call it on every request, and compiling costs far more than validating.
 */
export function runInputValidator(inputSchema: Record<string, unknown>): ValidateFunction {
  let validate = runInputValidators.get(inputSchema);
  if (!validate) {
    validate = compileSchema(inputSchema, { useDefaults: true });
    runInputValidators.set(inputSchema, validate);
  }
  return validate;
}
