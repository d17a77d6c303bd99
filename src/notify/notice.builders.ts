import type { FindingSeverity } from '../config/config.types.js';
import { severityRank, type FindingsDiff } from '../findings/findings.types.js';
import type { RunRow } from '../runs/run.types.js';
import { consoleUrl } from '../console/links.js';
import { planView, totalsLine } from '../plans/plan-view.js';
import type { Notice } from './notice.js';

const MAX_ITEMS = 20;
const envText = (e: Record<string, string>) => Object.entries(e).map(([k, v]) => `${k}=${v}`).join(', ') || 'no environment';
/** A console page under notifications.publicUrl; none without it (a relative link means nothing in Slack). */
const link = (base: string | undefined, path: string) => (base ? consoleUrl(base, path) : undefined);
const runPage = (base: string | undefined, runId: string) => link(base, `/console/runs/${encodeURIComponent(runId)}`);

/** The totals of a plan (one tool's, or every step of a run plan), or undefined without one. */
function planSummary(plan: unknown): { line: string; plan: NonNullable<Notice['plan']> } | undefined {
  if (plan === null || plan === undefined) return undefined;
  const steps = (plan as { steps?: Array<{ plan?: unknown }> }).steps;
  const views = Array.isArray(steps) ? steps.map((s) => planView(s?.plan ?? null)) : [planView(plan)];
  const totals = { create: 0, update: 0, delete: 0, skip: 0, fail: 0 };
  for (const v of views) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += v.totals[k];
  const summary = Array.isArray(steps) ? `${steps.length} step(s)` : views[0].summary;
  const line = views.some((v) => v.planned) ? totalsLine(totals) : `Plan: ${views[0].summary}`;
  return { line, plan: { summary, totals } };
}

const runPart = (r: RunRow): NonNullable<Notice['run']> => ({
  id: r.id, playbook: r.playbook, state: r.state, reason: r.reason, scheduleId: r.schedule_id, environments: r.environments, requestedBy: r.requested_by,
});

export function runFailed(run: RunRow, at: string, publicUrl?: string): Notice {
  return {
    event: 'run.failed',
    at,
    title: `Run failed: ${run.playbook ?? 'ad-hoc run'} on ${envText(run.environments)}`,
    lines: [run.reason ?? 'no reason recorded', `Run ${run.id}${run.schedule_id ? ` (schedule ${run.schedule_id})` : ''}, requested by ${run.requested_by}.`],
    link: runPage(publicUrl, run.id),
    run: runPart(run),
  };
}

/**
 * An approval waits: what, where, until when, the plan's totals (`Plan: 2 to create, 1 to update, …`; a run plan's
 * over all its steps) and a link to the approval's console page, where the whole plan is read and decided.
 */
export function approvalRequested(run: RunRow, a: { approvalId: string; kind: string; stepId: string | null; tool?: string | null; message?: string | null; expiresAt: string }, at: string, publicUrl?: string, plan?: unknown): Notice {
  const summary = planSummary(plan);
  return {
    event: 'approval.requested',
    at,
    title: `Approval needed: ${a.message ?? a.tool ?? a.stepId ?? a.kind}`,
    lines: [
      `Run ${run.id} of ${run.playbook ?? 'an ad-hoc run'} on ${envText(run.environments)} waits for an approver${run.schedule_id ? ` (scheduled: ${run.schedule_id})` : ''}.`,
      ...(summary ? [summary.line] : []),
      `It expires at ${a.expiresAt} and is then not approved: the run ends expired.`,
      `Decide: POST /approvals/${a.approvalId} {"decision": "approve" | "reject"}`,
    ],
    link: link(publicUrl, `/console/approvals/${encodeURIComponent(a.approvalId)}`),
    run: runPart(run),
    ...(summary && { plan: summary.plan }),
    approval: { id: a.approvalId, kind: a.kind, stepId: a.stepId, tool: a.tool ?? null, message: a.message ?? null, expiresAt: a.expiresAt, status: 'pending' },
  };
}

export function approvalExpired(run: RunRow, a: { id: string; kind: string; step_key: string | null; tool: string | null; message: string | null; expires_at: Date }, at: string, publicUrl?: string): Notice {
  return {
    event: 'approval.expired',
    at,
    title: `Approval expired: ${a.message ?? a.tool ?? a.step_key ?? a.kind}`,
    lines: [`Nobody decided approval ${a.id} by ${new Date(a.expires_at).toISOString()}; run ${run.id} of ${run.playbook ?? 'an ad-hoc run'} ends expired (nothing was approved).`],
    link: runPage(publicUrl, run.id),
    run: runPart(run),
    approval: { id: a.id, kind: a.kind, stepId: a.step_key, tool: a.tool, message: a.message, expiresAt: new Date(a.expires_at).toISOString(), status: 'expired' },
  };
}

/** New findings at or above minSeverity, or undefined when there are none. */
export function newFindings(run: RunRow, diff: FindingsDiff, minSeverity: FindingSeverity, at: string, publicUrl?: string): Notice | undefined {
  const items = diff.new.filter((f) => severityRank(f.severity) >= severityRank(minSeverity));
  if (items.length === 0) return undefined;
  const shown = items.slice(0, MAX_ITEMS);
  return {
    event: 'findings.new',
    at,
    title: `${items.length} new finding${items.length === 1 ? '' : 's'} (${minSeverity} or worse): ${run.playbook ?? 'run'} on ${envText(run.environments)}`,
    lines: [
      ...shown.map((f) => `${f.severity}: ${f.check_id}${f.asset ? ` — ${f.asset}` : ''}: ${f.message}`),
      ...(items.length > shown.length ? [`…and ${items.length - shown.length} more`] : []),
      `Against ${diff.baselineRunId ? `run ${diff.baselineRunId}` : 'no earlier run'}: ${diff.new.length} new, ${diff.open.length} still open, ${diff.resolved.length} resolved.`,
    ],
    link: runPage(publicUrl, run.id),
    run: runPart(run),
    findings: {
      minSeverity,
      baselineRunId: diff.baselineRunId,
      counts: { new: diff.new.length, open: diff.open.length, resolved: diff.resolved.length },
      items: shown.map((f) => ({ fingerprint: f.fingerprint, check: f.check_id, severity: f.severity, environment: f.environment, asset: f.asset, message: f.message })),
      more: items.length - shown.length,
    },
  };
}
