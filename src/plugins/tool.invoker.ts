import type { Logger } from 'pino';
import { StewardError, isStewardError } from '../common/errors.js';
import { formatAjvErrors } from '../common/json-schema.js';
import type { EnvironmentConfig } from '../config/config.types.js';
import { bindEnvironments, resolveEnvironments } from './environments.js';
import { ToolError, type PluginRecords, type ProgressUpdate, type ResolvedEnvironment, type ToolContext } from './plugin-api.js';
import type { RecordsBackend } from './plugin-records.js';
import type { PluginCatalogue } from './plugin.catalogue.js';
import type { LoadedTool } from './plugin.types.js';
import { cancellation, untilAborted } from './abort.js';
import { toJson, toPlanPreview, type InvokeMode, type PlanPreview, type ToolFailure, type ToolResult } from './tool.result.js';

export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

export interface ToolInvokerOptions {
  /** `environments` from steward.yaml. */
  environments: Record<string, EnvironmentConfig>;
  logger: Logger;
  /** Largest accepted input, JSON-serialised (default 1 MiB). */
  maxInputBytes?: number;
  /** Applied to the messages of tool failures before they leave (the daemon passes its Redactor). */
  redact?: (text: string) => string;
  /** The store behind `ctx.records` (absent: tools see no records). */
  records?: RecordsBackend;
}

export interface InvokeOptions {
  /** Role → configured environment name: `{ target: 'prod-sisense' }`, `{ source: 'staging', target: 'prod' }`. */
  environments?: Readonly<Record<string, string>>;
  /** `plan` runs the tool's dry run and never its handler. Default `execute`. */
  mode?: InvokeMode;
  signal?: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
  /** Parent logger (e.g. carrying the run); the invoker adds plugin and tool. */
  logger?: Logger;
  runId?: string;
  stepId?: string;
}

type Outcome = { ok: true; output: unknown } | { ok: true; plan: PlanPreview | null } | { ok: false; error: ToolFailure };

/** A call that passed every check made before a tool runs. */
export interface PreparedCall {
  tool: LoadedTool;
  /** A JSON copy of the input with the schema's defaults filled in. */
  input: Record<string, unknown>;
  environments: Readonly<Record<string, ResolvedEnvironment>>;
}

/** The one path by which a tool runs: the MCP server, the playbook runner and tests all call `invoke`. */
export class ToolInvoker {
  /** Told of every finished call (metrics); bounded fields only, never input or output. */
  onFinish?: (call: { tool: string; environments: readonly string[]; mode: InvokeMode; ok: boolean; durationMs: number }) => void;
  /** Told of every request a tool made to a target (metrics): plugin, environment name, HTTP status (0: no answer). */
  onTargetRequest?: (plugin: string, environment: string, status: number) => void;
  private readonly environments: ReadonlyMap<string, ResolvedEnvironment>;
  private readonly maxInputBytes: number;

  /** `ctx.records(role)`: the plugin's records for the environment in that role; read-only in a dry run. */
  private recordsFor(backend: RecordsBackend, tool: LoadedTool, environments: Readonly<Record<string, ResolvedEnvironment>>, mode: InvokeMode, opts: InvokeOptions) {
    return (role = 'target'): PluginRecords => {
      const env = environments[role];
      if (!env) throw new ToolError('RECORDS_ENVIRONMENT', `${tool.id} has no environment in role "${role}" (it has: ${Object.keys(environments).join(', ') || 'none'}); records are kept per environment`);
      return backend.scoped(tool.plugin, env.name, { runId: opts.runId, stepKey: opts.stepId }, mode === 'plan');
    };
  }

  constructor(
    readonly catalogue: PluginCatalogue,
    private readonly opts: ToolInvokerOptions,
  ) {
    this.environments = resolveEnvironments(opts.environments);
    this.maxInputBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  }

