import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import { createAjv, formatAjvErrors } from '../common/json-schema.js';
import { RUN_STATES, type RunState } from '../runs/run.types.js';
import type { RequestChannel } from './approval-elicitation.js';
import { followRun, MAX_WAIT_SECONDS } from './question-elicitation.js';
import type { StewardApi } from './steward-api.js';

/**
 * Steward's own tools on /mcp, so an MCP host can drive Steward and not only its plugins: start a playbook run, read
 * one, list runs, list approvals. They call the services the REST API calls, with its role checks: starting a run
 * is a run request (operator), not a write to a target — the run's own write steps wait for approvals as usual.
 *
 * They are not in registry/tools.registry.json: the registry lists the plugins' tools, which playbooks and the agent
 * call through the gate; these are Steward's API (the REST routes' twins), offered to outside MCP clients only.
 */
export const STEWARD_TOOL_WIRE = {
  start: 'steward__runs__start',
  get: 'steward__runs__get',
  list: 'steward__runs__list',
  approvals: 'steward__approvals__list',
} as const;

const RUN_ID = { type: 'string', pattern: '^run_[0-9a-z]+$', description: 'A run id (run_...).' } as const;
const LIMIT = { type: 'integer', minimum: 1, maximum: 200, default: 20, description: 'Most items returned, newest first.' } as const;

/** The request a Steward tool answers: the client's channel (elicitation, progress) and what the client takes. */
export interface ToolCallContext {
  channel?: RequestChannel;
  /** The client declared form-mode elicitation. */
  forms: boolean;
  progressToken?: string | number;
  /** Sends the questions of a run this session started (without wait) to its client as forms, while the session lasts. */
  follow?: (runId: string) => void;
}

interface StewardTool {
  id: string;
  tool: Tool;
  run: (input: Record<string, unknown>, api: StewardApi, who: Principal, call: ToolCallContext) => Promise<Record<string, unknown>>;
}

const annotations = (readOnly: boolean) => ({ readOnlyHint: readOnly, destructiveHint: false, idempotentHint: readOnly, openWorldHint: false });

