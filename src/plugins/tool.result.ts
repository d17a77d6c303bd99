import type { ErrorDetail } from '../common/errors.js';
import { createAjv, formatAjvErrors } from '../common/json-schema.js';
import { PLAN_ACTIONS, type Plan } from './plugin-api.js';

/**
 * What a tool call returns. A failure here is a tool error (the caller, or the model, reads it and decides);
 * only an unknown tool is thrown instead (a protocol error). Codes the host sets:
 * TOOL_INPUT_INVALID, TOOL_INPUT_TOO_LARGE, TOOL_ENVIRONMENT_INVALID (rejected before the tool ran), TOOL_FAILED
 * (an unexpected exception; message only), TOOL_OUTPUT_INVALID, CANCELLED, TIMEOUT; plus any ToolError code.
 */
export type InvokeMode = 'execute' | 'plan';

export interface ToolFailure {
  code: string;
  message: string;
  detail?: unknown;
  /** Per-path problems for input and environment errors. */
  errors?: ErrorDetail[];
}

/** A plan with what the host derives from it. */
export interface PlanPreview extends Plan {
  /** Some change would create, update or delete something. */
  wouldChange: boolean;
  /** Some change is planned as `fail`. */
  wouldFail: boolean;
}

export type ToolResult =
  | { ok: true; mode: 'execute'; output: unknown; durationMs: number }
  /** `plan: null`: the tool has no dry run, so what it would change is unknown. */
  | { ok: true; mode: 'plan'; plan: PlanPreview | null; durationMs: number }
  | { ok: false; mode: InvokeMode; error: ToolFailure; durationMs: number };

const PLAN_SCHEMA = {
  type: 'object',
  required: ['summary', 'changes'],
  properties: {
    summary: { type: 'string' },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action', 'target'],
        properties: {
          action: { enum: PLAN_ACTIONS },
          target: { type: 'string', minLength: 1 },
          detail: { type: 'string' },
          kind: { type: 'string', minLength: 1 },
          reason: { type: 'string' },
          fields: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, required: ['field'], properties: { field: { type: 'string', minLength: 1 }, before: {}, after: {} } },
          },
        },
      },
    },
  },
};
const validatePlan = createAjv().compile<Plan>(PLAN_SCHEMA);

/** A tool's plan checked and summarised, or the reason it is malformed. */
export function toPlanPreview(value: unknown): PlanPreview | ToolFailure {
  let plan: unknown;
  try {
    plan = toJson(value);
  } catch (e) {
    return { code: 'TOOL_OUTPUT_INVALID', message: `the tool returned a plan that is not JSON: ${(e as Error).message}` };
  }
  if (!validatePlan(plan)) {
    const errors = formatAjvErrors(validatePlan.errors ?? [], undefined, 'plan');
    return { code: 'TOOL_OUTPUT_INVALID', message: `the tool returned a malformed plan: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors };
  }
  return {
    summary: plan.summary,
    changes: plan.changes,
    wouldChange: plan.changes.some((c) => c.action === 'create' || c.action === 'update' || c.action === 'delete'),
    wouldFail: plan.changes.some((c) => c.action === 'fail'),
  };
}

/** A JSON copy of a value (`undefined` → null); throws a TypeError for what JSON cannot hold (cycles, BigInt). */
export function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
