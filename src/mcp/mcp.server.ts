import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CreateTaskResult } from '@modelcontextprotocol/sdk/experimental/tasks/types.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  SetLevelRequestSchema,
  type TaskMetadata,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { hasRole } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { ToolFailure, ToolResult } from '../plugins/tool.result.js';
import { elicitDecision, supportsUrlElicitation, type RequestChannel } from './approval-elicitation.js';
import { EXTERNAL_PLUGIN_ID } from './external/external.settings.js';
import { registerPrompts } from './mcp-prompts.js';
import { registerResources } from './mcp-resources.js';
import type { McpTasks } from './mcp-tasks.js';
import type { McpToolSurface } from './mcp-tools.js';
import type { StewardApi } from './steward-api.js';
import { supportsFormElicitation } from './question-elicitation.js';
import { SessionQuestionForms } from './session-questions.js';
import { callStewardTool, isStewardTool, stewardTools } from './steward-tools.js';
import { outcomeOf, type Caller, type GateRequest, type ToolGate } from './tool-gate.js';

/** `_meta` keys Steward reads on tools/call. */
export const META = {
  mode: 'steward/mode',
  approvalId: 'steward/approvalId',
  runId: 'steward/runId',
  stepId: 'steward/stepId',
} as const;

export interface McpServerDeps {
  catalogue: PluginCatalogue;
  invoker: ToolInvoker;
  surface: McpToolSurface;
  gate: ToolGate;
  logger: Logger;
  version: string;
  /** The REST URL of an approval (where it is decided): `/approvals/{id}`, absolute under notifications.publicUrl. */
  approvalsUrl: (approvalId: string) => string;
  /** The console page of an approval, when notifications.publicUrl makes it absolute. */
  consoleUrl?: (approvalId: string) => string | undefined;
  /** Steward's runs, approvals, findings and playbooks: outside clients get them as resources, prompts and tools. */
  api?: StewardApi;
  /** How long a pending write waits for the decision after sending a URL-mode elicitation (default 10 minutes). */
  elicitationWaitMs?: number;
  /** MCP tasks (2025-11-25): outside clients may make any plugin tool's call a task; a write's completes when decided. */
  tasks?: McpTasks;
}

/** The `_meta` key of a CreateTaskResult whose text a host may hand the model while the task runs (MCP 2025-11-25). */
export const MODEL_IMMEDIATE_RESPONSE = 'io.modelcontextprotocol/model-immediate-response';

/**
 * Steward's MCP server for one caller (an /mcp session, or the engine's in-process client). Tools come from the plugin
 * catalogue; every call is resolved, validated, gated, then invoked. Unknown tools are protocol errors; everything
 * that goes wrong after that is an `isError` result the caller (or model) can read.
 */
