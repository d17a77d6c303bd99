import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { ExpressionChecker } from './expression.checker.js';
import { checkInputs } from './playbook.inputs.js';
import type { RawPlaybook } from './playbook.raw.js';
import { checkPolicy, checkSchedule, type KnownEnvironments } from './playbook.schedule.js';
import { checkSchema } from './playbook.schema-check.js';
import { askOutputSchema, buildSteps, collectPlaces } from './playbook.steps.js';
import type { ParsedPlaybook } from './playbook.types.js';
import type { StepPlace } from './references.js';
import { Reporter } from './reporter.js';
import type { ToolLookup } from './tool-lookup.js';
import type { ValueTemplate } from './value-template.js';
import { YamlSource } from './yaml-source.js';

export interface ValidationContext {
  lookup: ToolLookup;
  /** Configured environments, when known (schedules are then checked against them). */
  environments?: KnownEnvironments;
}

export interface ValidationResult {
  /** Present only when there is no error (warnings allowed). */
  playbook?: ParsedPlaybook;
  diagnostics: Diagnostic[];
  /** metadata.name and its position, when the document has one (valid or not: duplicates are found across files). */
  name?: { id: string; line: number; col: number };
}

/**
 * Every check made before a run, over one file's text: YAML syntax, the JSON Schema, then meaning (step ids and
 * order, references in expressions, inputs, environment roles, tools and their arguments, schedule and policy).
 */
export function validatePlaybookText(text: string, file: string, ctx: ValidationContext): ValidationResult {
  const src = YamlSource.parse(text);
  const report = new Reporter(file, src);
  for (const e of src.syntaxErrors) report.at(e.pos, e.message);
  if (report.failed) return { diagnostics: report.diagnostics };
  const doc = src.toJSON();
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    report.at({ line: 1, col: 1 }, 'a playbook must be a YAML mapping (apiVersion, kind, metadata, steps, ...)');
    return { diagnostics: report.diagnostics };
  }
  const id = (doc as { metadata?: { name?: unknown } }).metadata?.name;
  const name = typeof id === 'string' ? { id, ...src.locate(['metadata', 'name']) } : undefined;
  if (!checkSchema(doc, report)) return { diagnostics: sortDiagnostics(report.diagnostics), ...(name && { name }) };
  const playbook = build(doc as RawPlaybook, file, report, ctx);
  return { ...(!report.failed && { playbook }), diagnostics: sortDiagnostics(report.diagnostics), ...(name && { name }) };
}

function build(raw: RawPlaybook, file: string, report: Reporter, ctx: ValidationContext): ParsedPlaybook {
  const { inputs, inputSchema } = checkInputs(raw.inputs, report);
  const roles = new Map(Object.entries(raw.environments ?? {}).map(([name, r]) => [name, r.kind]));
  const places = collectPlaces(raw.steps, report);
  withOutputSchemas(raw.steps, places, ctx.lookup);
  const exprs = new ExpressionChecker(report);
  const scope = { inputs: new Set(Object.keys(raw.inputs ?? {})), roles: new Set(roles.keys()), steps: places };
  const steps = buildSteps(raw.steps, ['steps'], { report, exprs, tools: { report, lookup: ctx.lookup, roles }, scope }, new Set());
  const outputs: Record<string, ValueTemplate> = {};
  for (const [name, value] of Object.entries(raw.outputs ?? {})) outputs[name] = exprs.value(['outputs', name], value, { ...scope, vars: new Set() });
  const schedule = raw.schedule && checkSchedule(raw.schedule, { report, inputSchema, roles, environments: ctx.environments });
  const policy = raw.policy && checkPolicy(raw.policy, report);
  return {
    id: raw.metadata.name,
    file,
    ...(raw.metadata.description !== undefined && { description: raw.metadata.description }),
    labels: raw.metadata.labels ?? {},
    inputs,
    inputSchema,
    environments: Object.entries(raw.environments ?? {}).map(([name, r]) => ({ name, kind: r.kind, ...(r.description !== undefined && { description: r.description }) })),
    steps,
    outputs,
    ...(schedule && { schedule }),
    ...(policy && { policy }),
    definition: raw as unknown as Record<string, unknown>,
  };
}

/** Tool steps whose tool declares an output schema, and ask steps (their answer's schema): their `steps.<id>.output` references are checked against it. */
function withOutputSchemas(steps: RawPlaybook['steps'], places: Map<string, StepPlace>, lookup: ToolLookup): void {
  for (const s of steps) {
    const schema = s.tool !== undefined ? lookup.get(s.tool)?.outputSchema : s.ask !== undefined ? askOutputSchema(s.ask.answer) : undefined;
    const place = places.get(s.id);
    if (schema && place && !place.output) places.set(s.id, { ...place, output: schema });
    if (s.steps) withOutputSchemas(s.steps, places, lookup);
    if (s.loop) withOutputSchemas(s.loop.steps, places, lookup); // loop step
  }
}