  /**
   * The checks before any tool code runs (also what a gate calls before persisting an approval). Throws StewardError
   * TOOL_NOT_FOUND, TOOL_INPUT_TOO_LARGE, TOOL_INPUT_INVALID (each error naming its path) or TOOL_ENVIRONMENT_INVALID.
   */
  prepare(id: string, input: unknown, environments?: Readonly<Record<string, string>>): PreparedCall {
    const tool = this.catalogue.require(id);
    let json: string;
    try {
      json = JSON.stringify(input ?? {});
    } catch (e) {
      throw new StewardError('TOOL_INPUT_INVALID', `input for ${id} is not JSON: ${(e as Error).message}`);
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxInputBytes) {
      throw new StewardError('TOOL_INPUT_TOO_LARGE', `input for ${id} is ${bytes} bytes as JSON; the limit is ${this.maxInputBytes}`);
    }
    const copy = JSON.parse(json) as Record<string, unknown>;
    if (!tool.validateInput(copy)) {
      const errors = formatAjvErrors(tool.validateInput.errors ?? [], undefined, 'input');
      throw new StewardError('TOOL_INPUT_INVALID', `input for ${id} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
    }
    return { tool, input: copy, environments: bindEnvironments(tool, environments, this.environments) };
  }

  /** Runs a tool (or its dry run). Throws only TOOL_NOT_FOUND; every other failure is an `ok: false` result. */
  async invoke(id: string, input: unknown, opts: InvokeOptions = {}): Promise<ToolResult> {
    const mode = opts.mode ?? 'execute';
    const tool = this.catalogue.require(id);
    const started = performance.now();
    const log = (opts.logger ?? this.opts.logger).child({ plugin: tool.plugin, tool: id, ...(opts.runId && { runId: opts.runId }), ...(opts.stepId && { stepId: opts.stepId }) });
    const finish = (r: Outcome): ToolResult => {
      const result = { mode, ...r, durationMs: Math.round(performance.now() - started) } as ToolResult;
      log.debug({ mode, ok: result.ok, code: result.ok ? undefined : result.error.code, durationMs: result.durationMs }, 'tool call finished');
      this.onFinish?.({ tool: id, environments: Object.values(opts.environments ?? {}), mode, ok: result.ok, durationMs: performance.now() - started });
      return result;
    };
    const failed = (error: ToolFailure) => finish({ ok: false, error });

    let call: PreparedCall;
    try {
      call = this.prepare(id, input, opts.environments);
    } catch (e) {
      if (!isStewardError(e)) throw e;
      return failed({ code: e.code, message: e.message, ...(e.errors && { errors: e.errors }) });
    }
    const signal = opts.signal ?? new AbortController().signal;
    if (signal.aborted) return failed(cancellation(signal));
    const run = mode === 'plan' ? tool.definition.plan : tool.definition.handler;
    if (!run) return finish({ ok: true, plan: null });

    let done = false;
    const ctx: ToolContext = {
      environments: call.environments,
      logger: log,
      signal,
      progress: (update) => {
        if (done || signal.aborted || typeof update?.progress !== 'number') return;
        try {
          opts.progress?.({ ...update });
        } catch (e) {
          log.warn({ err: e }, 'progress listener threw; ignored');
        }
      },
      ...(opts.runId && { runId: opts.runId }),
      ...(opts.stepId && { stepId: opts.stepId }),
      settings: tool.settings,
      metrics: { targetRequest: (environment, status) => this.onTargetRequest?.(tool.plugin, environment, status) },
      ...(this.opts.records && { records: this.recordsFor(this.opts.records, tool, call.environments, mode, opts) }),
    };
    try {
      const value = await untilAborted(Promise.resolve().then(() => run.call(tool.definition, call.input, ctx)), signal);
      if (mode === 'plan') {
        const plan = toPlanPreview(value);
        return 'code' in plan ? failed(plan) : finish({ ok: true, plan });
      }
      return checkOutput(tool, value, failed, (output) => finish({ ok: true, output }));
    } catch (e) {
      if (signal.aborted) return failed(cancellation(signal));
      const redact = this.opts.redact ?? ((text: string) => text);
      if (ToolError.is(e)) return failed({ code: e.code, message: redact(e.message), ...(e.detail !== undefined && { detail: jsonOrString(e.detail) }) });
      log.warn({ err: e }, 'tool threw an unexpected error');
      return failed({ code: 'TOOL_FAILED', message: redact((e as Error)?.message || String(e)) });
    } finally {
      done = true;
    }
  }
}

function checkOutput(tool: LoadedTool, value: unknown, failed: (f: ToolFailure) => ToolResult, ok: (o: unknown) => ToolResult): ToolResult {
  let output: unknown;
  try {
    output = toJson(value);
  } catch (e) {
    return failed({ code: 'TOOL_OUTPUT_INVALID', message: `the output of ${tool.id} is not JSON: ${(e as Error).message}` });
  }
  if (tool.validateOutput && !tool.validateOutput(output)) {
    const errors = formatAjvErrors(tool.validateOutput.errors ?? [], undefined, 'output');
    return failed({ code: 'TOOL_OUTPUT_INVALID', message: `the output of ${tool.id} does not match its outputSchema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors });
  }
  return ok(output);
}

function jsonOrString(value: unknown): unknown {
  try {
    return toJson(value);
  } catch {
    return String(value);
  }
}
