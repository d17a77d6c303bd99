import type { Reference } from './expression.js';

/** Where a step sits: document order and the foreach steps enclosing it (outermost first). */
export interface StepPlace {
  id: string;
  order: number;
  ancestors: readonly string[];
  /** A loop step: the steps inside it read its earlier rounds as its output. */
  loop?: boolean;
  /** JSON Schema of the step's output when known (a tool step whose tool declares one). */
  output?: Readonly<Record<string, unknown>>;
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
  /** The JSON Schema of a loop variable's value, when its list's schema is known. */
  varSchemas?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
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
    case 'steps': {
      if (first === undefined) return undefined;
      const why = checkStep(first, scope) ?? (second !== undefined && !STEP_FIELDS.includes(second) ? `steps.${first}.${second}: a step has ${STEP_FIELDS.join(', ')}` : undefined);
      const output = scope.steps.get(first)?.output;
      return why ?? (second === 'output' && output ? fieldProblem(output, ref.path.slice(2), `steps.${first}.output`) : undefined);
    }
    default:
      if (scope.vars.has(ref.root)) {
        const schema = scope.varSchemas?.get(ref.root);
        return schema ? fieldProblem(schema, ref.path, ref.root) : undefined;
      }
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
  if (hereAncestors.includes(id) && !target.loop) return `step "${id}" encloses this step: its output exists only after it finishes`;
  if (outside !== undefined) return `step "${id}" runs inside foreach "${outside}"; read its results as steps.${outside}.output`;
  if (here && target.order > here.order) return `step "${id}" runs after this one`;
  return undefined;
}

type Schema = Readonly<Record<string, unknown>>;

/**
 * Follows `path` through an object schema's `properties`. A field missing from an object that is closed
 * (`additionalProperties: false`, no patternProperties) is an error listing the fields it has; where the schema is
 * open, or says nothing, the rest of the path is not known and passes.
 */
export function fieldProblem(schema: Schema, path: readonly string[], prefix: string): string | undefined {
  let s: Schema | undefined = schema;
  let at = prefix;
  for (const seg of path) {
    const props = s.properties as Record<string, Schema> | undefined;
    const field = props && Object.hasOwn(props, seg) ? props[seg] : undefined;
    if (field === undefined) {
      const closed = s.additionalProperties === false && s.patternProperties === undefined;
      return closed ? `${at} has no field "${seg}" (its fields: ${list(Object.keys(props ?? {}))})` : undefined;
    }
    s = field;
    at = `${at}.${seg}`;
  }
  return undefined;
}

/** The schema at a plain reference `a.b.c` (no calls, no indexes) in scope, when known. */
export function schemaOfPath(text: string, scope: RefScope): Schema | undefined {
  const m = /^\s*\$\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}\s*$/.exec(text);
  if (!m) return undefined;
  const [root, ...path] = m[1]!.split('.');
  let s: Schema | undefined;
  let rest: string[];
  if (root === 'steps' && path[1] === 'output') {
    s = scope.steps.get(path[0]!)?.output;
    rest = path.slice(2);
  } else if (scope.vars.has(root!)) {
    s = scope.varSchemas?.get(root!);
    rest = path;
  } else return undefined;
  for (const seg of rest) s = (s?.properties as Record<string, Schema> | undefined)?.[seg];
  return s;
}

/** The schema of one element of a list whose schema is known. */
export const itemsOf = (list: Schema | undefined): Schema | undefined =>
  list && typeof list.items === 'object' && list.items !== null && !Array.isArray(list.items) ? (list.items as Schema) : undefined;
