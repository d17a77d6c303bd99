import type { toApprovalView } from '../approvals/approvals.controller.js';
import { renderAnyPlanText } from '../plans/plan-view.js';
import { safe } from './io.js';

/** An approval as the API shows it (GET /approvals), in-process or remote alike. */
export type ApprovalView = Pick<
  ReturnType<typeof toApprovalView>,
  'id' | 'status' | 'runId' | 'stepKey' | 'kind' | 'tool' | 'effect' | 'environments' | 'message' | 'requestedBy' | 'requiredApprovals' | 'expiresAt' | 'decisions'
> & { planFailure?: string | null; plan?: unknown };

/** The message, led by the plan's failure when it has one (such an approval cannot be approved). */
const note = (a: ApprovalView) => (a.planFailure ? `CANNOT BE APPROVED, ${a.planFailure}${a.message ? ` — ${a.message}` : ''}` : (a.message ?? ''));

const where = (a: ApprovalView) => (a.runId ? `${a.runId}${a.stepKey ? `/${a.stepKey}` : ''}` : '(mcp)');
const what = (a: ApprovalView) =>
  a.tool
    ? `${a.tool} (${a.effect ?? '?'})${a.environments && Object.keys(a.environments).length ? ` on ${Object.entries(a.environments).map(([r, e]) => `${r}=${e}`).join(',')}` : ''}`
    : a.kind;

/** A table of approvals: id, status, run/step, what, requested by, votes, expiry, message. */
export function formatApprovals(list: readonly ApprovalView[]): string {
  const rows = list.map((a) => [
    a.id,
    a.status,
    where(a),
    what(a),
    a.requestedBy,
    `${a.decisions.filter((d) => d.decision === 'approve').length}/${a.requiredApprovals}`,
    a.expiresAt ?? '',
    note(a),
  ].map(safe));
  const head = ['ID', 'STATUS', 'RUN/STEP', 'WHAT', 'REQUESTED BY', 'VOTES', 'EXPIRES', 'MESSAGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/**
 * The plan an approval decides, under a header naming it: `plan of apr_1 (demo.notes.write (write) on target=lab):`
 * then the plan (one tool's, or a run plan's steps), indented. An approval without a plan (an interrupted step) says so.
 */
export function formatApprovalPlan(a: ApprovalView, color = false): string {
  const about = a.kind === 'run_plan' ? `every write step of ${safe(a.runId ?? 'the run')}, approved once` : `${safe(what(a))}${a.stepKey ? `, step ${safe(a.stepKey)}` : ''}`;
  const head = `plan of ${safe(a.id)} (${about}):`;
  if (a.plan === undefined || (a.plan === null && a.kind !== 'tool')) return `${head} none (${safe(a.kind)})\n`;
  return `${head}\n${renderAnyPlanText(a.plan, { color, indent: 2 })}`;
}

/** The plans of the approvals that wait for a decision, one after the other (`steward approvals`). */
export function formatPendingPlans(list: readonly ApprovalView[], color = false): string {
  return list
    .filter((a) => a.status === 'pending')
    .map((a) => formatApprovalPlan(a, color))
    .join('\n');
}

/**
 * What to do about a run that parked in-process: the embedded store is locked by whichever process has it open,
 * so nothing continues the run until a process opens the store again and someone decides.
 */
export function inProcessApprovalHelp(runId: string, pending: readonly ApprovalView[], ctx: { requestedBy: string; serverUrl: string; storeKind: string }): string {
  const ids = pending.map((a) => a.id);
  const first = ids[0] ?? '<approval-id>';
  const lines = [
    `run ${runId} is waiting for approval; it stays awaiting_approval in the store and nothing continues it until a decision is made:`,
    ...pending.map((a) => `  ${safe(a.id)}  ${safe(a.planFailure ? note(a) : (a.message ?? what(a)))} (expires ${safe(a.expiresAt ?? '?')})`),
    `Decide through a daemon on this store (this process cannot wait for one: ${ctx.storeKind === 'pglite' ? 'the embedded store admits one process at a time' : 'it would wait unattended'}):`,
    `  steward serve    # then, with an approver's token:`,
    `  steward approve ${first} --server ${ctx.serverUrl} --token-file <file> [--comment "..."]`,
    `or in-process, as someone other than ${safe(ctx.requestedBy)} unless the policy allows self-approval (the run then continues in that process):`,
    `  steward approve ${first} [--comment "..."]`,
    `To follow runs through their approvals, start them on a daemon: steward run ... --server ${ctx.serverUrl} --follow`,
  ];
  return `${lines.join('\n')}\n`;
}
