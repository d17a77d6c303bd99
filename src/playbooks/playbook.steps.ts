import { compileSchema, dottedPath, type PathSegment } from '../common/json-schema.js';
import { parseDuration } from './duration.js';
import type { ExpressionChecker } from './expression.checker.js';
import type { Expression } from './expression.js';
import type { RawStep } from './playbook.raw.js';
import { checkAgentStep, checkToolStep, type ToolCheckContext } from './playbook.tools.js';
import { SCOPE_ROOTS, type Assertion, type LoopStep, type Step } from './playbook.types.js';
import { itemsOf, schemaOfPath, type RefScope, type StepPlace } from './references.js';
import type { Reporter } from './reporter.js';
import type { Template } from './template.js';
import { checkJsonSchema } from './tool-arguments.js';
import { TEXT_ANSWER } from '../questions/question.types.js';

/** The output schema of an ask step: `{ answer, answeredBy, answeredAt }`, answer as the step's answer schema. */
export const askOutputSchema = (answer: Record<string, unknown> | undefined): Record<string, unknown> => ({
  type: 'object',
  additionalProperties: false,
  required: ['answer', 'answeredBy', 'answeredAt'],
  properties: { answer: answer ?? TEXT_ANSWER, answeredBy: { type: 'string' }, answeredAt: { type: 'string', format: 'date-time' } },
});