const TOOLS: StewardTool[] = [
  {
    id: 'steward.runs.start',
    tool: {
      name: STEWARD_TOOL_WIRE.start,
      title: 'Start a playbook run',
      description:
        'Starts a run of a Steward playbook (operator role). inputs are checked against the playbook\'s inputs, environments bind each of its roles to a configured environment. ' +
        'dryRun: plan only, nothing is written. Steps that write wait for a person\'s approval in Steward. Returns the run id; follow it with steward.runs.get or the resource steward://runs/{id}. ' +
        'wait: follow the run to its end (at most waitSeconds): a question the run asks is shown to you as a form (clients with form elicitation) and your answer lets it go on; it stops waiting when the run waits for an approval. ' +
        'Without wait, a client with form elicitation still gets the run\'s questions as forms when they are asked, for as long as this session lasts.',
      inputSchema: {
        type: 'object',
        additionalProperties: false,
        required: ['playbook'],
        properties: {
          playbook: { type: 'string', minLength: 1, maxLength: 200, description: 'The playbook id (prompts/list and the steward://playbooks/{id} resources name them).' },
          inputs: { type: 'object', description: "The playbook's inputs." },
          environments: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, description: 'Role → configured environment name, e.g. {"target": "prod-sisense"}.' },
          dryRun: { type: 'boolean', description: 'Plan only: no step writes anything.' },
          wait: { type: 'boolean', default: false, description: 'Follow the run to its end, answering its questions through forms; stop when it waits for an approval.' },
          waitSeconds: { type: 'integer', minimum: 1, maximum: MAX_WAIT_SECONDS, default: 300, description: 'With wait: the longest to follow it.' },
        },
      },
      annotations: { title: 'Start a playbook run', ...annotations(false) },
    },
    run: async (input, api, who, call) => {
      const run = await api.startRun({ playbook: input.playbook as string, inputs: input.inputs as Record<string, unknown> | undefined, environments: input.environments as Record<string, string> | undefined, dryRun: input.dryRun as boolean | undefined }, who);
      const started = { id: run.id, state: run.state, playbook: run.playbook, dryRun: run.dry_run, resources: { run: `steward://runs/${run.id}`, report: `steward://runs/${run.id}/report.md` } };
      if (input.wait !== true) {
        if (call.forms && call.follow && !run.dry_run) call.follow(run.id);
        return started;
      }
      const followed = await followRun({ api, runId: run.id, who, channel: call.channel, forms: call.forms, waitSeconds: input.waitSeconds as number, progressToken: call.progressToken });
      return { ...started, state: followed.run.state, run: followed.run, waited: followed.why, answered: followed.answered };
    },
  },
  {
    id: 'steward.runs.get',
    tool: {
      name: STEWARD_TOOL_WIRE.get,
      title: 'Read a run',
      description: "One run: its state, inputs, environments, outputs and steps (each step's state, plan, output or error, and the approval it waits for).",
      inputSchema: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: RUN_ID } },
      annotations: { title: 'Read a run', ...annotations(true) },
    },
    run: async (input, api, who) => api.run(input.id as string, who),
  },
  {
    id: 'steward.runs.list',
    tool: {
      name: STEWARD_TOOL_WIRE.list,
      title: 'List runs',
      description: 'Runs, newest first, optionally of one state or playbook.',
      inputSchema: {
        type: 'object',
        additionalProperties: false,
        properties: { state: { enum: [...RUN_STATES] }, playbook: { type: 'string', minLength: 1, maxLength: 200 }, limit: LIMIT },
      },
      annotations: { title: 'List runs', ...annotations(true) },
    },
    run: async (input, api, who) => ({
      runs: await api.runs({ state: input.state ? [input.state as RunState] : undefined, playbook: input.playbook as string | undefined, limit: input.limit as number }, who),
    }),
  },
  {
    id: 'steward.approvals.list',
    tool: {
      name: STEWARD_TOOL_WIRE.approvals,
      title: 'List approvals',
      description: 'Approvals, newest first (e.g. status pending: what waits for a person), optionally of one run. Deciding is done by a person in Steward (console or REST), not here.',
      inputSchema: {
        type: 'object',
        additionalProperties: false,
        properties: { status: { enum: ['pending', 'approved', 'rejected', 'expired', 'cancelled', 'consumed'] }, runId: RUN_ID, limit: LIMIT },
      },
      annotations: { title: 'List approvals', ...annotations(true) },
    },
    run: async (input, api, who) => ({ approvals: await api.approvals({ status: input.status as string | undefined, runId: input.runId as string | undefined, limit: input.limit as number }, who) }),
  },
];

const ajv = createAjv({ useDefaults: true });
const validators = new Map(TOOLS.map((t) => [t.id, ajv.compile(t.tool.inputSchema)]));
const byName = new Map(TOOLS.flatMap((t) => [[t.id, t] as const, [t.tool.name, t] as const]));

export const stewardTools = (): Tool[] => TOOLS.map((t) => t.tool);
export const isStewardTool = (name: string): boolean => byName.has(name);

function failure(code: string, message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }], _meta: { 'steward/error': { code, message } } };
}

/** Calls one of Steward's own tools (by id or wire name) for `who`; errors are isError results with Steward's codes. */
export async function callStewardTool(name: string, args: Record<string, unknown> | undefined, api: StewardApi, who: Principal, call: ToolCallContext = { forms: false }): Promise<CallToolResult> {
  const t = byName.get(name)!;
  const input = structuredClone(args ?? {});
  const validate = validators.get(t.id)!;
  if (!validate(input)) {
    const errors = formatAjvErrors(validate.errors ?? [], undefined, 'input');
    return failure('TOOL_INPUT_INVALID', `input for ${t.id} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  try {
    const out = await t.run(input, api, who, call);
    return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
  } catch (e) {
    if (!isStewardError(e)) throw e;
    return failure(e.code, e.message);
  }
}
