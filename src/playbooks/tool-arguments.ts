import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { createAjv, formatAjvErrors, pointerToPath, type PathSegment } from '../common/json-schema.js';
import type { Reporter } from './reporter.js';
import { Template } from './template.js';
import type { ToolInfo } from './tool-lookup.js';

const ajv = createAjv({ strict: false });
const compiled = new WeakMap<object, ValidateFunction | null>();

function validatorFor(schema: object): ValidateFunction | null {
  if (!compiled.has(schema)) {
    try {
      compiled.set(schema, ajv.compile(schema));
    } catch {
      compiled.set(schema, null); // a broken tool schema is the plugin loader's to report
    }
  }
  return compiled.get(schema) ?? null;
}

/** Errors on a value that still holds other errors: kept even when a templated value sits somewhere below. */
const STRUCTURAL = new Set(['required', 'additionalProperties', 'propertyNames', 'type']);

/**
 * Validates the literal part of a tool's arguments against its input schema: templated strings are left out (their
 * values exist only at run time), and errors they could cause (a missing key, a failed anyOf around them) are dropped.
 */
export function checkArguments(tool: ToolInfo, args: Record<string, unknown>, path: PathSegment[], report: Reporter): void {
  const validate = validatorFor(tool.inputSchema);
  if (!validate) return;
  const holes: string[] = [];
  const literal = strip(args, '', holes);
  if (validate(literal)) return;
  const isHole = (p: string) => holes.some((h) => p === h || p.startsWith(`${h}/`));
  const coversHole = (p: string) => holes.some((h) => h.startsWith(`${p}/`));
  for (const e of validate.errors ?? []) {
    const at = e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
    if (isHole(at) || (coversHole(e.instancePath) && !STRUCTURAL.has(e.keyword))) continue;
    report.error([...path, ...errorPath(e)], formatAjvErrors([e])[0]?.message ?? e.message ?? 'is invalid', e.keyword === 'additionalProperties');
  }
}

function errorPath(e: ErrorObject): PathSegment[] {
  const p = pointerToPath(e.instancePath);
  if (e.keyword === 'required') return [...p, String(e.params.missingProperty)];
  if (e.keyword === 'additionalProperties') return [...p, String(e.params.additionalProperty)];
  return p;
}

/** A copy without templated strings (removed from objects, null in arrays); their JSON pointers go to holes. */
function strip(value: unknown, pointer: string, holes: string[]): unknown {
  if (typeof value === 'string' && Template.isTemplated(value)) {
    holes.push(pointer);
    return null;
  }
  if (Array.isArray(value)) return value.map((v, i) => strip(v, `${pointer}/${i}`, holes));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    const s = strip(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, holes);
    if (!(typeof v === 'string' && Template.isTemplated(v))) out[k] = s;
  }
  return out;
}

/** An agent's `output` must itself be a valid JSON Schema. */
export function checkJsonSchema(schema: object, path: PathSegment[], report: Reporter): void {
  if (ajv.validateSchema(schema)) return;
  const [first] = formatAjvErrors((ajv.errors ?? []).filter((e) => e.keyword !== 'anyOf'), undefined, 'output');
  report.error(path, `is not a valid JSON Schema${first ? ` (${first.path}: ${first.message})` : ''}`);
}
