import type { Principal } from '../auth/roles.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { InvokeMode } from '../plugins/tool.result.js';

/**
 * The one gate every tool call passes, whoever makes it: a playbook step and the agent (through the in-process MCP
 * client) and an outside MCP client (through /mcp) all reach Steward's MCP server, which asks the gate before the
 * tool runs. MCP annotations are only hints to clients; this is the decision.
 */
export interface GateRequest {
  tool: LoadedTool;
  /** The validated input (defaults filled in). */
  input: Record<string, unknown>;
  /** Role → environment name. */
  environments: Readonly<Record<string, string>>;
  mode: InvokeMode;
  caller: Caller;
  /** An approval the caller claims covers this call (MCP `_meta["steward/approvalId"]`). */
  approvalId?: string;
}

export interface Caller {
  principal: Principal;
  /** `mcp`: an outside MCP client over /mcp; `engine`: Steward's own runner/agent over the in-process client. */
  channel: 'mcp' | 'engine';
  runId?: string;
  stepId?: string;
}

export type GateDecision =
  | { action: 'run'; approvalId?: string }
  | { action: 'pending'; approvalId: string; message: string }
  | { action: 'deny'; code: string; message: string };

/** How an approved call ended: `unknown` when it was cut short (cancelled, timed out) and may have taken effect. */
export type CallOutcome = 'succeeded' | 'failed' | 'unknown';

/** Failure codes of a call cut short while it may have reached its target: a timeout (the step's, the tool's, its target client's) or a cancellation. */
export const TIMED_OUT = /(^|_)TIMEOUT$/;
export const outcomeOf = (error: { code: string } | undefined): CallOutcome =>
  !error ? 'succeeded' : error.code === 'CANCELLED' || TIMED_OUT.test(error.code) ? 'unknown' : 'failed';

export interface ToolGate {
  check(request: GateRequest): Promise<GateDecision>;
  /** Called after an approved call ran, with its outcome (the gate records it against the approval). */
  completed?(request: GateRequest, approvalId: string, outcome: CallOutcome): Promise<void>;
}

export const TOOL_GATE = Symbol('TOOL_GATE');

/**
 * Until approvals exist in a daemon, mutating calls fail closed: read tools and dry-run plans run, anything that
 * writes is refused with a message saying why. The approvals service replaces this gate.
 */
export class FailClosedGate implements ToolGate {
  async check(req: GateRequest): Promise<GateDecision> {
    if (req.mode === 'plan' || req.tool.effect === 'read') return { action: 'run' };
    return {
      action: 'deny',
      code: 'APPROVAL_REQUIRED',
      message: `${req.tool.id} is a ${req.tool.effect} tool and needs an approval, and this daemon has no approval service configured`,
    };
  }
}
