import { setTimeout as sleep } from 'node:timers/promises';
import { ElicitResultSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/roles.js';
import { isStewardError } from '../common/errors.js';
import type { RequestChannel } from './approval-elicitation.js';
import type { StewardApi } from './steward-api.js';

const POLL_MS = 200;
const HEARTBEAT_MS = 5_000;
/** The longest a start call waits with `wait: true` (seconds). */
export const MAX_WAIT_SECONDS = 600;

/** Form-mode elicitation: `elicitation: {}` (2025-06-18: forms) or `elicitation: { form: {} }` (2025-11-25). */
export function supportsFormElicitation(caps: ClientCapabilities | undefined): boolean {
  const e = caps?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!e) return false;
  return e.form !== undefined || e.url === undefined;
}

type Schema = Record<string, unknown>;
const PRIMITIVE = new Set(['string', 'number', 'integer', 'boolean']);
const primitive = (s: unknown): boolean => {
  const x = s as Schema | undefined;
  if (!x || typeof x !== 'object') return false;
  if (Array.isArray(x.enum)) return x.enum.every((v) => typeof v === 'string');
  return typeof x.type === 'string' && PRIMITIVE.has(x.type);
};

/**
 * The form an MCP client can show for an answer schema: a flat object of strings, numbers, booleans and string
 * enums as it is; one such value wrapped as `{answer}`. Anything else (nested objects, arrays) has no form: the
 * question is answered in the console, the CLI or over REST.
 */
export function answerForm(schema: Schema): { requestedSchema: Schema; unwrap: (content: Record<string, unknown>) => unknown } | undefined {
  if (primitive(schema)) {
    const answer = Array.isArray(schema.enum) && schema.type === undefined ? { type: 'string', ...schema } : schema;
    return { requestedSchema: { type: 'object', properties: { answer }, required: ['answer'] }, unwrap: (c) => c.answer };
  }
  const props = schema.properties as Record<string, Schema> | undefined;
  if (schema.type === 'object' && props && Object.values(props).every(primitive)) {
    return { requestedSchema: { type: 'object', properties: props, ...(Array.isArray(schema.required) && { required: schema.required }) }, unwrap: (c) => c };
  }
  return undefined;
}

export interface WaitOutcome {
  run: Record<string, unknown>;
  /** What the wait saw: the run ended, parked on an approval or on a question with no form, or the wait ran out. */
  why: string;
  answered: string[];
}

/**
 * `steward.runs.start` with `wait`: follows the run to its end, for at most `waitSeconds`. A question the run asks is
 * sent to the client as a form (elicitation/create), and what the person enters is the answer (checked against the
 * question's schema like any answer); a run that waits for an approval, a declined form or a question with no form
 * ends the wait with the run as it stands (it waits in Steward, and the console, CLI or REST can go on).
 */
export async function followRun(opts: { api: StewardApi; runId: string; who: Principal; channel?: RequestChannel; forms: boolean; waitSeconds: number; progressToken?: string | number }): Promise<WaitOutcome> {
  const { api, runId, who, channel } = opts;
  const end = Date.now() + Math.min(opts.waitSeconds, MAX_WAIT_SECONDS) * 1000;
  const answered: string[] = [];
  const shown = new Set<string>();
  let beat = Date.now() + HEARTBEAT_MS;
  let progress = 0;
  // Polled by its row's state; the whole view (with its steps) is read once, for the answer.
  const stop = async (why: string): Promise<WaitOutcome> => ({ run: await api.run(runId, who), why, answered });
  for (;;) {
    const run = await api.readableRunRow(runId, who);
    if (!run || !['queued', 'running', 'awaiting_approval'].includes(run.state)) return stop(`the run ended ${run?.state ?? 'out of sight'}`);
    if (run.state === 'awaiting_approval') {
      const q = (await api.pendingQuestions(runId, who)).find((x) => !shown.has(x.id));
      if (!q && (await api.pendingApprovalCount(runId)) > 0) return stop('the run waits for an approval (decided by a person in Steward: console, CLI or REST)');
      // (Neither: an answer or a decision is in and the run is about to go on.)
      if (q) {
        shown.add(q.id);
        const form = answerForm(q.schema);
        if (!form || !opts.forms || !channel) return stop(`the run waits for an answer to question ${q.id}: ${form ? 'this client takes no forms' : 'its answer has no form'}; answer it in the console, with steward answer, or POST /questions/${q.id}`);
        const result = await channel
          .sendRequest({ method: 'elicitation/create', params: { mode: 'form', message: q.question, requestedSchema: form.requestedSchema } }, ElicitResultSchema, { timeout: Math.max(1, end - Date.now()), signal: channel.signal })
          .catch((e: unknown) => ({ action: 'error', error: (e as Error).message }));
        if (result.action !== 'accept') {
          return stop(`the person did not answer question ${q.id} here (${result.action === 'error' ? (result as { error: string }).error : result.action}); it waits in Steward`);
        }
        try {
          await api.answerQuestion(q.id, form.unwrap(((result as { content?: Record<string, unknown> }).content ?? {})), who);
          answered.push(q.id);
        } catch (e) {
          if (!isStewardError(e)) throw e;
          return stop(`the answer to question ${q.id} was refused (${e.code}: ${e.message}); it waits in Steward`);
        }
        continue;
      }
    }
    if (Date.now() >= end) return stop(`still ${run.state} after ${opts.waitSeconds} s`);
    if (channel?.signal.aborted) return stop('the call was cancelled (the run goes on)');
    if (opts.progressToken !== undefined && channel && Date.now() >= beat) {
      beat = Date.now() + HEARTBEAT_MS;
      await channel.sendNotification({ method: 'notifications/progress', params: { progressToken: opts.progressToken, progress: ++progress, message: `run ${runId} is ${run.state}` } }).catch(() => undefined);
    }
    await sleep(POLL_MS, undefined, { signal: channel?.signal }).catch(() => undefined);
  }
}
