import { ROUND } from '../playbooks/playbook.steps.js';
import { LOOP_BUDGET_KEYS, type LoopBudgetKey, type LoopStep, type Step } from '../playbooks/playbook.types.js';
import { ExpressionError } from '../playbooks/expression.js';
import type { Queryable } from '../store/store.types.js';
import { LOOP_BUDGET_SPENT, type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { RunnerDeps } from './runner.js';

export const MAX_ROUNDS = 100;

type RunChild = (child: Step, scope: Scope, key: string) => Promise<StepScopeEntry>;

export type LoopUsage = Record<LoopBudgetKey, number>;
export type LoopBudget = Partial<LoopUsage>;

/** The budgets of the loops a step runs in (innermost last), in the scope under a key expressions cannot see. */
export const LOOP_BUDGETS: unique symbol = Symbol('loop budgets');
export interface ActiveBudget {
  /** The loop step's key: its agent steps are the rows `<key>[<n>]…` of kind agent. */
  key: string;
  budget: LoopBudget;
}
export const budgetsOf = (scope: Scope): readonly ActiveBudget[] => ((scope as Record<symbol, unknown>)[LOOP_BUDGETS] as ActiveBudget[] | undefined) ?? [];

const BUDGET_MAX: LoopUsage = { modelCalls: 1_000_000, tokens: 1_000_000_000, toolCalls: 1_000_000 };
const NOUN: Record<LoopBudgetKey, string> = { modelCalls: 'model calls', tokens: 'tokens', toolCalls: 'tool calls' };

/**
 * A loop step: its steps run in rounds, child keys `<key>[<n>].<child>` (so a restarted run replays finished rounds
 * from their rows, like a foreach), until `until` holds after a round, `maxRounds` rounds ran, the step's `timeout`
 * (counted from the loop's first start, persisted) has passed before a new round, or its `budget` is spent.
 * Inside a round: `round` (0-based), the round's `steps.<child>`, and the earlier rounds as `steps.<loop>.output`.
 * Output: one map per round.
 * A dry run walks round 0 only (what later rounds do depends on outputs a dry run does not have).
 *
 * The budget counts what the loop's agent steps used, from their persisted rows (a restart neither resets it nor
 * counts twice): a round starts only while every counted quantity is below its budget; each agent step's limits are
 * capped by what is left (runner's agent step); an agent that runs out fails with LOOP_BUDGET_SPENT. The round then
 * finishes: its later agent steps are skipped (LOOP_BUDGET_SPENT, nothing left), its other steps run (what the
 * agents that finished found is still written), `until` is not read, and the loop ends successfully with stoppedBy
 * "budget". The same rows decide it again when a restarted run replays.
 */
export async function runLoopStep(ctx: RunContext, deps: Pick<RunnerDeps, 'repo' | 'store'>, step: LoopStep, scope: Scope, key: string, runChild: RunChild): Promise<StepScopeEntry> {
  const max = maxRoundsOf(step, scope);
  const budget = step.budget && !ctx.run.dry_run ? budgetOf(step, scope) : undefined;
  const row = ctx.rows.get(key);
  const startedAt = row?.started_at ? new Date(row.started_at).getTime() : Date.now();
  if (!row) {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'loop', state: 'running', started: true });
      await append('step.started', { stepId: step.id, kind: 'loop', attempt: 1 }, key);
    });
  }
  const inner: Scope = budget ? ({ ...scope, [LOOP_BUDGETS]: [...budgetsOf(scope), { key, budget }] } as Scope) : scope;
  const last = ctx.run.dry_run ? 1 : max;
  const rounds: Record<string, StepScopeEntry>[] = [];
  let stoppedBy = (ctx.run.dry_run ? 'dry run' : 'maxRounds') as 'until' | 'maxRounds' | 'timeout' | 'budget' | 'dry run';
  for (let n = 0; n < last && stoppedBy !== 'budget'; n++) {
    // Begun before a restart: some row of the round exists (a foreach child writes its own row only when it ends).
    const prefix = `${key}[${n}].`;
    const fresh = ![...ctx.rows.keys()].some((k) => k.startsWith(prefix));
    if (n > 0 && step.timeoutMs !== undefined && Date.now() - startedAt >= step.timeoutMs && fresh) {
      stoppedBy = 'timeout';
      break;
    }
    if (budget && fresh) {
      const spent = spentOf(budget, await loopUsage(deps.store, ctx.run.id, key));
      if (spent) {
        stoppedBy = 'budget';
        await ctx.emit('step.progress', { stepId: step.id, progress: n, total: max, message: `budget spent before round ${n + 1}: ${spent}` }, key);
        break;
      }
    }
    const message = ctx.run.dry_run ? `dry run: round 1 only (of at most ${max}); later rounds depend on outputs a dry run does not have` : `round ${n + 1} of at most ${max}`;
    if (fresh) await ctx.emit('step.progress', { stepId: step.id, progress: n + 1, total: max, message }, key);
    const round: Scope = { ...inner, [ROUND]: n, steps: { ...scope.steps, [step.id]: { output: [...rounds], status: 'running', error: null } } };
    const results: Record<string, StepScopeEntry> = {};
    for (const child of step.steps) {
      const entry = await runChild(child, round, `${key}[${n}].${child.id}`);
      round.steps[child.id] = results[child.id] = entry;
      if (budget && stoppedBy !== 'budget' && entry.error?.code === LOOP_BUDGET_SPENT) {
        stoppedBy = 'budget';
        if (!ctx.rows.has(`${key}[${n}].${child.id}`)) await ctx.emit('step.progress', { stepId: step.id, progress: n + 1, total: max, message: `budget spent in round ${n + 1} at ${child.id}: ${entry.error.message}` }, key);
      }
    }
    rounds.push(results);
    if (stoppedBy === 'budget') break;
    if (!ctx.run.dry_run && step.until?.test(round)) {
      stoppedBy = 'until';
      break;
    }
  }
  const output = { rounds: rounds.length, stoppedBy, ...(budget && { budget, used: await loopUsage(deps.store, ctx.run.id, key) }) };
  if (!row || row.state === 'running') {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'loop', state: 'succeeded', output, started: true, finished: true });
      await append('step.succeeded', { stepId: step.id, output, durationMs: Date.now() - startedAt }, key);
    });
  }
  return { output: rounds, status: 'succeeded', error: null };
}