export function createMcpServer(deps: McpServerDeps, caller: Omit<Caller, 'runId' | 'stepId'>): Server {
  // Outside clients get Steward's own objects too; the engine (runner, agent) only the plugins' tools.
  const api = caller.channel === 'mcp' ? deps.api : undefined;
  const tasks = caller.channel === 'mcp' ? deps.tasks : undefined;
  const server = new Server(
    { name: 'steward', title: 'Steward', version: deps.version },
    {
      capabilities: {
        tools: { listChanged: false },
        logging: {},
        ...(api && { resources: { subscribe: true, listChanged: true }, prompts: { listChanged: false }, completions: {} }),
        ...(tasks && { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }),
      },
      ...(tasks && { taskStore: tasks.storeFor(caller.principal), defaultTaskPollInterval: 1000 }),
      instructions:
        'Steward operates BI deployments. Read tools run at once; tools that write need a person to approve them in Steward first ' +
        '(the result names the approval). Pass `environment` (or `environments`) to choose where a tool runs.' +
        (api
          ? ' Runs, their reports, approvals, findings and playbooks are resources (steward://...); each playbook is a prompt; ' +
            'steward.runs.start starts a playbook run (operator role) and steward.runs.get follows it.'
          : '') +
        (tasks ? ' A plugin tool\'s call may be made a task (tools/call with `task`): a write\'s task completes when a person decides its approval.' : ''),
    },
  );
  const log = deps.logger.child({ component: 'mcp', channel: caller.channel, actor: caller.principal.name });

  server.setRequestHandler(SetLevelRequestSchema, async () => ({}));
  // A tool is listed where it can run: no environment roles, or some configured environment of a kind it serves.
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      ...(api ? stewardTools() : []),
      ...deps.catalogue
        .tools()
        .filter((t) => t.environments.length === 0 || deps.surface.candidates(t).length > 0)
        .map((t) => (tasks ? { ...deps.surface.describe(t), execution: { taskSupport: 'optional' as const } } : deps.surface.describe(t))),
    ],
  }));
  const closers: (() => void)[] = [];
  const questionForms = api && new SessionQuestionForms(server, api, caller.principal, log);
  if (api) {
    const watch = registerResources(server, api, caller.principal, log);
    registerPrompts(server, api, caller.principal);
    closers.push(() => watch.close(), () => questionForms!.close());
  }
  // A task's status changes are told to the sessions of the token that made it (clients must poll anyway).
  if (tasks) closers.push(tasks.onChange(caller.principal.name, (task) => void server.notification({ method: 'notifications/tasks/status', params: task }).catch(() => undefined)));
  if (closers.length) server.onclose = () => closers.forEach((c) => c());

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult | CreateTaskResult> => {
    const name = request.params.name;
    const task: TaskMetadata | undefined = tasks ? request.params.task : undefined;
    if (task && isStewardTool(name)) throw Object.assign(new Error(`${name} does not run as a task (its execution.taskSupport is not declared): call it without \`task\``), { code: ErrorCode.MethodNotFound });
    if (api && isStewardTool(name)) {
      return callStewardTool(name, request.params.arguments, api, caller.principal, {
        channel: extra as unknown as RequestChannel,
        forms: supportsFormElicitation(server.getClientCapabilities()),
        progressToken: request.params._meta?.progressToken,
        ...(questionForms && { follow: (runId: string) => questionForms.follow(runId) }),
      });
    }
    const tool = deps.catalogue.byWireName(name) ?? deps.catalogue.get(name);
    if (!tool) {
      let why = `Unknown tool: ${name}`;
      try {
        deps.catalogue.require(name);
      } catch (e) {
        if (isStewardError(e)) why = e.message;
      }
      // A plain error with a code: McpError would prefix its message a second time on the wire.
      throw Object.assign(new Error(why), { code: ErrorCode.InvalidParams });
    }
    const meta = (request.params._meta ?? {}) as Record<string, unknown>;
    const mode = meta[META.mode] === 'plan' ? 'plan' : 'execute';
    // A task-augmented call answers with its task: one refused before it could run is a task that already failed.
    const answer = async (r: CallToolResult): Promise<CallToolResult | CreateTaskResult> =>
      task && tasks ? { task: await tasks.createFinished(caller.principal, { tool: tool.id }, r, task.ttl) } : r;
    const failure = (error: ToolFailure) => answer(failureResult(error));
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined);
    // Run identity comes only from Steward's own engine: an outside client cannot attach a call to a run.
    if (caller.channel !== 'engine' && (meta[META.runId] !== undefined || meta[META.stepId] !== undefined)) {
      return failure({ code: 'RUN_IDENTITY_REFUSED', message: `_meta "${META.runId}" and "${META.stepId}" are set by Steward's own engine only; an outside client cannot call tools as part of a run` });
    }
    const who: Caller = caller.channel === 'engine' ? { ...caller, runId: str(meta[META.runId]), stepId: str(meta[META.stepId]) } : { ...caller };
    // The runner's dry run reads a null plan as "unknown"; an outside client is told plainly there is none.
    if (mode === 'plan' && !tool.supportsPlan && caller.channel === 'mcp') {
      return failure({ code: 'PLAN_UNAVAILABLE', message: `no plan available: ${tool.id} has no dry run, so what it would change cannot be shown` });
    }

    if (tool.effect !== 'read' && mode === 'execute' && !hasRole(who.principal, 'operator')) {
      return failure({ code: 'FORBIDDEN', message: `token "${who.principal.name}" has role ${who.principal.role}; calling ${tool.effect} tools needs operator or higher` });
    }
    const { input, environments } = deps.surface.split(tool, request.params.arguments);
    let prepared;
    try {
      prepared = deps.invoker.prepare(tool.id, input, environments);
    } catch (e) {
      if (!isStewardError(e)) throw e;
      return failure({ code: e.code, message: e.message, errors: e.errors });
    }
    const gateRequest: GateRequest = { tool, input: prepared.input, environments, mode, caller: who, approvalId: str(meta[META.approvalId]) };
    let decision = await deps.gate.check(gateRequest);
    const progressToken = meta.progressToken as string | number | undefined;
    if (task && tasks) {
      if (decision.action === 'deny') return failure({ code: decision.code, message: decision.message });
      if (decision.action === 'pending') {
        const pendingResult = pending(tool, decision.approvalId, decision.message, deps.approvalsUrl(decision.approvalId), deps.consoleUrl?.(decision.approvalId));
        const where = deps.consoleUrl?.(decision.approvalId) ?? deps.approvalsUrl(decision.approvalId);
        const created = await tasks.createAwaiting(caller.principal, gateRequest, decision.approvalId, `waiting for a person to decide approval ${decision.approvalId} (${where}); ${decision.message}`, task.ttl);
        const text = `${tool.id} waits for a person's approval (${decision.approvalId}, ${where}); task ${created.taskId} completes when it is decided: approved, the call runs once and the task has its result; rejected, the task fails saying who and why.`;
        return { task: created, _meta: { [MODEL_IMMEDIATE_RESPONSE]: text, ...pendingResult._meta } };
      }
      if (mode === 'execute') return { task: await tasks.createRunning(caller.principal, gateRequest, decision.approvalId, task.ttl) };
    }
    // A client that takes URL-mode elicitation is sent the approval page and the call waits for the decision.
    const consoleUrl = decision.action === 'pending' ? deps.consoleUrl?.(decision.approvalId) : undefined;
    if (decision.action === 'pending' && consoleUrl && api && !task && supportsUrlElicitation(server.getClientCapabilities())) {
      const approvalId = decision.approvalId;
      const decided = await elicitDecision({
        api,
        approvalId,
        url: consoleUrl,
        message: `${tool.title} (${tool.id}) writes and needs a person's approval in Steward. Open the approval page to review its plan; an approver decides there. This call waits for the decision.`,
        channel: extra as unknown as RequestChannel,
        progressToken,
        waitMs: deps.elicitationWaitMs,
        log,
      });
      if (decided.status === 'rejected' || decided.status === 'expired' || decided.status === 'cancelled') {
        const by = decided.by ? ` by ${decided.by}${decided.comment ? `: ${decided.comment}` : ''}` : '';
        return failure({ code: `APPROVAL_${decided.status.toUpperCase()}`, message: `${tool.id} did not run: approval ${approvalId} was ${decided.status}${by}` });
      }
      if (decided.status === 'approved') {
        gateRequest.approvalId = approvalId;
        decision = await deps.gate.check(gateRequest);
      } else if (decided.status === 'undecided') log.info({ approval: approvalId, why: decided.why }, 'approval still pending after elicitation');
    }
    if (decision.action === 'deny') return failure({ code: decision.code, message: decision.message });
    if (decision.action === 'pending') return pending(tool, decision.approvalId, decision.message, deps.approvalsUrl(decision.approvalId), deps.consoleUrl?.(decision.approvalId));

    let lastProgress = 0;
    const result = await deps.invoker.invoke(tool.id, prepared.input, {
      environments,
      mode,
      signal: extra.signal,
      logger: log,
      runId: who.runId,
      stepId: who.stepId,
      progress:
        progressToken === undefined
          ? undefined
          : (p) => {
              // MCP requires progress to increase; tools may repeat a value.
              const progress = Math.max(p.progress, lastProgress + 1e-9);
              lastProgress = progress;
              void extra
                .sendNotification({ method: 'notifications/progress', params: { progressToken, progress, ...(p.total !== undefined ? { total: p.total } : {}), ...(p.message ? { message: p.message } : {}) } })
                .catch(() => undefined);
            },
    });
    if (decision.approvalId) await deps.gate.completed?.(gateRequest, decision.approvalId, outcomeOf(result.ok ? undefined : result.error));
    return answer(toCallResult(tool, result, caller.channel === 'mcp'));
  });
  return server;
}

