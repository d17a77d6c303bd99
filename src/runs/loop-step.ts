import { ROUND } from '../playbooks/playbook.steps.js';
import type { LoopStep, Step } from '../playbooks/playbook.types.js';
import { ExpressionError } from '../playbooks/expression.js';
import { type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { RunnerDeps } from './runner.js';

export const MAX_ROUNDS = 100;

type RunChild = (child: Step, scope: Scope, key: string) => Promise<StepScopeEntry>;

/**
 * A loop step: its steps run in rounds, child keys `<key>[<n>].<child>` (so a restarted run replays finished rounds
 * from their rows, like a foreach), until `until` holds after a round, `maxRounds` rounds ran, or the step's
 * `timeout` (counted from the loop's first start, persisted) has passed before a new round. Inside a round: `round`
 * (0-based), the round's `steps.<child>`, and the earlier rounds as `steps.<loop>.output`. Output: one map per round.
 * A dry run walks round 0 only (what later rounds do depends on outputs a dry run does not have).
 */
export async function runLoopStep(ctx: RunContext, deps: Pick<RunnerDeps, 'repo'>, step: LoopStep, scope: Scope, key: string, runChild: RunChild): Promise<StepScopeEntry> {
  const max = maxRoundsOf(step, scope);
  const row = ctx.rows.get(key);
  const startedAt = row?.started_at ? new Date(row.started_at).getTime() : Date.now();
  if (!row) {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'loop', state: 'running', started: true });
      await append('step.started', { stepId: step.id, kind: 'loop', attempt: 1 }, key);
    });
  }
  const last = ctx.run.dry_run ? 1 : max;
  const rounds: Record<string, StepScopeEntry>[] = [];
  let stoppedBy: 'until' | 'maxRounds' | 'timeout' | 'dry run' = ctx.run.dry_run ? 'dry run' : 'maxRounds';
  for (let n = 0; n < last; n++) {
    if (n > 0 && step.timeoutMs !== undefined && Date.now() - startedAt >= step.timeoutMs && !ctx.rows.has(`${key}[${n}].${step.steps[0]!.id}`)) {
      stoppedBy = 'timeout';
      break;
    }
    const message = ctx.run.dry_run ? `dry run: round 1 only (of at most ${max}); later rounds depend on outputs a dry run does not have` : `round ${n + 1} of at most ${max}`;
    if (!ctx.rows.has(`${key}[${n}].${step.steps[0]!.id}`)) await ctx.emit('step.progress', { stepId: step.id, progress: n + 1, total: max, message }, key);
    const round: Scope = { ...scope, [ROUND]: n, steps: { ...scope.steps, [step.id]: { output: [...rounds], status: 'running', error: null } } };
    const results: Record<string, StepScopeEntry> = {};
    for (const child of step.steps) round.steps[child.id] = results[child.id] = await runChild(child, round, `${key}[${n}].${child.id}`);
    rounds.push(results);
    if (!ctx.run.dry_run && step.until?.test(round)) {
      stoppedBy = 'until';
      break;
    }
  }
  const output = { rounds: rounds.length, stoppedBy };
  if (!row || row.state === 'running') {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'loop', state: 'succeeded', output, started: true, finished: true });
      await append('step.succeeded', { stepId: step.id, output, durationMs: Date.now() - startedAt }, key);
    });
  }
  return { output: rounds, status: 'succeeded', error: null };
}

/** maxRounds as rendered; an ExpressionError (the step fails with EXPRESSION_ERROR) when it is no whole number in range. */
function maxRoundsOf(step: LoopStep, scope: Scope): number {
  const v = step.maxRounds.render(scope);
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_ROUNDS) throw new ExpressionError(`loop.maxRounds must be a whole number from 1 to ${MAX_ROUNDS}; got ${JSON.stringify(v)}`, String(v));
  return n;
}