export interface StepsContext {
  report: Reporter;
  exprs: ExpressionChecker;
  tools: ToolCheckContext;
  scope: Omit<RefScope, 'here' | 'vars' | 'varSchemas'>;
  /** Element schemas of the enclosing foreach steps' loop variables, where known. */
  varSchemas?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

const DEFAULT_AS = 'item';

/** Every step id in document order with its enclosing foreach steps; duplicates reported (naming the first). */
export function collectPlaces(steps: RawStep[], report: Reporter): Map<string, StepPlace> {
  const places = new Map<string, StepPlace & { path: PathSegment[] }>();
  const walk = (list: RawStep[], path: PathSegment[], ancestors: string[]) =>
    list.forEach((s, i) => {
      const p = [...path, i];
      const first = places.get(s.id);
      if (first) {
        const at = report.src.locate([...first.path, 'id']);
        report.error([...p, 'id'], `duplicate step id "${s.id}" (first at ${at.line}:${at.col})`);
      } else places.set(s.id, { id: s.id, order: places.size, ancestors, path: p, ...(s.loop && { loop: true }) });
      if (s.steps) walk(s.steps, [...p, 'steps'], [...ancestors, s.id]);
      if (s.loop) walk(s.loop.steps, [...p, 'loop', 'steps'], [...ancestors, s.id]); // loop step
    });
  walk(steps, ['steps'], []);
  return places;
}

export function buildSteps(list: RawStep[], path: PathSegment[], ctx: StepsContext, vars: ReadonlySet<string>): Step[] {
  return list.map((raw, i) => buildStep(raw, [...path, i], ctx, vars));
}

function buildStep(raw: RawStep, path: PathSegment[], ctx: StepsContext, vars: ReadonlySet<string>): Step {
  const place = ctx.scope.steps.get(raw.id)!;
  const scope: RefScope = { ...ctx.scope, here: place, vars, ...(ctx.varSchemas && { varSchemas: ctx.varSchemas }) };
  const base = {
    id: raw.id,
    ...(raw.name !== undefined && { name: raw.name }),
    ...(raw.if !== undefined && { if: ctx.exprs.condition([...path, 'if'], raw.if, scope) as Expression }),
    ...(raw.timeout !== undefined && { timeoutMs: duration(raw.timeout, [...path, 'timeout'], ctx.report) }),
    continueOnError: raw.continueOnError ?? false,
    ...(place.ancestors.length > 0 && { parent: place.ancestors.at(-1) }),
    path: dottedPath(path),
  };
  if (raw.tool !== undefined) {
    const env = checkToolStep(raw, path, ctx.tools);
    const retry = raw.retry && { attempts: raw.retry.attempts, backoffMs: raw.retry.backoff ? duration(raw.retry.backoff, [...path, 'retry', 'backoff'], ctx.report) : 1000, factor: raw.retry.factor ?? 2 };
    return { ...base, kind: 'tool', tool: raw.tool, with: ctx.exprs.value([...path, 'with'], raw.with ?? {}, scope), env, ...(retry && { retry }) };
  }
  if (raw.check !== undefined) {
    const c = raw.check;
    const as = c.foreach !== undefined ? loopName(c.as, [...path, 'check'], ctx.report, vars) : undefined;
    const items = c.foreach !== undefined ? ctx.exprs.items([...path, 'check', 'foreach'], c.foreach, scope) : undefined;
    const inner: RefScope = as ? withVar(scope, as, typeof c.foreach === 'string' ? itemsOf(schemaOfPath(c.foreach, scope)) : undefined) : scope;
    return { ...base, kind: 'check', ...(items && { foreach: items }), as: as ?? c.as ?? DEFAULT_AS, assert: assertions(raw, [...path, 'check', 'assert'], ctx, inner) };
  }
  if (raw.approval !== undefined) {
    const message = ctx.exprs.template([...path, 'approval', 'message'], raw.approval.message, scope) as Template;
    return { ...base, kind: 'approval', message, approvers: raw.approval.approvers ?? 1 };
  }
  if (raw.foreach !== undefined) {
    const items = ctx.exprs.items([...path, 'foreach'], raw.foreach, scope)!;
    const as = loopName(raw.as, path, ctx.report, vars);
    const element = as && typeof raw.foreach === 'string' ? itemsOf(schemaOfPath(raw.foreach, scope)) : undefined;
    const steps = buildSteps(raw.steps ?? [], [...path, 'steps'], { ...ctx, varSchemas: withSchema(ctx.varSchemas, as, element) }, as ? new Set([...vars, as]) : vars);
    return { ...base, kind: 'foreach', items, as: as ?? raw.as ?? DEFAULT_AS, concurrency: raw.concurrency ?? 1, steps };
  }
  if (raw.loop !== undefined) return { ...base, ...buildLoop(raw, path, ctx, vars, scope) }; // loop step
  if (raw.ask !== undefined) {
    const a = raw.ask;
    const answer = a.answer ?? { ...TEXT_ANSWER };
    if (a.answer) checkAnswerSchema(a.answer, [...path, 'ask', 'answer'], ctx.report);
    const question = ctx.exprs.template([...path, 'ask', 'question'], a.question, scope) as Template;
    for (const [i, f] of (a.from ?? []).entries()) if (/^\$\{\{/.test(f)) ctx.report.error([...path, 'ask', 'from', i], 'must be a token name or a role, not an expression');
    return {
      ...base,
      kind: 'ask',
      question,
      answer,
      ...(a.expires !== undefined && { expiresMs: duration(a.expires, [...path, 'ask', 'expires'], ctx.report) }),
      ...(a.from && { from: a.from }),
    };
  }
  const agent = raw.agent!;
  const env = checkAgentStep(raw, path, ctx.tools);
  if (agent.output) checkJsonSchema(agent.output, [...path, 'agent', 'output'], ctx.report);
  const instruction = ctx.exprs.template([...path, 'agent', 'instruction'], agent.instruction, scope) as Template;
  return {
    ...base,
    kind: 'agent',
    instruction,
    tools: agent.tools,
    env,
    ...(agent.output && { output: agent.output }),
    ...(agent.maxToolCalls !== undefined && { maxToolCalls: agent.maxToolCalls }),
    ...(agent.shareToolResults === false && { shareToolResults: false as const }),
  };
}

/** A loop step (src/runs/loop-step.ts): its children and `until` see `round` and, read back, the earlier rounds. */
function buildLoop(raw: RawStep, path: PathSegment[], ctx: StepsContext, vars: ReadonlySet<string>, scope: RefScope): Omit<LoopStep, keyof StepBaseOf> {
  const loop = raw.loop!;
  const inner = new Set([...vars, ROUND]);
  const varSchemas = withSchema(ctx.varSchemas, ROUND, { type: 'integer', minimum: 0 });
  const steps = buildSteps(loop.steps, [...path, 'loop', 'steps'], { ...ctx, varSchemas }, inner);
  // `until` is read after the round: as if written after the loop's last child, inside the loop.
  const here = scope.here!;
  const last = Math.max(here.order, ...[...ctx.scope.steps.values()].filter((p) => p.ancestors.includes(here.id)).map((p) => p.order));
  const after: RefScope = { ...scope, here: { id: `${here.id}.until`, order: last + 0.5, ancestors: [...here.ancestors, here.id] }, vars: inner, ...(varSchemas && { varSchemas }) };
  const until = loop.until !== undefined ? ctx.exprs.condition([...path, 'loop', 'until'], loop.until, after) : undefined;
  const budget = loop.budget && Object.fromEntries(Object.entries(loop.budget).map(([k, v]) => [k, ctx.exprs.value([...path, 'loop', 'budget', k], v, scope)]));
  return { kind: 'loop', maxRounds: ctx.exprs.value([...path, 'loop', 'maxRounds'], loop.maxRounds, scope), ...(until && { until }), ...(budget && { budget }), steps };
}

type StepBaseOf = Omit<LoopStep, 'kind' | 'maxRounds' | 'until' | 'budget' | 'steps'>;
/** The round number inside a loop step. */
export const ROUND = 'round';

function assertions(raw: RawStep, path: PathSegment[], ctx: StepsContext, scope: RefScope): Assertion[] {
  const list = raw.check!.assert;
  const seen = new Set<string>();
  return list.map((a, i) => {
    const p = [...path, i];
    if (a.id === undefined && list.length > 1) ctx.report.error([...p, 'id'], 'is required when a check has more than one assertion');
    if (a.id !== undefined && seen.has(a.id)) ctx.report.error([...p, 'id'], `duplicate assertion id "${a.id}"`);
    if (a.id !== undefined) seen.add(a.id);
    return {
      id: a.id ?? raw.id,
      that: ctx.exprs.condition([...p, 'that'], a.that, scope) as Expression,
      severity: a.severity ?? 'warning',
      ...(a.asset !== undefined && { asset: ctx.exprs.template([...p, 'asset'], a.asset, scope) as Template }),
      ...(a.check !== undefined && { check: ctx.exprs.template([...p, 'check'], a.check, scope) as Template }),
      message: ctx.exprs.template([...p, 'message'], a.message, scope) as Template,
    };
  });
}

/** The element name of a foreach: not a scope root, not hiding the element of an enclosing loop; undefined if invalid. */
function loopName(given: string | undefined, path: PathSegment[], report: Reporter, vars: ReadonlySet<string>): string | undefined {
  const as = given ?? DEFAULT_AS;
  const at = given !== undefined ? [...path, 'as'] : [...path, 'foreach'];
  if ((SCOPE_ROOTS as readonly string[]).includes(as)) report.error(at, `"${as}" is reserved (${SCOPE_ROOTS.join(', ')}); choose another name with as:`, given === undefined);
  else if (vars.has(as)) report.error(at, `the element name "${as}" is already used by an enclosing foreach; choose another with as:`, given === undefined);
  else return as;
  return undefined;
}

/** An answer schema must be valid and compile (ajv: unknown formats, unresolvable $refs are caught here, not mid-run). */
function checkAnswerSchema(schema: Record<string, unknown>, path: PathSegment[], report: Reporter): void {
  const before = report.diagnostics.length;
  checkJsonSchema(schema, path, report);
  if (report.diagnostics.length > before) return;
  try {
    compileSchema(schema);
  } catch (e) {
    report.error(path, `does not compile as a JSON Schema: ${(e as Error).message}`);
  }
}

function duration(text: string, path: PathSegment[], report: Reporter): number {
  const ms = parseDuration(text) ?? 0;
  if (ms <= 0) report.error(path, 'must be longer than 0');
  return ms;
}

type Schema = Readonly<Record<string, unknown>>;

function withSchema(schemas: ReadonlyMap<string, Schema> | undefined, name: string | undefined, schema: Schema | undefined): ReadonlyMap<string, Schema> | undefined {
  if (!name) return schemas;
  const next = new Map(schemas);
  if (schema) next.set(name, schema);
  else next.delete(name);
  return next;
}

function withVar(scope: RefScope, name: string, schema: Schema | undefined): RefScope {
  return { ...scope, vars: new Set([...scope.vars, name]), varSchemas: withSchema(scope.varSchemas, name, schema) };
}
