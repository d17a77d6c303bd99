import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { hasRole, ROLES, type Principal, type Role } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { compileSchema, formatAjvErrors } from '../common/json-schema.js';
import { iso } from '../common/time.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { RunEventsService } from '../runs/run-events.service.js';
import type { RunEvent } from '../runs/run.types.js';
import type { Store } from '../store/store.types.js';
import { retryingTransaction } from '../store/transaction-retry.js';
import { QuestionRepository } from './question.repository.js';
import { QUESTION_SETTLED, type QuestionRow, type QuestionStatus } from './question.types.js';

/** The stepId a question's events carry: the last segment of its step key (an agent call: the agent's call id). */
const stepIdOf = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/**
 * Questions runs ask: the inbox, answers (who may answer, the answer valid against the question's schema, once), and
 * expiry. An answer or an expiry is a run event and a QUESTION_SETTLED on the bus, which resumes the run.
 */
@Injectable()
export class QuestionsService implements OnModuleInit, OnModuleDestroy {
  private readonly repo = new QuestionRepository();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RunEventsService) private readonly events: RunEventsService,
    @Inject(EventEmitter2) private readonly bus: EventEmitter2,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.expireDue().catch((e: unknown) => this.logger.error({ err: e }, 'question expiry sweep failed')), 1000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  list(filter: { status?: QuestionStatus; runId?: string; limit: number }): Promise<QuestionRow[]> {
    return this.repo.list(this.store, filter);
  }

  async get(id: string): Promise<QuestionRow> {
    const q = await this.repo.get(this.store, id);
    if (!q) throw new StewardError('QUESTION_NOT_FOUND', `question ${id} does not exist`);
    return q;
  }

  /** Whether `who` may answer: the `from` list when the question has one, else its run's requester or any operator+. */
  mayAnswer(q: Pick<QuestionRow, 'answer_from' | 'asked_by'>, who: Principal): boolean {
    if (q.answer_from) return q.answer_from.some((f) => f === who.name || ((ROLES as readonly string[]).includes(f) && hasRole(who, f as Role)));
    return who.name === q.asked_by || hasRole(who, 'operator');
  }

  async answer(id: string, answer: unknown, who: Principal): Promise<QuestionRow> {
    const q = await this.get(id);
    if (!this.mayAnswer(q, who)) {
      const whom = q.answer_from ? `only ${q.answer_from.join(', ')}` : `its run's requester (${q.asked_by}) or an operator`;
      throw new StewardError('AUTH_FORBIDDEN', `"${who.name}" (${who.role}) may not answer question ${id}: ${whom} may`);
    }
    const validate = compileSchema(q.answer_schema);
    if (!validate(answer)) {
      const errors = formatAjvErrors(validate.errors ?? [], undefined, 'answer');
      throw new StewardError('QUESTION_ANSWER_INVALID', `the answer to question ${id} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
    }
    const { row, events } = await retryingTransaction(this.store, async (tx) => {
      // The run first, then its question: the order a cancellation and a run's end take.
      await tx.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [q.run_id]);
      const locked = await this.repo.lock(tx, id);
      if (locked?.status !== 'pending') throw new StewardError('QUESTION_NOT_PENDING', `question ${id} is ${locked?.status ?? 'gone'}; only a pending question can be answered`);
      const done = await this.repo.answer(tx, id, answer, who.name);
      if (!done) throw new StewardError('QUESTION_NOT_PENDING', `question ${id} expired at ${iso(locked.expires_at)}; it can no longer be answered`);
      const e = await this.events.append(tx, q.run_id, 'question.answered', { questionId: id, stepId: stepIdOf(q.step_key), status: 'answered', answer: done.answer, by: who.name }, q.step_key);
      return { row: done, events: [e] as RunEvent[] };
    });
    this.events.publish(events);
    this.logger.info({ question: id, run: row.run_id, by: who.name }, 'question answered');
    this.bus.emit(QUESTION_SETTLED, row);
    return row;
  }

  /** Pending questions past their expiry become `expired`; their runs resume and end `expired` (fails closed). */
  async expireDue(): Promise<number> {
    // One cheap read a second; the locking transaction only when something is due (on the embedded store every
    // statement runs on the event loop, and SSE delivery shares it).
    const due = await this.store.query(`SELECT 1 FROM questions WHERE status = 'pending' AND expires_at <= now() LIMIT 1`);
    if (due.rows.length === 0) return 0;
    const { rows, evs } = await retryingTransaction(this.store, async (tx) => {
      await tx.query(`SELECT 1 FROM runs WHERE id IN (SELECT run_id FROM questions WHERE status = 'pending' AND expires_at <= now()) ORDER BY id FOR UPDATE`);
      const expired = await this.repo.expireDue(tx);
      const appended: RunEvent[] = [];
      for (const r of expired) appended.push(await this.events.append(tx, r.run_id, 'question.answered', { questionId: r.id, stepId: stepIdOf(r.step_key), status: 'expired', answer: null, by: null }, r.step_key));
      return { rows: expired, evs: appended };
    });
    this.events.publish(evs);
    for (const r of rows) {
      this.logger.warn({ question: r.id, run: r.run_id }, 'question expired unanswered');
      this.bus.emit(QUESTION_SETTLED, r);
    }
    return rows.length;
  }
}

export const toQuestionView = (q: QuestionRow) => ({
  id: q.id,
  runId: q.run_id,
  stepKey: q.step_key,
  question: q.question,
  schema: q.answer_schema,
  from: q.answer_from,
  askedBy: q.asked_by,
  status: q.status,
  answer: q.answer ?? null,
  answeredBy: q.answered_by,
  answeredAt: iso(q.answered_at),
  createdAt: iso(q.created_at),
  expiresAt: iso(q.expires_at),
});
