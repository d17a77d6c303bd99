import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalRow } from '../approvals/approval.types.js';
import type { RunPlanApprovals } from '../approvals/run-plan.approvals.js';
import { failedChanges, planFailure } from '../approvals/plan-failure.js';
import type { EngineClient } from '../mcp/engine.client.js';
import { TIMED_OUT } from '../mcp/tool-gate.js';
import type { ToolStep } from '../playbooks/playbook.types.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { EnvLimits } from './env-limits.js';
import type { DoubtfulStep, InDoubtSteps } from './in-doubt.js';
import { EndRun, Park, stopFor, type RunContext, type StepScopeEntry } from './run-context.js';
import { storable, type RunRepository } from './run.repository.js';
import { isTerminal, type DryRunOutcome, type RunState } from './run.types.js';
import type { Queryable, Store } from '../store/store.types.js';

export interface ToolStepDeps {
  engine: EngineClient;
  catalogue: PluginCatalogue;
  repo: RunRepository;
  limits: EnvLimits;
  approval: (id: string) => Promise<ApprovalRow | undefined>;
  inDoubt: InDoubtSteps;
  store: Store;
  /** A run approved once: its write steps are released under the approved run plan (or ask again when it drifted). */
  approvals?: { runPlans: Pick<RunPlanApprovals, 'planCall' | 'apply'> };
}

interface ToolError {
  code: string;
  message: string;
  /** What the tool attached (e.g. a migration's per-asset results); kept on the failed step. */
  detail?: unknown;
}

/** Failures a retry cannot fix: bad input, refused access, missing or ambiguous references, policy. */
export const PERMANENT = /^(TOOL_INPUT_|TOOL_ENVIRONMENT_|APPROVAL_|FORBIDDEN|EXPRESSION_ERROR)|(UNAUTHORIZED|FORBIDDEN|NOT_FOUND|AMBIGUOUS|PREREQUISITES|_CONFIG)$/;