/**
 * A tool's result on the wire. `passthrough` (outside clients): a mounted external server's result keeps its MCP
 * content (images, audio, resource links, embedded resources; text as sent) and its structuredContent. Steward's
 * engine gets every tool's output as JSON data (what runs store and the agent reads).
 */
export function toCallResult(tool: LoadedTool, result: ToolResult, passthrough = false): CallToolResult {
  if (!result.ok) return failureResult(result.error);
  if (passthrough && tool.plugin === EXTERNAL_PLUGIN_ID && result.mode === 'execute') {
    const out = result.output;
    if (!tool.outputSchema && isContentOnly(out)) return { content: out.content };
    if (out !== null && typeof out === 'object' && !Array.isArray(out)) return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out as Record<string, unknown> };
  }
  const structured = result.mode === 'plan' ? { plan: result.plan } : result.output;
  const text = JSON.stringify(structured ?? null);
  const isObject = structured !== null && typeof structured === 'object' && !Array.isArray(structured);
  return {
    content: [{ type: 'text', text }],
    ...(isObject && (result.mode === 'plan' || tool.outputSchema) ? { structuredContent: structured as Record<string, unknown> } : {}),
    ...(result.mode === 'plan' ? { _meta: { [META.mode]: 'plan' } } : {}),
  };
}

