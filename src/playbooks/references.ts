import type { Reference } from './expression.js';

/** Where a step sits: document order and the foreach steps enclosing it (outermost first). */
export interface StepPlace {
  id: string;
  order: number;
  ancestors: readonly string[];
}

/** What an expression at one place in a playbook may read. */
export interface RefScope {
  inputs: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  steps: ReadonlyMap<string, StepPlace>;
  /** The step the expression belongs to; undefined for playbook outputs. */
  here?: StepPlace;
  /** Loop variables in scope (`as` of enclosing foreach steps, of a check's foreach). */
  vars: ReadonlySet<string>;
}

const STEP_FIELDS = ['output', 'status', 'error'];
const ENV_FIELDS = ['name', 'kind'];
const RUN_FIELDS = ['id', 'playbook'];

const list = (names: Iterable<string>): string => [...names].join(', ') || 'none';

/** Why a reference cannot be read here, or undefined when it can. */
export function checkReference(ref: Reference, scope: RefScope): string | undefined {
  const [first, second] = ref.path;
  switch (ref.root) {
    case 'inputs':
      if (first !== undefined && !scope.inputs.has(first)) return `undeclared input "${first}" (declared: ${list(scope.inputs)})`;
      return undefined;
    case 'environments':
      if (first !== undefined && !scope.roles.has(first)) return `undeclared environment role "${first}" (declared: ${list(scope.roles)})`;
      if (second !== undefined && !ENV_FIELDS.includes(second)) return `environments.${first}.${second}: an environment role has ${ENV_FIELDS.join(' and ')}`;
      return undefined;
    case 'run':
      if (first !== undefined && !RUN_FIELDS.includes(first)) return `run.${first}: run has ${RUN_FIELDS.join(' and ')}`;
      return undefined;
    case 'steps':
      if (first === undefined) return undefined;
      return checkStep(first, scope) ?? (second !== undefined && !STEP_FIELDS.includes(second) ? `steps.${first}.${second}: a step has ${STEP_FIELDS.join(', ')}` : undefined);
    default:
      if (scope.vars.has(ref.root)) return undefined;
      return `unknown name "${ref.root}" (expressions read inputs, steps, environments, run${[...scope.vars].map((v) => `, ${v}`).join('')})`;
  }
}

function checkStep(id: string, scope: RefScope): string | undefined {
  const target = scope.steps.get(id);
  const here = scope.here;
  if (!target) {
    const dashed = [...scope.steps.keys()].find((s) => s.startsWith(`${id}-`));
    return `no step "${id}"${dashed ? ` (a step id with "-" is read as steps["${dashed}"])` : ''}`;
  }
  const hereAncestors = here?.ancestors ?? [];
  const outside = target.ancestors.find((a) => !hereAncestors.includes(a));
  if (here && target.id === here.id) return `step "${id}" cannot read its own result`;
  if (hereAncestors.includes(id)) return `step "${id}" encloses this step: its output exists only after it finishes`;
  if (outside !== undefined) return `step "${id}" runs inside foreach "${outside}"; read its results as steps.${outside}.output`;
  if (here && target.order > here.order) return `step "${id}" runs after this one`;
  return undefined;
}
