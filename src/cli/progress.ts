import type { RunEvent, RunEventMap, RunEventType } from '../runs/run.types.js';
import { planView, renderPlanText } from '../plans/plan-view.js';
import { safe } from './io.js';

export interface ProgressStyle {
  /** How to decide an approval from here (shown on `approval.requested`), or undefined for no hint. */
  approveHint?: (approvalId: string) => string | undefined;
  /** ANSI colours in plans (a terminal without NO_COLOR). */
  color?: boolean;
}

/** A step's plan under its event line, aligned with the step column. */
const planBlock = (plan: unknown, s: ProgressStyle) => `\n${renderPlanText(planView(plan), { color: s.color === true, indent: 14 }).trimEnd()}`;

const pad2 = (n: number) => String(n).padStart(2, '0');
const clock = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '--:--:--.---' : `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};
const ms = (n: number | undefined) => (typeof n === 'number' ? ` (${n} ms)` : '');
const err = (e: { code: string; message: string } | undefined) => (e ? `${safe(e.code)}: ${safe(e.message)}` : '');

type Describe = { [T in RunEventType]: (d: RunEventMap[T], style: ProgressStyle, e: RunEvent<T>) => string };

const DESCRIBE: Describe = {
  'run.queued': (d, _s, e) => `queued ${e.runId}: ${safe(d.playbook ?? 'ad-hoc')} by ${safe(d.requestedBy)}${d.dryRun ? ' (dry run)' : ''}`,
  'run.started': () => 'started',
  'run.state': (d) => `${d.from} -> ${d.to}${d.reason ? `: ${safe(d.reason)}` : ''}`,
  'run.finished': (d) => `${d.state}${d.reason ? `: ${safe(d.reason)}` : ''}`,
  'run.plan_ready': (d) => `plan of ${d.steps.length} write step(s) ready${d.approvalId ? `; one approval of the whole plan: ${safe(d.approvalId)}` : '; no step needs an approval'}`,
  'step.started': (d) => `started${d.tool ? ` ${safe(d.tool)}` : ` (${safe(d.kind)})`}${d.attempt > 1 ? ` attempt ${d.attempt}` : ''}`,
  'step.progress': (d) => `progress ${d.total ? `${d.progress}/${d.total}` : String(d.progress)}${d.message ? ` ${safe(d.message)}` : ''}`,
  'step.plan': (d, s) => `plan ${safe(d.tool)}: ${d.outcome}${planBlock(d.plan, s)}`,
  'step.succeeded': (d) => `succeeded${ms(d.durationMs)}`,
  'step.failed': (d) => `failed ${err(d.error)}${ms(d.durationMs)}${d.continued ? ', continuing' : ''}`,
  'step.skipped': (d) => `skipped: ${safe(d.reason)}`,
  'step.retry': (d) => `retry after attempt ${d.attempt} in ${d.delayMs} ms: ${err(d.error)}`,
  'step.unknown': (d) => `unknown outcome${d.tool ? ` of ${safe(d.tool)}` : ''}: ${safe(d.reason)}`,
  'step.cancelled': (d) => `cancelled: ${safe(d.reason)}`,
  'approval.requested': (d, s) => {
    const hint = s.approveHint?.(d.approvalId);
    return `waiting for approval ${safe(d.approvalId)}${d.message ? `: ${safe(d.message)}` : ''} (expires ${safe(d.expiresAt)})${hint ? `; decide: ${hint}` : ''}`;
  },
  'approval.decided': (d) => `approval ${safe(d.approvalId)}: ${safe(d.decision)} by ${safe(d.by)} -> ${safe(d.status)}${d.comment ? ` "${safe(d.comment)}"` : ''}`,
  'approval.expired': (d) => `approval ${safe(d.approvalId)} expired`,
  'question.asked': (d) => `waiting for an answer to question ${safe(d.questionId)}: ${safe(d.question)} (expires ${safe(d.expiresAt)}); answer: steward answer ${safe(d.questionId)} <value>`,
  'question.answered': (d) => (d.status === 'answered' ? `question ${safe(d.questionId)} answered by ${safe(d.by ?? '?')}: ${safe(JSON.stringify(d.answer))}` : `question ${safe(d.questionId)} ${safe(d.status)} unanswered`),
  'agent.model': (d) =>
    d.phase === 'start'
      ? `model call ${d.call}${d.purpose ? ` (${d.purpose})` : ''}`
      : `model call ${d.call} ${d.error ? `failed: ${safe(d.error)}` : `done: ${d.usage?.total ?? 0} tokens, ${d.toolCalls ?? 0} tool call(s)`}${ms(d.latencyMs)}`,
  'agent.proposed': (d) => `model proposes ${safe(d.tool)}${d.effect && d.effect !== 'read' ? ` (${d.effect})` : ''} ${safe(d.args)}`,
  'agent.result': (d) => `${safe(d.tool)} ${d.ok ? 'ok' : `failed ${err(d.error)}`}${d.count !== undefined ? `, ${d.count} item(s)` : ''}${d.shared ? '' : ' (not shown to the model)'}`,
  'agent.delta': (d) => `model writes: ${safe(d.text)}`,
  'agent.answer': (d) => `answer: ${safe(d.text)}`,
  finding: (d) => `finding ${safe(d.severity)} ${safe(d.check)}${d.asset ? ` [${safe(d.asset)}]` : ''}: ${safe(d.message)}`,
};

/** One line per event: `HH:MM:SS.mmm  <step or run>  <what happened>`. */
export function formatEvent(e: RunEvent, style: ProgressStyle = {}): string {
  const describe = DESCRIBE[e.type] as ((d: unknown, s: ProgressStyle, e: RunEvent) => string) | undefined;
  const what = describe ? describe(e.data, style, e) : `${safe(e.type)} ${safe(e.data)}`;
  return `${clock(e.at)}  ${safe(e.stepKey ?? 'run').padEnd(10)}  ${what}`;
}

/**
 * Prints --follow's lines, with the model's streamed text written as it arrives: the first `agent.delta` of a model
 * call opens a line (`HH:MM:SS.mmm  step  model writes: `) and the next ones continue it, until any other event
 * closes it. (Control characters in the text are escaped as everywhere else; newlines the model writes are kept.)
 */
export class EventPrinter {
  private open: string | undefined;

  constructor(
    private readonly out: (text: string) => void,
    private readonly style: ProgressStyle = {},
  ) {}

  print(e: RunEvent): void {
    if (e.type === 'agent.delta') {
      const d = e.data as RunEventMap['agent.delta'];
      const key = `${e.stepKey ?? ''}#${d.call}`;
      const text = d.text.split('\n').map((l) => safe(l)).join('\n');
      if (this.open === key) return this.out(text);
      this.end();
      this.open = key;
      return this.out(`${clock(e.at)}  ${safe(e.stepKey ?? 'run').padEnd(10)}  model writes: ${text}`);
    }
    this.end();
    this.out(`${formatEvent(e, this.style)}\n`);
  }

  /** Closes a streamed line still open (call once the events end). */
  end(): void {
    if (this.open !== undefined) this.out('\n');
    this.open = undefined;
  }
}

/** The closing lines of a run: its outcome and outputs. */
/** With --json: an event as one JSON line. */
export const jsonLine = (v: unknown): string => `${JSON.stringify(v)}\n`;

/** The outcome line: text, or with --json one JSON object {runId, state, reason, outputs}. */
export const outcome = (json: boolean | undefined, runId: string, state: string, reason?: string | null, outputs?: Record<string, unknown> | null): string =>
  json ? jsonLine({ runId, state, reason: reason ?? null, outputs: outputs ?? null }) : formatOutcome(runId, state, reason, outputs);

export function formatOutcome(runId: string, state: string, reason?: string | null, outputs?: Record<string, unknown> | null): string {
  const lines = [`run ${runId} ${state}${reason ? `: ${safe(reason)}` : ''}`];
  if (outputs && Object.keys(outputs).length) lines.push(`outputs: ${safe(outputs)}`);
  return `${lines.join('\n')}\n`;
}