/** An external tool's output that is its remote's content array (`{ content: [...] }`, no structuredContent). */
function isContentOnly(out: unknown): out is { content: CallToolResult['content'] } {
  if (out === null || typeof out !== 'object' || Array.isArray(out)) return false;
  const keys = Object.keys(out);
  const content = (out as { content?: unknown }).content;
  return keys.length === 1 && Array.isArray(content) && content.every((c) => c !== null && typeof c === 'object' && typeof (c as { type?: unknown }).type === 'string');
}

export function failureResult(error: ToolFailure): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    _meta: { 'steward/error': { code: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}), ...(error.detail !== undefined ? { detail: error.detail } : {}) } },
  };
}

function pending(tool: LoadedTool, approvalId: string, message: string, url: string, consoleUrl?: string): CallToolResult {
  const where = consoleUrl ? `approve it at ${consoleUrl} (or POST ${url} {"decision":"approve"}, approver role)` : `POST ${url} {"decision":"approve"} (approver role)`;
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `APPROVAL_PENDING: ${tool.id} did not run. ${message} Approval ${approvalId} is waiting for a person: ${where}. ` +
          `Once approved, call this tool again with exactly the same arguments ` +
          `(optionally with _meta {"${META.approvalId}": "${approvalId}"}); it then runs once. Repeating it before the decision names the same approval.`,
      },
    ],
    _meta: { 'steward/approval': { id: approvalId, status: 'pending', url, ...(consoleUrl && { consoleUrl }) } },
  };
}
