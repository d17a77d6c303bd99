import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent/agent.runtime.js';
import type { ApprovalService } from '../approvals/approval.service.js';
import type { ApprovalRow, PolicySpec } from '../approvals/approval.types.js';
import { ExpressionError } from '../playbooks/expression.js';
import type { ValueTemplate } from '../playbooks/value-template.js';
import type { AgentStep, ForeachStep, ParsedPlaybook, Step } from '../playbooks/playbook.types.js';
import type { Queryable } from '../store/store.types.js';
import { retryingTransaction } from '../store/transaction-retry.js';
import { BudgetSpent, EndRun, Interrupted, LOOP_BUDGET_SPENT, Park, stopFor, type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { RunEventsService } from './run-events.service.js';
import { isTerminal, type RunEvent, type RunEventMap, type RunEventType, type RunRow, type RunState, type StepRow } from './run.types.js';
import { runApprovalStep } from './approval-step.js';
import { planRun } from './plan-phase.js';
import { listOf, runCheckStep } from './check-step.js';
import { runToolStep, type ToolStepDeps } from './tool-step.js';
import { runAskStep } from './question-step.js';
import { budgetLeft, budgetsOf, nothingLeft, runLoopStep } from './loop-step.js';
import { QuestionRepository } from '../questions/question.repository.js';

export interface RunnerDeps extends ToolStepDeps {
  agent: AgentRuntime;
  events: RunEventsService;
  approvals: ApprovalService;
  logger: Logger;
}

const DONE = new Set(['succeeded', 'skipped', 'failed']);

/**
 * Executes one run of a playbook from wherever it stands: steps already finished (persisted) are replayed from the
 * store, never run again; the first unfinished step runs. Returns when the run ends or parks (waits for a person).
 */
export class Runner {
  constructor(private readonly deps: RunnerDeps) {}

  async execute(run: RunRow, playbook: ParsedPlaybook, signal: AbortSignal): Promise<RunState> {
    // A step is looked up before it runs, and an execution ends when a step parks: the rows stored when this
    // execution begins are all it needs (one query instead of one per step).
    const rows = new Map((await this.deps.repo.steps(this.deps.store, run.id)).map((r) => [r.step_key, r]));
    const ctx = this.context(run, playbook, signal, rows);
    return this.lifecycle(ctx, () => this.playbook(ctx, run, playbook));
  }

  /**
   * An ad-hoc run: the agent answers the prompt (or a thread's message) with the run's environments and allow-list.
   * Its outputs are the answer and the model usage.
   */
  async executePrompt(run: RunRow, signal: AbortSignal): Promise<RunState> {
    const ctx = this.context(run, null, signal, new Map());
    const opts = run.inputs as { tools?: string[]; threadId?: string };
    return this.lifecycle(ctx, async () => {
      const r = await this.deps.agent.execute(ctx, {
        key: 'agent',
        stepId: 'agent',
        threadId: opts.threadId ?? run.id,
        instruction: run.prompt ?? '',
        environments: Object.values(run.environments),
        tools: opts.tools,
        ...(run.share_tool_results === false && { shareToolResults: false }),
      });
      return { answer: r.answer, usage: r.usage };
    });
  }

  private async lifecycle(ctx: RunContext, body: () => Promise<Record<string, unknown>>): Promise<RunState> {
    const { run } = ctx;
    const from = run.state;
    try {
      await ctx.tx(async (db, append) => {
        await this.deps.repo.setState(db, run.id, 'running');
        if (from === 'queued') await append('run.started', {});
        else await append('run.state', { from, to: 'running' });
      });
      return await this.finish(ctx, 'succeeded', undefined, await body());
    } catch (e) {
      return this.stopped(ctx, e);
    }
  }

  /** Where an execution that stopped early leaves the run: waiting (parked), as it is (shutdown), or ended. */
  private async stopped(ctx: RunContext, e: unknown): Promise<RunState> {
    if (e instanceof Park) {
      const { reason } = e;
      try {
        await ctx.tx(async (db, append) => {
          await this.deps.repo.setState(db, ctx.run.id, 'awaiting_approval', reason);
          await append('run.state', { from: 'running', to: 'awaiting_approval', reason });
        });
        return 'awaiting_approval';
      } catch (ended) {
        if (!(ended instanceof EndRun)) throw ended;
        e = ended; // the run ended (was cancelled) as it parked: it stays ended
      }
    }
    if (e instanceof Interrupted) return 'running';
    if (e instanceof EndRun) return this.finish(ctx, e.state, e.reason);
    this.deps.logger.error({ err: e, run: ctx.run.id }, 'run failed unexpectedly');
    return this.finish(ctx, 'failed', `internal error: ${(e as Error).message}`);
  }

  private async playbook(ctx: RunContext, run: RunRow, playbook: ParsedPlaybook): Promise<Record<string, unknown>> {
    const environments = Object.fromEntries(
      playbook.environments.map((r) => [r.name, { name: run.environments[r.name], kind: r.kind }]),
    );
    const scope: Scope = { inputs: run.inputs, environments, run: { id: run.id, playbook: playbook.id, dryRun: run.dry_run }, steps: {} };
    if (!run.dry_run && (run.approve_once ?? playbook.policy?.approval?.scope === 'run')) ctx.runPlan = await this.runPlan(ctx, playbook, scope);
    await this.steps(ctx, playbook.steps, scope, '');
    const outputs: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(playbook.outputs)) {
      try {
        outputs[k] = t.render(scope);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        // A dry run has no outputs from the steps it only planned; a skipped step (its output is null) none either.
        if (!run.dry_run && !readsSkipped(t, scope)) throw new EndRun('failed', `output ${k}: ${e.message}`);
        outputs[k] = null;
      }
    }
    return outputs;
  }

  /**
   * A run approved once: before any step acts, every write step is planned as a dry run plans it, and one approval of
   * the whole plan is asked (the run parks once). Returns the approved plan the steps are then released under, or
   * undefined when no step needs a person; ends the run when the plan was rejected, expired or cancelled.
   */
  private async runPlan(ctx: RunContext, playbook: ParsedPlaybook, scope: Scope): Promise<ApprovalRow | undefined> {
    const plans = this.deps.approvals.runPlans;
    const asked = await plans.of(ctx.run.id);
    if (asked) {
      if (asked.status === 'approved' || asked.status === 'consumed') return asked;
      if (asked.status === 'pending') throw new Park(`the run's plan waits for approval ${asked.id}`);
      if (asked.status === 'rejected') throw new EndRun('rejected', `the run's plan (approval ${asked.id}) was rejected`);
      throw new EndRun(asked.status === 'expired' ? 'expired' : 'cancelled', `the run's plan (approval ${asked.id}) ${asked.status}`);
    }
    const planned = await planRun(ctx, this.deps, playbook.steps, scope, replayed);
    const asking = planned.filter((p) => p.needsApproval);
    const approval = await ctx.tx(async (db, append) => {
      const a = asking.length ? await plans.ask(ctx.run, asking, db) : undefined;
      const steps = planned.map((p) => ({ stepKey: p.step.stepKey, stepId: p.step.stepId, tool: p.step.tool, outcome: p.outcome, summary: (p.step.plan as { summary?: string } | null)?.summary ?? null, needsApproval: p.needsApproval }));
      await append('run.plan_ready', { approvalId: a?.id ?? null, steps });
      return a;
    });
    if (approval) throw new Park(`the run's plan (${asking.length} write step(s)) waits for approval ${approval.id}`);
    return undefined;
  }

  /**
   * A playbook agent step: the instruction rendered, the tools and environment roles the step names. Its output is
   * the validated JSON answer when the step declares an output schema, else `{answer}`. In a dry run the agent does
   * not run (it would have to act to be useful): the step is skipped with that reason.
   */
  private async agentStep(ctx: RunContext, step: AgentStep, scope: Scope, key: string): Promise<StepScopeEntry> {
    if (ctx.run.dry_run) {
      await ctx.tx(async (db, append) => {
        await this.deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'agent', state: 'skipped', dry_run: 'unknown', finished: true });
        await append('step.skipped', { stepId: step.id, reason: 'dry run: agent steps are not run (a model would choose the actions)' }, key);
      });
      return { output: null, status: 'skipped', error: null };
    }
    const roles = Object.keys(step.env).length ? Object.values(step.env) : Object.keys(ctx.run.environments);
    // Inside loops with a budget: capped by what is left; nothing left, not started (the loop stops there).
    const budget = await budgetLeft(this.deps.store, ctx.run.id, budgetsOf(scope), key);
    const gone = nothingLeft(budget);
    if (gone && !ctx.rows.has(key)) {
      const error = { code: LOOP_BUDGET_SPENT, message: `not started: the loop's budget of ${gone} is spent` };
      await ctx.tx(async (db, append) => {
        await this.deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'agent', state: 'skipped', error, finished: true });
        await append('step.skipped', { stepId: step.id, reason: error.message }, key);
      });
      return { output: null, status: 'skipped', error };
    }
    let r: Awaited<ReturnType<AgentRuntime['execute']>>;
    try {
      r = await this.deps.agent.execute(ctx, {
        key,
        stepId: step.id,
        threadId: `${ctx.run.id}:${key}`,
        instruction: step.instruction.renderText(scope),
        environments: [...new Set(roles.map((role) => ctx.run.environments[role]).filter(Boolean))],
        tools: step.tools,
        output: step.output,
        maxToolCalls: step.maxToolCalls,
        ...((step.shareToolResults === false || ctx.run.share_tool_results === false) && { shareToolResults: false }),
        ...(budget && { budget }),
      });
    } catch (e) {
      if (e instanceof BudgetSpent) return { output: null, status: 'failed', error: { code: LOOP_BUDGET_SPENT, message: e.reason } };
      throw e;
    }
    return { output: step.output ? r.output : { answer: r.answer }, status: 'succeeded', error: null };
  }

  private async finish(ctx: RunContext, state: RunState, reason?: string, outputs?: Record<string, unknown>): Promise<RunState> {
    const runSpec = await this.deps.inDoubt.runSpec(ctx.run.id);
    const ended = await this.transact(ctx.run.id, false, async (db, append) => {
      const current = await this.deps.repo.get(db, ctx.run.id); // locked by transact
      if (!current || isTerminal(current.state)) return current?.state; // cancelled meanwhile: already recorded
      if (outputs) await this.deps.repo.setOutputs(db, ctx.run.id, outputs);
      await this.deps.repo.setState(db, ctx.run.id, state, reason ?? null);
      await closeRun(db, ctx.run.id, this.deps, runSpec, `the run ended ${state}`, append);
      await append('run.finished', { state, ...(reason ? { reason } : {}), outputs: outputs ?? null });
      return undefined;
    });
    if (ended) return ended;
    ctx.logger.info({ state, reason }, 'run finished');
    return state;
  }

  private async steps(ctx: RunContext, steps: Step[], scope: Scope, prefix: string): Promise<void> {
    for (const step of steps) scope.steps[step.id] = await this.step(ctx, step, scope, `${prefix}${step.id}`);
  }

  private async step(ctx: RunContext, step: Step, scope: Scope, key: string): Promise<StepScopeEntry> {
    if (ctx.signal.aborted) throw stopFor(ctx.signal);
    const row = ctx.rows.get(key);
    if (row && DONE.has(row.state) && step.kind !== 'foreach' && !(step.kind === 'loop' && row.state === 'succeeded')) return { output: replayed(step, row), status: row.state, error: row.error };
    try {
      if (step.if && !step.if.test(scope)) {
        await ctx.tx(async (db, append) => {
          await this.deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: step.kind, state: 'skipped', finished: true });
          await append('step.skipped', { stepId: step.id, reason: `condition false: ${step.if!.source}` }, key);
        });
        return { output: null, status: 'skipped', error: null };
      }
      switch (step.kind) {
        case 'tool':
          return await runToolStep(ctx, this.deps, step, key, step.with.render(scope) as Record<string, unknown>);
        case 'check':
          return await runCheckStep(ctx, this.deps, step, scope, key);
        case 'approval':
          return await runApprovalStep(ctx, this.deps, step, scope, key);
        case 'foreach':
          return await this.foreach(ctx, step, scope, key);
        case 'agent':
          return await this.agentStep(ctx, step, scope, key);
        case 'ask':
          return await runAskStep(ctx, this.deps, step, scope, key);
        case 'loop':
          return await runLoopStep(ctx, this.deps, step, scope, key, (child, s, k) => this.step(ctx, child, s, k));
      }
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      const error = { code: 'EXPRESSION_ERROR', message: e.message };
      await ctx.tx(async (db, append) => {
        await this.deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: step.kind, state: 'failed', error, finished: true });
        await append('step.failed', { stepId: step.id, error, continued: step.continueOnError, durationMs: 0 }, key);
      });
      if (!step.continueOnError) throw new EndRun('failed', `step ${key}: ${e.message}`);
      return { output: null, status: 'failed', error };
    }
  }

  private async foreach(ctx: RunContext, step: ForeachStep, scope: Scope, key: string): Promise<StepScopeEntry> {
    const items = listOf(step.items, scope, key);
    const limit = pLimit(step.concurrency);
    const results: Record<string, StepScopeEntry>[] = items.map(() => ({}));
    const stops: unknown[] = [];
    await Promise.all(
      items.map((item, i) =>
        limit(async () => {
          if (stops.some((s) => s instanceof EndRun)) return;
          const iteration: Scope = { ...scope, [step.as]: item, steps: { ...scope.steps } };
          try {
            for (const child of step.steps) {
              const entry = await this.step(ctx, child, iteration, `${key}[${i}].${child.id}`);
              iteration.steps[child.id] = entry;
              results[i][child.id] = entry;
            }
          } catch (e) {
            stops.push(e);
          }
        }),
      ),
    );
    const end = stops.find((s) => s instanceof EndRun) ?? stops.find((s) => !(s instanceof Park));
    if (end) throw end;
    if (stops.length) throw stops[0];
    await ctx.tx(async (db, append) => {
      await this.deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'foreach', state: 'succeeded', output: { iterations: items.length }, started: true, finished: true });
      await append('step.succeeded', { stepId: step.id, output: { iterations: items.length }, durationMs: 0 }, key);
    });
    return { output: results, status: 'succeeded', error: null };
  }

  private context(run: RunRow, playbook: ParsedPlaybook | null, signal: AbortSignal, rows: ReadonlyMap<string, StepRow>): RunContext {
    const logger = this.deps.logger.child({ run: run.id, playbook: playbook?.id ?? null });
    return {
      run,
      rows,
      playbook,
      signal,
      logger,
      emit: async (type, data, stepKey) => {
        let event: RunEvent | undefined;
        await this.transact(run.id, true, async (_db, append) => void (event = await append(type, data, stepKey)));
        return event as RunEvent<typeof type>;
      },
      tx: (fn) => this.transact(run.id, true, async (db, append) => fn(db, async (type, data, stepKey) => void (await append(type, data, stepKey)))),
    };
  }

  /**
   * One transaction about a run: its row locked first (a cancellation, a decision and a run's end take the run, then
   * approvals, then steps, so no two transactions wait on each other in opposite orders), retried on a serialisation
   * failure, its events published after commit. `live`: the run must not have ended — nothing is recorded for a run
   * after its end (its steps were closed then); EndRun is thrown instead.
   */
  private async transact<T>(runId: string, live: boolean, fn: (db: Queryable, append: <E extends RunEventType>(type: E, data: RunEventMap[E], stepKey?: string) => Promise<RunEvent>) => Promise<T>): Promise<T> {
    const { store, events } = this.deps;
    let pending: RunEvent[] = [];
    const result = await retryingTransaction(store, async (db) => {
      pending = []; // a retried transaction appends its events again
      const state = (await db.query<{ state: RunState }>('SELECT state FROM runs WHERE id = $1 FOR UPDATE', [runId])).rows[0]?.state;
      if (live && (!state || isTerminal(state))) throw new EndRun('cancelled', `the run ended${state ? ` ${state}` : ''} meanwhile`);
      return fn(db, async (type, data, stepKey) => {
        const e = await events.append(db, runId, type, data, stepKey);
        pending.push(e);
        return e;
      });
    });
    events.publish(pending);
    // Let the event loop breathe between transactions: SSE writes and HTTP requests are served as the run goes,
    // not after a whole chain of store calls (PGlite resolves in microtasks and would otherwise starve them).
    if (pending.length) await new Promise<void>((r) => setImmediate(r));
    return result;
  }
}