/** The error a tool result carries, or undefined for success. */
export function errorOf(r: CallToolResult): ToolError | undefined {
  if (!r.isError) return undefined;
  const meta = (r._meta?.['steward/error'] ?? undefined) as ToolError | undefined;
  if (meta) return { code: meta.code, message: meta.message, ...(meta.detail !== undefined ? { detail: meta.detail } : {}) };
  const text = (r.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join(' ');
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(text);
  return m ? { code: m[1], message: m[2] } : { code: 'TOOL_FAILED', message: text };
}

export function outputOf(r: CallToolResult): unknown {
  if (r.structuredContent !== undefined) return r.structuredContent;
  const text = (r.content ?? []).find((c) => c.type === 'text');
  if (!text || text.type !== 'text') return null;
  try {
    return JSON.parse(text.text);
  } catch {
    return text.text;
  }
}

/**
 * One tool step: through the engine's MCP client, so the same gate as every other caller decides. A mutating call
 * first comes back pending (an approval was persisted) and the run parks; when the approval is decided the run resumes
 * and the call is made again carrying the approval id, which the gate releases exactly once.
 */
export async function runToolStep(ctx: RunContext, deps: ToolStepDeps, step: ToolStep, key: string, input: Record<string, unknown>): Promise<StepScopeEntry> {
  const tool = deps.catalogue.require(step.tool);
  const environments = Object.fromEntries(Object.entries(step.env).map(([toolRole, pbRole]) => [toolRole, ctx.run.environments[pbRole]]));
  const base = { step_id: step.id, kind: 'tool', tool: tool.id, effect: tool.effect, idempotent: tool.idempotent, input, environments };

  // Dry run: read tools run; mutating tools are asked for their plan, never run.
  if (ctx.run.dry_run && tool.effect !== 'read') {
    const r = await deps.engine.call({ tool: tool.id, input, environments, mode: 'plan', runId: ctx.run.id, stepId: key, signal: ctx.signal });
    const err = errorOf(r);
    const plan = err ? null : ((r.structuredContent as { plan?: { wouldChange?: boolean } } | undefined)?.plan ?? null);
    // A plan that could not be made, or that has a `fail` change, is a failed plan: the dry run fails with it.
    const failed = err ? `${err.code}: ${err.message}` : planFailure(plan);
    if (failed) {
      const error = err ?? { code: 'PLAN_FAILED', message: `the dry run says ${tool.id} would fail: ${failed}`, detail: { failed: failedChanges(plan) } };
      await ctx.tx(async (db, append) => {
        await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'failed', plan, dry_run: 'would_fail', error, finished: true, started: true });
        await append('step.plan', { stepId: step.id, tool: tool.id, outcome: 'would_fail', plan }, key);
        await append('step.failed', { stepId: step.id, error, continued: step.continueOnError, durationMs: 0 }, key);
      });
      if (!step.continueOnError) throw new EndRun('failed', `step ${key} failed: ${error.code}: ${error.message}`);
      return { output: null, status: 'failed', error };
    }
    const outcome: DryRunOutcome = plan === null ? 'unknown' : plan.wouldChange ? 'would_change' : 'no_change';
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'succeeded', plan, dry_run: outcome, error: err ?? null, finished: true, started: true });
      await append('step.plan', { stepId: step.id, tool: tool.id, outcome, plan }, key);
    });
    return { output: null, status: 'succeeded', error: null };
  }

  let approvalId: string | undefined;
  const row = ctx.rows.get(key);
  if (row?.approval_id) {
    const a = await deps.approval(row.approval_id);
    if (a?.kind === 'unknown_step' && a.status === 'approved' && a.outcome === 'skip') {
      await ctx.tx(async (db, append) => {
        await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'skipped', finished: true });
        await append('step.skipped', { stepId: step.id, reason: `skipped by decision on approval ${a.id} after an interrupted call` }, key);
      });
      return { output: null, status: 'skipped', error: null };
    }
    if (a?.status === 'approved') {
      approvalId = a.id;
      // The approver changed the arguments: the approval covers exactly the edited call.
      if (a.edited_by) base.input = input = a.input as Record<string, unknown>;
    }
    else if (a?.status === 'rejected') throw new EndRun('rejected', `approval ${a.id} for step ${key} was rejected`);
    else if (a?.status === 'expired') throw new EndRun('expired', `approval ${a.id} for step ${key} expired`);
    else if (a?.status === 'pending') throw new Park(`step ${key} waits for approval ${a.id}`);
    else if (a?.status === 'consumed') {
      // The call was released and did not finish (a restart, a timeout). An idempotent one simply runs again (the gate
      // releases it again to this run and step); any other is in doubt and a person decides.
      if (!tool.idempotent) {
        await parkInDoubt(ctx, deps, { ...base, step_key: key, approval_id: a.id }, `step ${key} did not finish after approval ${a.id} released it`);
      }
      approvalId = a.id;
      if (a.edited_by) base.input = input = a.input as Record<string, unknown>;
    }
  }

  // Approved once: the step is released under the run's plan when it would do exactly what was approved.
  if (!row?.approval_id && ctx.runPlan && deps.approvals) approvalId = await underRunPlan(ctx, deps.approvals.runPlans, deps, key, base);

  const attempts = step.retry && tool.idempotent ? step.retry.attempts : 1;
  let delay = step.retry?.backoffMs ?? 0;
  for (let attempt = (row?.attempt ?? 0) + 1; ; attempt++) {
    const started = Date.now();
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'running', attempt, started: true });
      await append('step.started', { stepId: step.id, kind: 'tool', tool: tool.id, attempt }, key);
    });
    const signal = step.timeoutMs ? AbortSignal.any([ctx.signal, AbortSignal.timeout(step.timeoutMs)]) : ctx.signal;
    let lastProgress = 0;
    const r = await deps.limits.run(environments, tool.effect, () =>
      deps.engine.call({
        tool: tool.id,
        input,
        environments,
        runId: ctx.run.id,
        stepId: key,
        approvalId,
        signal,
        onProgress: (p) => {
          if (Date.now() - lastProgress < 100 && p.progress !== p.total) return;
          lastProgress = Date.now();
          void ctx.emit('step.progress', { stepId: step.id, ...p }, key).catch(() => undefined);
        },
      }).catch((e: unknown): CallToolResult => {
        if (ctx.signal.aborted) throw stopFor(ctx.signal);
        const timedOut = signal.aborted;
        return { isError: true, content: [{ type: 'text', text: `${timedOut ? 'TIMEOUT' : 'TOOL_FAILED'}: ${timedOut ? `step timed out after ${step.timeoutMs} ms` : (e as Error).message}` }] };
      }),
    );
    const pending = r._meta?.['steward/approval'] as { id: string } | undefined;
    if (pending) {
      // Asking for the approval was not an attempt of the tool itself.
      await ctx.tx((db) => deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'awaiting_approval', approval_id: pending.id, attempt: attempt - 1 }));
      throw new Park(`step ${key} waits for approval ${pending.id}`);
    }
    const err = errorOf(r);
    const durationMs = Date.now() - started;
    if (!err) {
      const output = storable(outputOf(r));
      await ctx.tx(async (db, append) => {
        await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'succeeded', output, finished: true });
        await append('step.succeeded', { stepId: step.id, durationMs }, key);
      });
      return { output, status: 'succeeded', error: null };
    }
    if (ctx.signal.aborted) throw stopFor(ctx.signal);
    if (attempt < attempts && !PERMANENT.test(err.code)) {
      await ctx.emit('step.retry', { stepId: step.id, attempt, delayMs: delay, error: err }, key);
      await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
      delay = Math.round(delay * (step.retry?.factor ?? 2));
      continue;
    }
    // A write that timed out (the step's timeout, the tool's, or its target's: SISENSE_TIMEOUT, an external server's
    // TIMEOUT) may have reached the target all the same: in doubt, never failed.
    if (TIMED_OUT.test(err.code) && (await deps.inDoubt.mayHaveRun(deps.store, ctx.run.id, { tool: tool.id, effect: tool.effect, approval_id: approvalId ?? null, environments }, await deps.inDoubt.runSpec(ctx.run.id)))) {
      await parkInDoubt(ctx, deps, { ...base, step_key: key, approval_id: approvalId ?? null }, `the call timed out (${err.code}: ${err.message})`);
    }
    // (A run that ended meanwhile records nothing more: ctx.tx throws EndRun and what the end recorded stands.)
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'failed', error: err, finished: true });
      await append('step.failed', { stepId: step.id, error: err, continued: step.continueOnError, durationMs }, key);
    });
    if (err.code === 'APPROVAL_REJECTED') throw new EndRun('rejected', err.message);
    if (!step.continueOnError) throw new EndRun('failed', `step ${key} failed: ${err.code}: ${err.message}`);
    return { output: null, status: 'failed', error: err };
  }
}

