/**
 * The parsed form of a playbook, as the runner consumes it: every expression already parsed, every duration in
 * milliseconds, tool environment roles resolved to playbook roles. Only playbooks without errors are parsed into it.
 * The YAML contract is schemas/playbook.schema.json.
 */
import type { Expression } from './expression.js';
import type { Template } from './template.js';
import type { ValueTemplate } from './value-template.js';

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
export type Severity = 'info' | 'warning' | 'error' | 'critical';
export type StepKind = 'tool' | 'check' | 'approval' | 'foreach' | 'agent' | 'ask' | 'loop';

export interface PlaybookInput {
  name: string;
  type: JsonType;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  required: boolean;
  items?: { type: JsonType; enum?: unknown[] };
}

export interface EnvironmentRole {
  name: string;
  kind: string;
  description?: string;
}

export interface RetryPolicy {
  /** Total attempts, the first included (2–10). */
  attempts: number;
  /** Delay before the second attempt. */
  backoffMs: number;
  /** Each further delay is the previous one times this. */
  factor: number;
}

interface StepBase {
  id: string;
  kind: StepKind;
  name?: string;
  /** Run only when true; a skipped step's output is null. */
  if?: Expression;
  timeoutMs?: number;
  continueOnError: boolean;
  /** Id of the enclosing foreach step, if any. */
  parent?: string;
  /** Where the step is written (`steps[2].steps[0]`), for messages. */
  path: string;
}

export interface ToolStep extends StepBase {
  kind: 'tool';
  tool: string;
  with: ValueTemplate;
  /** Tool role → playbook role, complete (defaults applied). */
  env: Readonly<Record<string, string>>;
  retry?: RetryPolicy;
}

export interface Assertion {
  /** Rule id for the findings' fingerprint (defaults to the step id when the check has one assertion). */
  id: string;
  that: Expression;
  severity: Severity;
  asset?: Template;
  /** The finding's check id (default `<playbook>/<id>`), e.g. the check a tool reported. */
  check?: Template;
  message: Template;
}

export interface CheckStep extends StepBase {
  kind: 'check';
  /** When set, the assertions are evaluated once per element, bound to `as`. */
  foreach?: Expression | ValueTemplate;
  as: string;
  assert: Assertion[];
}

export interface ApprovalStep extends StepBase {
  kind: 'approval';
  message: Template;
  approvers: number;
}

export interface ForeachStep extends StepBase {
  kind: 'foreach';
  /** An expression yielding a list, or a literal list (whose strings may be templates). */
  items: Expression | ValueTemplate;
  as: string;
  concurrency: number;
  steps: Step[];
}

/** A model follows the instruction with the allowed tools (src/agent); output: JSON Schema of its final answer. */
export interface AgentStep extends StepBase {
  kind: 'agent';
  instruction: Template;
  /** Tool ids or `plugin.module.*` / `plugin.*` patterns. */
  tools: string[];
  env: Readonly<Record<string, string>>;
  output?: Record<string, unknown>;
  maxToolCalls?: number;
  /** false: this step's tool results never reach the model, whatever the environments allow. */
  shareToolResults?: false;
}

/**
 * Asks a person a question and waits for the answer (src/runs/question-step.ts). Output: `{ answer, answeredBy,
 * answeredAt }`, the answer valid against `answer` (a JSON Schema).
 */
export interface AskStep extends StepBase {
  kind: 'ask';
  question: Template;
  answer: Record<string, unknown>;
  /** How long the question waits; default: the environments' approval expiry. */
  expiresMs?: number;
  /** Who may answer: names or roles (a role admits that role and higher); default the requester or any operator+. */
  from?: string[];
}

/** What a loop's budget counts: its agent steps' usage, every round together. */
export type LoopBudgetKey = 'modelCalls' | 'tokens' | 'toolCalls';
export const LOOP_BUDGET_KEYS: readonly LoopBudgetKey[] = ['modelCalls', 'tokens', 'toolCalls'];

/**
 * Runs its steps in rounds (src/runs/loop-step.ts) until `until` holds after a round or maxRounds is reached. In a
 * round: `round` (0-based), the round's `steps.<child>`, earlier rounds as `steps.<id>.output`; child keys
 * `<id>[<n>].<child>`. Output: one map per round, shaped like `steps`.
 */
export interface LoopStep extends StepBase {
  kind: 'loop';
  /** A number, or a template rendering one (`${{ inputs.rounds }}`). */
  maxRounds: ValueTemplate;
  until?: Expression;
  /** What the loop's agent steps may spend together (each a number or a template rendering one). */
  budget?: Partial<Record<LoopBudgetKey, ValueTemplate>>;
  steps: Step[];
}

export type Step = ToolStep | CheckStep | ApprovalStep | ForeachStep | AgentStep | AskStep | LoopStep;

/** Reserved for the scheduler: validated shape only. */
export interface ScheduleSpec {
  cron: string;
  timezone: string;
  inputs: Record<string, unknown>;
  environments: Record<string, string>;
  overlap: 'skip' | 'queue' | 'cancel-previous';
  catchUp: 'none' | 'last' | 'all';
  catchUpWindowMs?: number;
  jitterMs?: number;
  enabled: boolean;
}

/** Reserved for approvals: validated shape only. */
export interface ApprovalPolicySpec {
  approval?: {
    requireFor?: ('read' | 'write' | 'destructive')[];
    approvers?: number;
    allowed?: string[];
    allowSelfApproval?: boolean;
    expiresAfterMs?: number;
    /** step (default): each write step asks its own approval; run: one approval of the whole run's plan. */
    scope?: 'step' | 'run';
  };
}

export interface ParsedPlaybook {
  /** metadata.name */
  id: string;
  file: string;
  description?: string;
  labels: Record<string, string>;
  inputs: PlaybookInput[];
  /** JSON Schema (draft 2020-12) for a run's inputs: validate with useDefaults to fill defaults in. */
  inputSchema: Record<string, unknown>;
  environments: EnvironmentRole[];
  steps: Step[];
  outputs: Readonly<Record<string, ValueTemplate>>;
  schedule?: ScheduleSpec;
  policy?: ApprovalPolicySpec;
  /** The validated YAML document as JSON (what GET /playbooks/{id} shows). */
  definition: Record<string, unknown>;
}

/**
 * Expression scope during a run: `inputs`, `steps.<id>.output` (null when skipped), `environments.<role>` ({ name,
 * kind }), `run` ({ id, playbook }), plus the `as` name of each enclosing foreach / check. `steps.<id>` is
 * `{ output, status, error }`. Inside a foreach, the nested steps of the current iteration are under `steps` too;
 * after it, `steps.<foreachId>.output` is a list with one map per element, shaped like `steps`
 * (`steps.copy.output[0].import.output`). A check's output is `{ findings: [...], passed, failed }`.
 */
export const SCOPE_ROOTS = ['inputs', 'steps', 'environments', 'run'] as const;
