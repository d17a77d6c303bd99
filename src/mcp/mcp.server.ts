import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { hasRole } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import type { ToolFailure, ToolResult } from '../plugins/tool.result.js';
import type { McpToolSurface } from './mcp-tools.js';
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
  /** Where a person approves a pending call (shown in the pending result). */
  approvalsUrl: (approvalId: string) => string;
}

/**
 * Steward's MCP server for one caller (an /mcp session, or the engine's in-process client). Tools come from the plugin
 * catalogue; every call is resolved, validated, gated, then invoked. Unknown tools are protocol errors; everything
 * that goes wrong after that is an `isError` result the caller (or model) can read.
 */
export function createMcpServer(deps: McpServerDeps, caller: Omit<Caller, 'runId' | 'stepId'>): Server {
  const server = new Server(
    { name: 'steward', title: 'Steward', version: deps.version },
    {
      capabilities: { tools: { listChanged: false }, logging: {} },
      instructions:
        'Steward operates BI deployments. Read tools run at once; tools that write need a person to approve them in Steward first ' +
        '(the result names the approval). Pass `environment` (or `environments`) to choose where a tool runs.',
    },
  );
  const log = deps.logger.child({ component: 'mcp', channel: caller.channel, actor: caller.principal.name });

  server.setRequestHandler(SetLevelRequestSchema, async () => ({}));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: deps.catalogue.tools().map((t) => deps.surface.describe(t)),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name;
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
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined);
    // Run identity comes only from Steward's own engine: an outside client cannot attach a call to a run.
    if (caller.channel !== 'engine' && (meta[META.runId] !== undefined || meta[META.stepId] !== undefined)) {
      return failure({ code: 'RUN_IDENTITY_REFUSED', message: `_meta "${META.runId}" and "${META.stepId}" are set by Steward's own engine only; an outside client cannot call tools as part of a run` });
    }
    const who: Caller = caller.channel === 'engine' ? { ...caller, runId: str(meta[META.runId]), stepId: str(meta[META.stepId]) } : { ...caller };

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
    const decision = await deps.gate.check(gateRequest);
    if (decision.action === 'deny') return failure({ code: decision.code, message: decision.message });
    if (decision.action === 'pending') return pending(tool, decision.approvalId, decision.message, deps.approvalsUrl(decision.approvalId));

    const progressToken = meta.progressToken as string | number | undefined;
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
    return toCallResult(tool, result);
  });
  return server;
}

export function toCallResult(tool: LoadedTool, result: ToolResult): CallToolResult {
  if (!result.ok) return failure(result.error);
  const structured = result.mode === 'plan' ? { plan: result.plan } : result.output;
  const text = JSON.stringify(structured ?? null);
  const isObject = structured !== null && typeof structured === 'object' && !Array.isArray(structured);
  return {
    content: [{ type: 'text', text }],
    ...(isObject && (result.mode === 'plan' || tool.outputSchema) ? { structuredContent: structured as Record<string, unknown> } : {}),
    ...(result.mode === 'plan' ? { _meta: { [META.mode]: 'plan' } } : {}),
  };
}

function failure(error: ToolFailure): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    _meta: { 'steward/error': { code: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}), ...(error.detail !== undefined ? { detail: error.detail } : {}) } },
  };
}

function pending(tool: LoadedTool, approvalId: string, message: string, url: string): CallToolResult {
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `APPROVAL_PENDING: ${tool.id} did not run. ${message} Approval ${approvalId} is waiting for a person: ` +
          `POST ${url} {"decision":"approve"} (approver role). Once approved, call this tool again with exactly the same arguments ` +
          `(optionally with _meta {"${META.approvalId}": "${approvalId}"}); it then runs once. Repeating it before the decision names the same approval.`,
      },
    ],
    _meta: { 'steward/approval': { id: approvalId, status: 'pending', url } },
  };
}