/**
 * A step of a run whose plan was approved once: its plan is made again now and compared with the approved one. The
 * same call with the same changes is released under the run plan (a tool approval of this step, used by the call
 * below exactly once, as any); a plan that drifted asks this step again, showing the difference, and the run parks.
 * undefined: the policy needs no person for this call (or its input is invalid: the call fails as it would anyway).
 */
async function underRunPlan(
  ctx: RunContext,
  runPlans: Pick<RunPlanApprovals, 'planCall' | 'apply'>,
  deps: Pick<ToolStepDeps, 'repo'>,
  key: string,
  base: { step_id: string; kind: string; tool: string; input: Record<string, unknown>; environments: Record<string, string> },
): Promise<string | undefined> {
  const call = await runPlans.planCall(ctx.run.id, key, base.tool, base.input, base.environments, { plan: 'if-approval', signal: ctx.signal });
  if (ctx.signal.aborted) throw stopFor(ctx.signal);
  if (!call.needsApproval || call.digest === null) return undefined;
  const applied = await ctx.tx(async (db) => {
    const a = await runPlans.apply(db, ctx.runPlan!, { ...call, runId: ctx.run.id, stepKey: key, requestedBy: ctx.run.requested_by, environments: base.environments });
    const approval = 'released' in a ? a.released : a.drift;
    await deps.repo.upsertStep(db, ctx.run.id, key, { ...base, state: 'awaiting_approval', approval_id: approval.id, plan: call.plan });
    return a;
  });
  if ('drift' in applied) throw new Park(`step ${key}: its plan differs from the approved run plan (${applied.summary}); approval ${applied.drift.id} decides`);
  return applied.released.id;
}

/** Throws when the run ended (e.g. was cancelled) before a step could start (ctx.tx checks it too). */
export async function requireLive(db: Queryable, ctx: RunContext): Promise<void> {
  const state = (await db.query<{ state: RunState }>('SELECT state FROM runs WHERE id = $1 FOR UPDATE', [ctx.run.id])).rows[0]?.state;
  if (!state || isTerminal(state)) throw new EndRun('cancelled', `the run ended${state ? ` ${state}` : ''} before the step could start`);
}

/** Marks a started call in doubt (a person decides: retry or skip) and parks the run. */
async function parkInDoubt(ctx: RunContext, deps: ToolStepDeps, step: DoubtfulStep, reason: string): Promise<never> {
  const a = await deps.inDoubt.mark(ctx.run, step, reason, false);
  if (!a) throw new EndRun('cancelled', 'the run ended while the step was in doubt');
  throw new Park(`step ${step.step_key} is in doubt (${reason}); approval ${a.id} decides: retry or skip`);
}