/**
 * Closes a run's open steps as it ends (in the transaction that ends it, the run row locked first): approvals still
 * open are cancelled, then steps waiting or running become `cancelled`, or `unknown` for a write that may have
 * reached its target. Shared by the runner's end and a cancellation.
 */
export async function closeRun(
  db: Queryable,
  runId: string,
  deps: Pick<RunnerDeps, 'repo' | 'approvals' | 'inDoubt'>,
  runSpec: PolicySpec | undefined,
  why: string,
  append: <E extends RunEventType>(type: E, data: RunEventMap[E], stepKey?: string) => Promise<unknown>,
): Promise<void> {
  await deps.approvals.cancelForRun(db, runId);
  for (const q of await new QuestionRepository().cancelForRun(db, runId)) {
    await append('question.answered', { questionId: q.id, stepId: q.step_key.split('.').pop() ?? q.step_key, status: 'cancelled', answer: null, by: null }, q.step_key);
  }
  const closed = await deps.repo.closeSteps(db, runId, (s) => deps.inDoubt.mayHaveRun(db, runId, s, runSpec));
  for (const { step, state } of closed) {
    if (state === 'unknown') await append('step.unknown', { stepId: step.step_id, tool: step.tool, reason: `${why} while the call was in flight; it may or may not have taken effect` }, step.step_key);
    else await append('step.cancelled', { stepId: step.step_id, reason: `${why} while the step was ${step.state === 'running' ? 'running' : 'waiting for approval'}` }, step.step_key);
  }
}

/** A finished step's value in the scope as the step produced it (an agent step's record holds more than its output). */
function replayed(step: Step, row: StepRow): unknown {
  if (step.kind !== 'agent') return row.output ?? null;
  if (row.state !== 'succeeded') return null;
  const o = (row.output ?? {}) as { answer?: string; output?: unknown };
  return step.output ? (o.output ?? null) : { answer: o.answer ?? '' };
}

/** Whether a template reads a step that was skipped (whose output is null). */
function readsSkipped(t: ValueTemplate, scope: Scope): boolean {
  return t.templates.some(({ template }) =>
    template.expressions.some(({ expression }) => expression.references().some((r) => r.root === 'steps' && scope.steps[r.path[0]!]?.status === 'skipped')),
  );
}
