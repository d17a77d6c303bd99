import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { compileSchema, formatAjvErrors, pointerToPath } from '../common/json-schema.js';
import { loadContract } from '../common/paths.js';
import type { Reporter } from './reporter.js';

export const PLAYBOOK_SCHEMA_FILE = 'playbook.schema.json';
export const STEP_KINDS = ['tool', 'check', 'approval', 'foreach', 'agent', 'ask', 'loop'] as const;

interface Contract {
  $defs: { step: { oneOf: object[] }; items: { oneOf: object[] } };
}

let compiled: { validate: ValidateFunction; contract: Contract } | undefined;
function load() {
  if (!compiled) {
    const contract = loadContract<Contract>(PLAYBOOK_SCHEMA_FILE);
    compiled = { contract, validate: compileSchema(contract) };
  }
  return compiled;
}

/** Validates the document against schemas/playbook.schema.json; reports each error at its YAML position. */
export function checkSchema(doc: unknown, report: Reporter): boolean {
  const { validate: v, contract } = load();
  if (v(doc)) return true;
  const { step, items } = contract.$defs;
  // The oneOf alternatives (`required: [tool]`, `type: array`, ...) are noise: one message per oneOf instead.
  const branches = new Set<unknown>([...step.oneOf, ...items.oneOf]);
  for (const e of v.errors ?? []) {
    if (branches.has(e.parentSchema)) continue;
    const path = pointerToPath(e.instancePath);
    if (e.keyword === 'oneOf' && e.parentSchema === step) {
      const present = STEP_KINDS.filter((k) => k in (e.data as object));
      report.error(path, present.length === 0 ? `a step needs one of: ${STEP_KINDS.join(', ')}` : `a step has exactly one of ${STEP_KINDS.join(', ')} (found: ${present.join(', ')})`);
    } else if (e.keyword === 'oneOf' && e.parentSchema === items) {
      report.error(path, 'must be an expression or a list');
    } else if (e.keyword === 'const') {
      report.error(path, `must be ${JSON.stringify(e.params.allowedValue)}`);
    } else if (e.keyword === 'dependentRequired') {
      report.error([...path, String(e.params.property)], `only valid together with ${String(e.params.missingProperty)}`, true);
    } else {
      reportFormatted(e, report);
    }
  }
  return false;
}

function reportFormatted(e: ErrorObject, report: Reporter): void {
  let keyOf = false;
  const [detail] = formatAjvErrors([e], (_p, k) => {
    keyOf = Boolean(k);
    return {};
  });
  if (!detail) return;
  let path = pointerToPath(e.instancePath);
  if (e.keyword === 'additionalProperties') path = [...path, String(e.params.additionalProperty)];
  if (e.keyword === 'required') path = [...path, String(e.params.missingProperty)];
  if (e.keyword === 'propertyNames') path = [...path, String(e.params.propertyName)];
  report.error(path, detail.message, keyOf);
}