/**
 * What the agent steps of the loop `loopKey` used together, from their rows (`except`: one agent's own row, whose
 * usage its runtime counts itself).
 */
export async function loopUsage(db: Queryable, runId: string, loopKey: string, except?: string): Promise<LoopUsage> {
  const r = await db.query<{ model_calls: string; tokens: string; tool_calls: string }>(
    `SELECT COALESCE(sum((output->'usage'->>'modelCalls')::bigint), 0) AS model_calls,
            COALESCE(sum((output->'usage'->>'tokens')::bigint), 0) AS tokens,
            COALESCE(sum((output->'usage'->>'toolCalls')::bigint), 0) AS tool_calls
       FROM run_steps WHERE run_id = $1 AND kind = 'agent' AND starts_with(step_key, $2) AND step_key <> $3`,
    [runId, `${loopKey}[`, except ?? ''],
  );
  const u = r.rows[0]!;
  return { modelCalls: Number(u.model_calls), tokens: Number(u.tokens), toolCalls: Number(u.tool_calls) };
}

/**
 * What an agent step at `agentKey` may still use: for each quantity the least left under the budgets of the loops it
 * runs in (its own earlier usage not subtracted: its runtime counts that), or undefined when no loop sets one.
 */
export async function budgetLeft(db: Queryable, runId: string, budgets: readonly ActiveBudget[], agentKey: string): Promise<LoopBudget | undefined> {
  if (budgets.length === 0) return undefined;
  const left: LoopBudget = {};
  for (const b of budgets) {
    const used = await loopUsage(db, runId, b.key, agentKey);
    for (const k of LOOP_BUDGET_KEYS) {
      const cap = b.budget[k];
      if (cap !== undefined) left[k] = Math.min(left[k] ?? Infinity, Math.max(0, cap - used[k]));
    }
  }
  return left;
}

/** What an agent step has nothing left of ("model calls, tokens"), or undefined. */
export function nothingLeft(left: LoopBudget | undefined): string | undefined {
  const gone = LOOP_BUDGET_KEYS.filter((k) => left?.[k] !== undefined && left[k] <= 0);
  return gone.length ? gone.map((k) => NOUN[k]).join(', ') : undefined;
}

/** What is spent ("40 of 40 model calls"), or undefined while every quantity is below its budget. */
export function spentOf(budget: LoopBudget, used: LoopUsage): string | undefined {
  const spent = LOOP_BUDGET_KEYS.filter((k) => budget[k] !== undefined && used[k] >= budget[k]!);
  return spent.length ? spent.map((k) => `${used[k]} of ${budget[k]} ${NOUN[k]}`).join(', ') : undefined;
}

/** maxRounds as rendered; an ExpressionError (the step fails with EXPRESSION_ERROR) when it is no whole number in range. */
function maxRoundsOf(step: LoopStep, scope: Scope): number {
  return wholeNumber(step.maxRounds.render(scope), 'loop.maxRounds', MAX_ROUNDS);
}

/** loop.budget as rendered: whole numbers from 1 to each quantity's most, else an ExpressionError naming the field. */
function budgetOf(step: LoopStep, scope: Scope): LoopBudget {
  const budget: LoopBudget = {};
  for (const k of LOOP_BUDGET_KEYS) {
    const t = step.budget?.[k];
    if (t !== undefined) budget[k] = wholeNumber(t.render(scope), `loop.budget.${k}`, BUDGET_MAX[k]);
  }
  return budget;
}

function wholeNumber(v: unknown, what: string, most: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > most) throw new ExpressionError(`${what} must be a whole number from 1 to ${most}; got ${JSON.stringify(v)}`, String(v));
  return n;
}
