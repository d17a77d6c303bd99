import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalPolicy, RunPlanStep } from '../approvals/approval.types.js';
import { failedChanges, planFailure } from '../approvals/plan-failure.js';
import { ExpressionError } from '../playbooks/expression.js';
import type { ForeachStep, Step, ToolStep } from '../playbooks/playbook.types.js';
import { listOf } from './check-step.js';
import { EndRun, stopFor, type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { DryRunOutcome } from './run.types.js';
import type { RunnerDeps } from './runner.js';
import { errorOf, outputOf, PERMANENT } from './tool-step.js';

/** A write step planned up front: what the run plan approval shows of it, and the policy it falls under. */
export interface PlannedStep {
  step: RunPlanStep;
  policy: ApprovalPolicy;
  /** Whether the policy asks a person for it (only those are in the run plan approval). */
  needsApproval: boolean;
  outcome: DryRunOutcome;
}

const DONE = new Set(['succeeded', 'skipped', 'failed']);
const SKIPPED: StepScopeEntry = { output: null, status: 'skipped', error: null };

type ToolError = { code: string; message: string; detail?: unknown };
/** What a tool step's row records of its call. */
type CallBase = { step_id: string; kind: string; tool: string; effect: string; idempotent: boolean; input: Record<string, unknown>; environments: Record<string, string> };

/**
 * The planning phase of a run approved once: every step walked as a dry run walks it — reads run, writes are only
 * planned (their output is null, so later plans count what earlier ones create through the tools' plan-only `expect`
 * inputs), checks, approval steps and agent steps wait for the real run. Nothing is recorded but failures: a plan that
 * fails (or a read that does) fails the run as a dry run's does, unless the step continues on error.
 */
export async function planRun(ctx: RunContext, deps: RunnerDeps, steps: Step[], scope: Scope, replayed: (step: Step, row: NonNullable<ReturnType<RunContext['rows']['get']>>) => unknown): Promise<PlannedStep[]> {
  const planned: PlannedStep[] = [];
  const walk = async (list: Step[], s: Scope, prefix: string): Promise<void> => {
    for (const step of list) s.steps[step.id] = await one(step, s, `${prefix}${step.id}`);
  };
  const one = async (step: Step, s: Scope, key: string): Promise<StepScopeEntry> => {
    if (ctx.signal.aborted) throw stopFor(ctx.signal);
    const row = ctx.rows.get(key);
    if (row && DONE.has(row.state) && step.kind !== 'foreach') return { output: replayed(step, row), status: row.state, error: row.error };
    try {
      if (step.if && !step.if.test(s)) return SKIPPED;
      if (step.kind === 'tool') return await tool(step, s, key);
      if (step.kind === 'foreach') return await foreach(step, s, key);
      return SKIPPED;
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      return fail(step, key, { step_id: step.id, kind: step.kind }, { code: 'EXPRESSION_ERROR', message: e.message }, `planning the run: step ${key}: ${e.message}`);
    }
  };
  const foreach = async (step: ForeachStep, s: Scope, key: string): Promise<StepScopeEntry> => {
    const results: Record<string, StepScopeEntry>[] = [];
    for (const [i, item] of listOf(step.items, s, key).entries()) {
      const iteration: Scope = { ...s, [step.as]: item, steps: { ...s.steps } };
      const result: Record<string, StepScopeEntry> = {};
      for (const child of step.steps) iteration.steps[child.id] = result[child.id] = await one(child, iteration, `${key}[${i}].${child.id}`);
      results.push(result);
    }
    return { output: results, status: 'succeeded', error: null };
  };
  const tool = async (step: ToolStep, s: Scope, key: string): Promise<StepScopeEntry> => {
    const input = step.with.render(s) as Record<string, unknown>;
    const t = deps.catalogue.require(step.tool);
    const environments = Object.fromEntries(Object.entries(step.env).map(([toolRole, pbRole]) => [toolRole, ctx.run.environments[pbRole]]));
    const base: CallBase = { step_id: step.id, kind: 'tool', tool: t.id, effect: t.effect, idempotent: t.idempotent, input, environments };
    const call = await deps.approvals.runPlans.planCall(ctx.run.id, key, t.id, input, environments, { plan: t.effect !== 'read', signal: ctx.signal });
    if (ctx.signal.aborted) throw stopFor(ctx.signal);
    if (t.effect === 'read' && !call.needsApproval) return read(step, key, base);
    const plan = call.plan as { wouldChange?: boolean; error?: ToolError } | null;
    const failed = call.digest === null ? `${plan?.error?.code}: ${plan?.error?.message}` : planFailure(plan);
    if (failed) {
      const error = { code: 'APPROVAL_PLAN_FAILED', message: `the plan says ${t.id} would fail: ${failed}; the run's plan cannot be approved (fix the cause, or exclude what fails, and start the run again)`, detail: { failed: failedChanges(plan) } };
      return fail(step, key, base, error, `step ${key} failed: ${error.code}: ${error.message}`, plan);
    }
    const outcome: DryRunOutcome = plan === null ? 'unknown' : plan.wouldChange ? 'would_change' : 'no_change';
    await ctx.emit('step.plan', { stepId: step.id, tool: t.id, outcome, plan }, key);
    planned.push({ step: { stepKey: key, stepId: step.id, tool: t.id, effect: t.effect, environments, inputDigest: call.digest!, plan }, policy: call.policy, needsApproval: call.needsApproval, outcome });
    return { output: null, status: 'succeeded', error: null };
  };
  /** A read the plans depend on: run now (again when the run applies), retried as the step says. */
  const read = async (step: ToolStep, key: string, base: CallBase): Promise<StepScopeEntry> => {
    const attempts = step.retry && base.idempotent ? step.retry.attempts : 1;
    let delay = step.retry?.backoffMs ?? 0;
    for (let attempt = 1; ; attempt++) {
      const signal = step.timeoutMs ? AbortSignal.any([ctx.signal, AbortSignal.timeout(step.timeoutMs)]) : ctx.signal;
      const r = await deps.limits.run(base.environments, 'read', () =>
        deps.engine.call({ tool: base.tool, input: base.input, environments: base.environments, runId: ctx.run.id, stepId: key, signal }).catch((e: unknown): CallToolResult => {
          if (ctx.signal.aborted) throw stopFor(ctx.signal);
          return { isError: true, content: [{ type: 'text', text: signal.aborted ? `TIMEOUT: step timed out after ${step.timeoutMs} ms` : `TOOL_FAILED: ${(e as Error).message}` }] };
        }),
      );
      const err = errorOf(r);
      if (!err) return { output: outputOf(r), status: 'succeeded', error: null };
      if (ctx.signal.aborted) throw stopFor(ctx.signal);
      if (attempt < attempts && !PERMANENT.test(err.code)) {
        await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
        delay = Math.round(delay * (step.retry?.factor ?? 2));
        continue;
      }
      return fail(step, key, base, err, `planning the run: step ${key} failed: ${err.code}: ${err.message}`);
    }
  };
  /** A step that failed while planning: recorded (the run ends with it, or goes on without it when it continues on error). */
  const fail = async (step: Step, key: string, base: Pick<CallBase, 'step_id' | 'kind'> & Partial<CallBase>, error: ToolError, reason: string, plan?: unknown): Promise<StepScopeEntry> => {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'failed', error, finished: true, started: true, ...(plan !== undefined && { plan, dry_run: 'would_fail' as const }) });
      if (plan !== undefined) await append('step.plan', { stepId: step.id, tool: base.tool ?? '', outcome: 'would_fail', plan }, key);
      await append('step.failed', { stepId: step.id, error, continued: step.continueOnError, durationMs: 0 }, key);
    });
    if (!step.continueOnError) throw new EndRun('failed', reason);
    return { output: null, status: 'failed', error };
  };
  await walk(steps, { ...scope, steps: { ...scope.steps } }, '');
  return planned;
}
