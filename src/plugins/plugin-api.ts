/**
 * The plugin contract: the only Steward module a plugin imports (relatively, e.g. `../../src/plugins/plugin-api.js`).
 * A plugin's entry does `export default definePlugin((api) => api.register(...tools))`; each tool is a
 * `defineTool({...})`. A tool sees only its input and a ToolContext: no store, no DI container, no process.env.
 * This file imports nothing, so plugins depend on nothing else in src/.
 */

export type Effect = 'read' | 'write' | 'destructive';
export const EFFECTS: readonly Effect[] = ['read', 'write', 'destructive'];

/** A JSON Schema (draft 2020-12) written as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A frozen copy of one `environments.<name>` entry of steward.yaml, secrets resolved. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly kind: string;
  readonly url?: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: { readonly verify: boolean; readonly caFile?: string };
  readonly timeoutMs?: number;
  readonly concurrency?: { readonly read?: number; readonly write?: number };
  /** Plugin-specific options from the environment's `options` key. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

/** A structured logger already carrying the plugin, tool, run and step as fields (pino underneath). */
export interface PluginLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Everything a tool receives besides its input. */
export interface ToolContext {
  /** One entry per role the tool declares (`target` by default; `source` + `target` for a migration). */
  readonly environments: Readonly<Record<string, ResolvedEnvironment>>;
  readonly logger: PluginLogger;
  /** Aborted when the caller cancels; pass it to fetch() and check it between steps. */
  readonly signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  readonly runId?: string;
  readonly stepId?: string;
  /** The plugin's settings, validated against its manifest's settings schema, defaults applied. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Counts a request to a target in /metrics: the environment's name and the HTTP status (0: no answer). */
  readonly metrics?: { targetRequest(environment: string, status: number): void };
  /**
   * Documents this plugin keeps in Steward's store for the environment in `role` (default `target`), with history: a
   * catalog, notes about the target. Read-only in a dry run (a plan reads, never writes). Absent where the host has no
   * store (a test host without one): tools that need it fail with a clear error.
   */
  readonly records?: (role?: string) => PluginRecords;
}

/** One stored document: `collection` groups them (`table`, `glossary`…), `key` names one within it. */
export interface PluginRecord {
  collection: string;
  key: string;
  value: unknown;
  /** 1 for the first write, +1 each write after it. */
  version: number;
  updatedAt: string;
  /** The run (and step) whose call wrote it, when a run did. */
  runId: string | null;
  stepKey: string | null;
}

/** One past state of a record: `deleted` marks a deletion (value null). */
export interface PluginRecordVersion extends PluginRecord {
  deleted: boolean;
}

export interface PluginRecords {
  get(collection: string, key: string): Promise<PluginRecord | undefined>;
  /** By key order; `prefix` on the key, `search` in the JSON text of the value (case-insensitive); paged with `after` (a key). */
  list(collection: string, opts?: { prefix?: string; search?: string; limit?: number; after?: string }): Promise<PluginRecord[]>;
  /** Writes a new version; with `expectVersion` (0: must not exist) it fails with RECORD_CONFLICT when another write came first. */
  put(collection: string, key: string, value: unknown, opts?: { expectVersion?: number }): Promise<PluginRecord>;
  /** true when it existed. */
  delete(collection: string, key: string): Promise<boolean>;
  /** Newest first. */
  history(collection: string, key: string, limit?: number): Promise<PluginRecordVersion[]>;
}

/**
 * What a dry run would do to one target: `fail` marks a change that would not succeed. The one rule for a failed plan:
 * any `fail` change (or a plan that throws) fails a dry run's step and the run, and its approval cannot be approved.
 * A tool reporting per-asset outcomes (in its output, or its ToolError's detail) lists them as
 * `results: [{ asset, kind?, status: 'succeeded' | 'skipped' | 'failed', reason? }]`; the run report lists each failed one.
 */
export type PlanAction = 'create' | 'update' | 'delete' | 'skip' | 'fail';
export const PLAN_ACTIONS: readonly PlanAction[] = ['create', 'update', 'delete', 'skip', 'fail'];

/** One field an `update` changes: its value before and after (either may be absent: a field set or cleared). */
export interface PlannedField {
  field: string;
  before?: unknown;
  after?: unknown;
}

export interface PlannedChange {
  action: PlanAction;
  /** What is changed, in the target system's terms: `dashboard 5f1c… "Sales"`. */
  target: string;
  /** Free text shown with the change (kept for plans that set nothing else). */
  detail?: string;
  /** The kind of asset: `dashboard`, `user`, `group`, `datamodel`, `folder`, `share`… */
  kind?: string;
  /** Why a change is `skip` or `fail`. */
  reason?: string;
  /** What an `update` changes, field by field. */
  fields?: PlannedField[];
}

/** Severities of a finding, least severe first (the run findings a check step records use the same). */
export type FindingSeverity = 'info' | 'warning' | 'error' | 'critical';
export const FINDING_SEVERITIES: readonly FindingSeverity[] = ['info', 'warning', 'error', 'critical'];

