import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Principal } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import type { RunEvent, RunEventMap } from '../runs/run.types.js';
import { answerForm } from './question-elicitation.js';
import type { StewardApi } from './steward-api.js';

/** The longest one form stays open on the client; unanswered, the question goes on waiting in Steward. */
export const SESSION_FORM_MAX_MS = 30 * 60_000;

/**
 * The questions of the runs a session started with `steward.runs.start` (without `wait`) are sent to that session's
 * client as forms when they are asked (elicitation/create on the session's own stream, not tied to a request), for
 * as long as the session lasts. What the person enters is the answer, checked like any answer (who may answer, the
 * schema). A declined or dismissed form, an answer refused, a question whose answer has no form, or a closed
 * session leave the question waiting in Steward (console, CLI, REST); a question answered there, or a run that
 * ends, withdraws the open form (the request is cancelled). Only clients that declared form elicitation are followed.
 */
export class SessionQuestionForms {
  private readonly runs = new Set<string>();
  /** Questions sent (or found to have no form): each is shown once. */
  private readonly shown = new Set<string>();
  /** The forms open on the client (question id → its run and how to withdraw it). */
  private readonly open = new Map<string, { runId: string; abort: AbortController }>();
  private off?: () => void;
  private closed = false;

  constructor(
    private readonly server: Server,
    private readonly api: StewardApi,
    private readonly who: Principal,
    private readonly log: Logger,
    private readonly maxOpenMs = SESSION_FORM_MAX_MS,
  ) {}

  /** Follows a run this session started: its questions (those already waiting too) come as forms. */
  follow(runId: string): void {
    if (this.closed) return;
    this.runs.add(runId);
    this.off ??= this.api.onRunEvent((e) => this.onEvent(e));
    // A question asked between the start and now was published before we listened.
    void this.api
      .pendingQuestions(runId, this.who)
      .then((qs) => qs.forEach((q) => this.show(runId, q.id, q.question, q.schema, undefined)))
      .catch((err: unknown) => this.log.debug({ err, run: runId }, 'pending questions not read'));
  }

  close(): void {
    this.closed = true;
    this.off?.();
    for (const o of this.open.values()) o.abort.abort();
    this.open.clear();
    this.shown.clear();
    this.runs.clear();
  }

  private onEvent(e: RunEvent): void {
    if (this.closed || !this.runs.has(e.runId)) return;
    if (e.type === 'question.asked') {
      const d = e.data as RunEventMap['question.asked'];
      this.show(e.runId, d.questionId, d.question, d.schema, d.expiresAt);
    } else if (e.type === 'question.answered') {
      this.withdraw((e.data as RunEventMap['question.answered']).questionId);
    } else if (e.type === 'run.finished') {
      this.runs.delete(e.runId);
      for (const o of this.open.values()) if (o.runId === e.runId) o.abort.abort();
    }
  }

  private withdraw(questionId: string): void {
    this.open.get(questionId)?.abort.abort();
  }

  private show(runId: string, id: string, question: string, schema: Record<string, unknown>, expiresAt: string | undefined): void {
    if (this.shown.has(id) || this.closed) return;
    const form = answerForm(schema);
    this.shown.add(id);
    if (!form) {
      this.log.info({ run: runId, question: id }, 'question not sent as a form: its answer has no form (nested values); it waits in Steward');
      return;
    }
    const left = expiresAt ? Date.parse(expiresAt) - Date.now() : this.maxOpenMs;
    const timeout = Math.max(1, Math.min(this.maxOpenMs, Number.isFinite(left) ? left : this.maxOpenMs));
    const abort = new AbortController();
    this.open.set(id, { runId, abort });
    void (async () => {
      let result: { action: string; content?: Record<string, unknown> };
      try {
        // Not tied to a request: the transport sends it on the session's standalone stream (GET /mcp).
        result = await this.server.request({ method: 'elicitation/create', params: { mode: 'form', message: question, requestedSchema: form.requestedSchema as never } }, ElicitResultSchema, { timeout, signal: abort.signal });
      } catch (err) {
        this.log.debug({ err, run: runId, question: id }, 'question form not answered here; it waits in Steward');
        return;
      } finally {
        this.open.delete(id);
      }
      if (result.action !== 'accept') {
        this.log.info({ run: runId, question: id, action: result.action }, 'question form not accepted; it waits in Steward');
        return;
      }
      try {
        await this.api.answerQuestion(id, form.unwrap(result.content ?? {}), this.who);
      } catch (err) {
        if (!isStewardError(err)) throw err;
        this.log.info({ run: runId, question: id, code: err.code, why: err.message }, 'answer from the form refused; the question waits in Steward');
      }
    })().catch((err: unknown) => this.log.warn({ err, run: runId, question: id }, 'question form failed'));
  }
}
