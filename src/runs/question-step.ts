import type { ApprovalService } from '../approvals/approval.service.js';
import { QuestionRepository } from '../questions/question.repository.js';
import type { AskStep } from '../playbooks/playbook.types.js';
import type { Store } from '../store/store.types.js';
import { iso } from '../common/time.js';
import { EndRun, Park, type RunContext, type Scope, type StepScopeEntry } from './run-context.js';
import type { RunRepository } from './run.repository.js';

export interface QuestionDeps {
  store: Store;
  repo: RunRepository;
  approvals: Pick<ApprovalService, 'policyFor'>;
}

/** What a question asks: the step key it waits at (a playbook step, or an agent's call `<agent>.<callId>`). */
export interface QuestionSpec {
  key: string;
  stepId: string;
  question: string;
  schema: Record<string, unknown>;
  from?: string[];
  /** Default: the run's environments' approval expiry. */
  expiresMs?: number;
  /** The step row's kind and input while it waits (an agent call keeps its tool name there). */
  row?: { kind: string; tool?: string; input?: unknown };
}

export interface Answer {
  answer: unknown;
  answeredBy: string;
  answeredAt: string;
}

const questions = new QuestionRepository();

/**
 * Asks once, then parks the run (state awaiting_approval, its reason naming the question); when the question is answered
 * the run resumes (QUESTION_SETTLED) and this returns the answer. An expired question ends the run `expired`, as an
 * approval does; a cancelled one (the run was cancelled) ends it `cancelled`.
 */
export async function awaitAnswer(ctx: RunContext, deps: QuestionDeps, spec: QuestionSpec): Promise<Answer> {
  const asked = await questions.of(deps.store, ctx.run.id, spec.key);
  if (asked) {
    if (asked.status === 'pending') throw new Park(`step ${spec.key} waits for an answer to question ${asked.id}`);
    if (asked.status === 'answered') return { answer: asked.answer, answeredBy: asked.answered_by ?? '', answeredAt: iso(asked.answered_at) ?? '' };
    if (asked.status === 'expired') throw new EndRun('expired', `question ${asked.id} (step ${spec.key}) expired unanswered`);
    throw new EndRun('cancelled', `question ${asked.id} (step ${spec.key}) was ${asked.status}`);
  }
  const expiresMs = spec.expiresMs ?? (await deps.approvals.policyFor(ctx.run.environments, ctx.run.id)).expiresAfterMs;
  const q = await ctx.tx(async (db, append) => {
    const base = { step_id: spec.stepId, kind: spec.row?.kind ?? 'ask', ...(spec.row?.tool && { tool: spec.row.tool }), input: spec.row?.input ?? { question: spec.question } };
    await deps.repo.upsertStep(db, ctx.run.id, spec.key, { ...base, state: 'running', started: true });
    await append('step.started', { stepId: spec.stepId, kind: base.kind, attempt: 1 }, spec.key);
    const { row } = await questions.ask(db, { runId: ctx.run.id, stepKey: spec.key, question: spec.question, schema: spec.schema, from: spec.from, askedBy: ctx.run.requested_by, expiresAt: new Date(Date.now() + expiresMs) });
    await deps.repo.upsertStep(db, ctx.run.id, spec.key, { ...base, state: 'awaiting_approval' });
    await append('question.asked', { questionId: row.id, stepId: spec.stepId, question: row.question, schema: row.answer_schema, from: row.answer_from, expiresAt: iso(row.expires_at)! }, spec.key);
    return row;
  });
  ctx.logger.info({ question: q.id, step: spec.key }, 'question asked; the run waits for an answer');
  throw new Park(`step ${spec.key} waits for an answer to question ${q.id}`);
}

/**
 * A playbook `ask` step: its output is `{ answer, answeredBy, answeredAt }`. In a dry run nobody is asked: the step
 * is skipped (its output null), as an approval step is.
 */
export async function runAskStep(ctx: RunContext, deps: QuestionDeps, step: AskStep, scope: Scope, key: string): Promise<StepScopeEntry> {
  if (ctx.run.dry_run) {
    await ctx.tx(async (db, append) => {
      await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'ask', state: 'skipped', dry_run: 'unknown', finished: true });
      await append('step.skipped', { stepId: step.id, reason: 'dry run: a real run would ask a person here and wait for the answer' }, key);
    });
    return { output: null, status: 'skipped', error: null };
  }
  const question = step.question.renderText(scope);
  const output = await awaitAnswer(ctx, deps, { key, stepId: step.id, question, schema: step.answer, ...(step.from && { from: step.from }), ...(step.expiresMs && { expiresMs: step.expiresMs }) });
  await ctx.tx(async (db, append) => {
    await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'ask', state: 'succeeded', output, finished: true });
    await append('step.succeeded', { stepId: step.id, output, durationMs: 0 }, key);
  });
  return { output, status: 'succeeded', error: null };
}