/**
 * One problem a governance tool found (a Sisense or PostgreSQL well-check), in the one shape a playbook's check step
 * turns into a run finding: `check` is the check's id, `asset` names what it is about and is stable across runs.
 */
export interface ToolFinding {
  check: string;
  asset: string;
  severity: FindingSeverity;
  message: string;
  detail: Record<string, unknown>;
}

export const finding = (check: string, severity: FindingSeverity, asset: string, message: string, detail: Record<string, unknown> = {}): ToolFinding => ({ check, asset, severity, message, detail });

const SEVERITY_RANK: Record<FindingSeverity, number> = { critical: 0, error: 1, warning: 2, info: 3 };

/** Most severe first, then by check, asset and message: the same target always gives the same list. */
export const sortFindings = <F extends ToolFinding>(findings: F[]): F[] =>
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.check.localeCompare(b.check) || a.asset.localeCompare(b.asset) || a.message.localeCompare(b.message));

/** The JSON Schema of a ToolFinding, for tools' output schemas. */
export const FINDING_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['check', 'asset', 'severity', 'message', 'detail'],
  properties: { check: { type: 'string' }, asset: { type: 'string' }, severity: { enum: FINDING_SEVERITIES }, message: { type: 'string' }, detail: { type: 'object' } },
};

/** The result of `plan(input, ctx)`: computed by reading only, never by writing. */
export interface Plan {
  summary: string;
  changes: PlannedChange[];
}

export interface ToolExample<I> {
  title: string;
  input: I;
}

export interface ToolDefinition<I = Record<string, unknown>, O = unknown> {
  /** `<plugin>.<module>.<name>`, lowercase segments: `sisense.dashboards.export`. */
  id: string;
  title: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the input; its root must be `type: object`. */
  inputSchema: JsonSchema;
  /** JSON Schema of the output (root `type: object`); when given, every output is checked against it. */
  outputSchema?: JsonSchema;
  effect: Effect;
  /** Calling twice with the same input leaves the target as calling once. */
  idempotent: boolean;
  /** Environment roles the tool takes. Default `['target']`; `[]` for a tool that touches no environment. */
  environments?: readonly string[];
  /** Valid inputs (checked at load), shown in the registry and used by tests. */
  examples: readonly ToolExample<I>[];
  handler(input: I, ctx: ToolContext): O | Promise<O>;
  /** Dry run: what `handler` would change, found by reading only. Absent: the effect is unknown in advance. */
  plan?(input: I, ctx: ToolContext): Plan | Promise<Plan>;
}

/** A tool with its input and output types erased, as the host holds it. */
export type AnyToolDefinition = ToolDefinition<unknown, unknown>;

/** Identity helper that types a tool; give `I` (and `O`) explicitly to type the handler's input. */
export function defineTool<I = Record<string, unknown>, O = unknown>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return Object.freeze({ ...definition });
}

/** What a plugin's factory receives: its identity, its settings, and the calls that register what it offers. */
export interface PluginSetup<S = Record<string, unknown>> {
  readonly id: string;
  readonly version: string;
  readonly settings: Readonly<S>;
  readonly logger: PluginLogger;
  /** Registers tools; only while the factory runs. */
  register(...tools: AnyToolDefinition[]): void;
  /** Called when the daemon stops (close pools, timers). */
  onDispose(dispose: () => void | Promise<void>): void;
}

const PLUGIN_BRAND = Symbol.for('steward.plugin');

export interface PluginDefinition<S = Record<string, unknown>> {
  readonly [PLUGIN_BRAND]: true;
  readonly setup: (api: PluginSetup<S>) => void | Promise<void>;
}

/** The entry module's default export. */
export function definePlugin<S = Record<string, unknown>>(setup: (api: PluginSetup<S>) => void | Promise<void>): PluginDefinition<S> {
  return Object.freeze({ [PLUGIN_BRAND]: true as const, setup });
}

export function isPluginDefinition(value: unknown): value is PluginDefinition<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true && typeof (value as { setup?: unknown }).setup === 'function';
}

const TOOL_ERROR_BRAND = Symbol.for('steward.ToolError');
const TOOL_ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * An expected failure a tool reports to its caller (and to a model): `new ToolError('DASHBOARD_NOT_FOUND', 'no
 * dashboard "Sales"')`. Anything else a handler throws becomes TOOL_FAILED with its message only.
 */
export class ToolError extends Error {
  readonly [TOOL_ERROR_BRAND] = true;

  constructor(
    readonly code: string,
    message: string,
    /** JSON-serialisable facts the caller can act on (ids, counts); never secrets. */
    readonly detail?: unknown,
  ) {
    super(message);
    if (!TOOL_ERROR_CODE.test(code)) throw new TypeError(`ToolError code "${code}" must match ${TOOL_ERROR_CODE}`);
    this.name = 'ToolError';
  }

  /** True for a ToolError from any copy of this module. */
  static is(e: unknown): e is ToolError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[TOOL_ERROR_BRAND] === true;
  }
}
