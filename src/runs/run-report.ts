import type { ApprovalRow, DecisionRow } from '../approvals/approval.types.js';
import { failedChanges } from '../approvals/plan-failure.js';
import { planView, renderPlanMarkdown } from '../plans/plan-view.js';
import type { RunRow, StepRow } from './run.types.js';
import { iso } from '../common/time.js';
import type { QuestionRow } from '../questions/question.types.js';

export interface FindingRow {
  step_key: string;
  fingerprint: string;
  check_id: string;
  severity: string;
  environment: string | null;
  asset: string | null;
  message: string;
}

/** Optional section: the run's findings against its baseline run (src/findings), by fingerprint. */
export interface ReportFindingsDiff {
  baselineRunId: string | null;
  complete: boolean;
  new: { fingerprint: string; check_id: string; severity: string; asset: string | null; message: string }[];
  open: { fingerprint: string; check_id: string; severity: string; asset: string | null; message: string }[];
  resolved: { fingerprint: string; check_id: string; severity: string; asset: string | null; message: string }[];
}

const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];
const ms = (a: Date | null, b: Date | null) => (a && b ? new Date(b).getTime() - new Date(a).getTime() : null);

export interface FailedAsset {
  step: string;
  /** The asset as the tool names it: `dashboard 5f1c… "Sales"`, `user ann@example.com`. */
  asset: string;
  reason: string | null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length ? v : undefined);

/**
 * Every asset that failed, in step order: a dry run's `fail` changes, and the per-item outcomes a tool reports in its
 * output or its error's detail — `results: [{asset, kind?, status: 'failed', reason}]` (a migration),
 * `failed: [{target, detail}]` (a refused plan), `assets: [{asset, kind?, missing}]` (missing prerequisites).
 */
export function failedAssets(steps: StepRow[]): FailedAsset[] {
  const out: FailedAsset[] = [];
  for (const s of steps) {
    for (const c of failedChanges(s.plan)) out.push({ step: s.step_key, asset: c.target, reason: c.detail ?? null });
    const error = s.error as { detail?: unknown } | null;
    for (const source of [s.output, error?.detail]) {
      if (!source || typeof source !== 'object') continue;
      const o = source as { results?: unknown; failed?: unknown; assets?: unknown };
      for (const r of Array.isArray(o.results) ? o.results : []) {
        if (r?.status !== 'failed') continue;
        out.push({ step: s.step_key, asset: [text(r.kind), text(r.asset) ?? text(r.sourceId) ?? '?'].filter(Boolean).join(' '), reason: text(r.reason) ?? null });
      }
      for (const c of Array.isArray(o.failed) ? o.failed : []) if (text(c?.target)) out.push({ step: s.step_key, asset: c.target, reason: text(c.detail) ?? null });
      for (const a of Array.isArray(o.assets) ? o.assets : []) {
        if (!text(a?.asset)) continue;
        const missing = Array.isArray(a.missing) && a.missing.length ? `the target lacks ${a.missing.join(', ')}` : null;
        out.push({ step: s.step_key, asset: [text(a.kind), a.asset].filter(Boolean).join(' '), reason: missing });
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((f) => {
    const k = JSON.stringify([f.step, f.asset, f.reason]);
    return !seen.has(k) && !!seen.add(k);
  });
}

/**
 * The plan of each step: the plan of the approval that released it (a tool approval of the step, or its part of an
 * approved run plan: what a person approved), else the step's own (a dry run, a run's plan made up front). `source`
 * says which.
 */
export interface StepPlan {
  plan: unknown;
  source: 'dry_run' | 'approval';
  /** The approval whose plan it is, and what became of it. */
  approvalId?: string;
  approvalStatus?: string;
}

export function stepPlans(steps: StepRow[], approvals: { approval: ApprovalRow }[]): Map<string, StepPlan> {
  const asked = new Map<string, StepPlan>();
  const put = (key: string, p: StepPlan) => {
    // The approval that released the step wins over one asked before it (rejected, expired, asked again).
    const had = asked.get(key);
    if (!had || p.approvalStatus === 'approved' || p.approvalStatus === 'consumed' || (had.approvalStatus !== 'approved' && had.approvalStatus !== 'consumed')) asked.set(key, p);
  };
  for (const { approval: a } of approvals) {
    const plan = a.plan as { steps?: Array<{ stepKey?: unknown; plan?: unknown }> } | null;
    if (plan && Array.isArray(plan.steps)) {
      for (const s of plan.steps) if (typeof s?.stepKey === 'string' && s.plan != null) put(s.stepKey, { plan: s.plan, source: 'approval', approvalId: a.id, approvalStatus: a.status });
    } else if (a.step_key && a.plan != null) put(a.step_key, { plan: a.plan, source: 'approval', approvalId: a.id, approvalStatus: a.status });
  }
  const out = new Map<string, StepPlan>();
  for (const s of steps) {
    if (asked.has(s.step_key)) out.set(s.step_key, asked.get(s.step_key)!);
    else if (s.plan !== null && s.plan !== undefined) out.set(s.step_key, { plan: s.plan, source: 'dry_run' });
  }
  return out;
}

/** The answer of an ad-hoc run: its outputs' answer, else what its agent step answered (a run that failed after it). */
function answerOf(run: RunRow, steps: StepRow[]): string | null {
  if (run.kind !== 'prompt') return null;
  const fromOutputs = (run.outputs as { answer?: unknown } | null)?.answer;
  if (typeof fromOutputs === 'string') return fromOutputs;
  const agent = steps.find((s) => s.kind === 'agent' && typeof (s.output as { answer?: unknown } | null)?.answer === 'string');
  return agent ? (agent.output as { answer: string }).answer : null;
}

/**
 * A finished (or running) run as a report: the prompt and answer of an ad-hoc run, steps with their input, plan and
 * output (results withheld from the model included: whoever may read the run reads them), actions done and skipped,
 * every failed asset, approvals, questions asked (and who answered what, when), findings, durations.
 */
export function buildReport(run: RunRow, steps: StepRow[], approvals: { approval: ApprovalRow; decisions: DecisionRow[] }[], findings: FindingRow[], diff?: ReportFindingsDiff, questions: QuestionRow[] = []) {
  const brief = (l: ReportFindingsDiff['new']) => l.map((f) => ({ fingerprint: f.fingerprint, check: f.check_id, severity: f.severity, asset: f.asset, message: f.message }));
  const actions = steps.filter((s) => s.kind === 'tool');
  const plans = stepPlans(steps, approvals);
  const bySeverity: Record<string, number> = {};
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return {
    run: { id: run.id, kind: run.kind, playbook: run.playbook, prompt: run.prompt ?? null, answer: answerOf(run, steps), state: run.state, reason: run.reason, dryRun: run.dry_run, requestedBy: run.requested_by, inputs: run.inputs, environments: run.environments, outputs: run.outputs },
    timing: { createdAt: iso(run.created_at), startedAt: iso(run.started_at), finishedAt: iso(run.finished_at), durationMs: ms(run.started_at, run.finished_at) },
    summary: {
      steps: steps.length,
      succeeded: steps.filter((s) => s.state === 'succeeded').length,
      failed: steps.filter((s) => s.state === 'failed').length,
      skipped: steps.filter((s) => s.state === 'skipped').length,
      actions: actions.length,
      findings: findings.length,
      findingsBySeverity: bySeverity,
    },
    steps: steps.map((s) => {
      const p = plans.get(s.step_key);
      return {
        key: s.step_key, kind: s.kind, state: s.state, tool: s.tool, effect: s.effect, attempt: s.attempt, dryRun: s.dry_run, error: s.error, durationMs: ms(s.started_at, s.finished_at),
        input: s.input ?? null,
        output: s.output ?? null,
        plan: p?.plan ?? null,
        planSource: p?.source ?? null,
        ...(p?.approvalId && { planApproval: { id: p.approvalId, status: p.approvalStatus ?? null } }),
        planView: p ? planView(p.plan) : null,
      };
    }),
    actions: {
      done: actions.filter((s) => s.state === 'succeeded' && !run.dry_run).map((s) => ({ key: s.step_key, tool: s.tool, effect: s.effect, environments: s.environments })),
      skipped: actions.filter((s) => s.state === 'skipped').map((s) => ({ key: s.step_key, tool: s.tool })),
      failed: actions.filter((s) => s.state === 'failed').map((s) => ({ key: s.step_key, tool: s.tool, error: s.error })),
      planned: run.dry_run ? actions.filter((s) => s.dry_run !== null).map((s) => ({ key: s.step_key, tool: s.tool, outcome: s.dry_run, plan: s.plan })) : [],
    },
    failedAssets: failedAssets(steps),
    approvals: approvals.map(({ approval: a, decisions }) => ({
      id: a.id, kind: a.kind, stepKey: a.step_key, tool: a.tool, status: a.status, requestedBy: a.requested_by, createdAt: iso(a.created_at), decidedAt: iso(a.decided_at),
      decisions: decisions.map((d) => ({ by: d.approver, decision: d.decision, comment: d.comment, at: iso(d.decided_at) })),
    })),
    questions: [...questions]
      .sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id))
      .map((q) => ({ id: q.id, stepKey: q.step_key, question: q.question, status: q.status, answer: q.answer ?? null, answeredBy: q.answered_by, askedAt: iso(q.created_at), answeredAt: iso(q.answered_at) })),
    findings: [...findings]
      .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.check_id.localeCompare(b.check_id))
      .map((f) => ({ check: f.check_id, severity: f.severity, environment: f.environment, asset: f.asset, message: f.message, fingerprint: f.fingerprint })),
    ...(diff && {
      findingsDiff: { baselineRunId: diff.baselineRunId, complete: diff.complete, new: brief(diff.new), open: brief(diff.open), resolved: brief(diff.resolved) },
    }),
  };
}

export type RunReport = ReturnType<typeof buildReport>;

const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Text in a heading: one line, Markdown characters escaped. */
const inline = (v: string) => v.replace(/\n/g, ' ').replace(/([\\`*_[\]<>|#])/g, '\\$1');
/** Text as a fenced block, the fence longer than any run of backticks inside it (nothing in it is read as Markdown). */
function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

export function reportMarkdown(r: RunReport): string {
  const out: string[] = [];
  out.push(`# Run ${r.run.id}: ${r.run.playbook ?? 'ad-hoc'} — ${r.run.state}${r.run.dryRun ? ' (dry run)' : ''}`, '');
  if (r.run.reason) out.push(`> ${r.run.reason}`, '');
  out.push(`Requested by **${r.run.requestedBy}**; started ${r.timing.startedAt ?? '-'}, finished ${r.timing.finishedAt ?? '-'}${r.timing.durationMs !== null ? ` (${r.timing.durationMs} ms)` : ''}.`, '');
  out.push(`Environments: ${Object.entries(r.run.environments).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`, '');
  if (r.run.kind === 'prompt') {
    out.push('## Prompt', '', fenced(r.run.prompt ?? ''), '');
    out.push('## Answer', '', r.run.answer === null ? '_No answer._' : fenced(r.run.answer), '');
  }
  out.push('## Steps', '', '| step | kind | state | tool | duration |', '|---|---|---|---|---|');
  for (const s of r.steps) out.push(`| ${cell(s.key)} | ${s.kind} | ${s.state}${s.error ? ` (${cell(s.error.code)})` : ''} | ${cell(s.tool)} | ${s.durationMs ?? ''} |`);
  out.push('', '## Actions', '');
  if (r.run.dryRun) for (const p of r.actions.planned) out.push(`- ${p.key}: ${p.tool} → **${p.outcome}**`);
  for (const a of r.actions.done) out.push(`- done: ${a.key} (${a.tool}, ${a.effect})`);
  for (const a of r.actions.skipped) out.push(`- skipped: ${a.key} (${a.tool})`);
  for (const a of r.actions.failed) out.push(`- failed: ${a.key} (${a.tool}): ${cell(a.error?.message)}`);
  const withPlans = r.steps.filter((s) => s.planView);
  if (withPlans.length) {
    out.push('', '## Plans');
    for (const s of withPlans) {
      const from = s.planApproval ? `approval ${inline(s.planApproval.id)}: ${s.planApproval.status}` : `${r.run.dryRun ? 'dry run' : 'planned'}: ${s.dryRun ?? 'unknown'}`;
      out.push('', `### ${inline(s.key)} — ${inline(s.tool ?? s.kind)} (${from})`, '', renderPlanMarkdown(s.planView!).trimEnd());
    }
  }
  if (r.failedAssets.length) {
    out.push('', `## Failed assets (${r.failedAssets.length})`, '', '| step | asset | reason |', '|---|---|---|');
    for (const f of r.failedAssets) out.push(`| ${cell(f.step)} | ${cell(f.asset)} | ${cell(f.reason ?? 'failed')} |`);
  }
  const withOutput = r.steps.filter((s) => s.output !== null && s.output !== undefined);
  if (withOutput.length) {
    out.push('', '## Outputs');
    for (const s of withOutput) out.push('', `### ${inline(s.key)}${s.tool ? ` — ${inline(s.tool)}` : ''}`, '', fenced(JSON.stringify(s.output, null, 2), 'json'));
  }
  out.push('', '## Approvals', '');
  if (!r.approvals.length) out.push('None.');
  for (const a of r.approvals) {
    out.push(`- ${a.id} (${a.kind}${a.tool ? `, ${a.tool}` : ''}) requested by ${a.requestedBy}: **${a.status}**`);
    for (const d of a.decisions) out.push(`  - ${d.decision} by **${d.by}** at ${d.at}${d.comment ? `: "${cell(d.comment)}"` : ''}`);
  }
  if (r.questions.length) {
    out.push('', '## Questions', '', '| step | question | answer | by | at |', '|---|---|---|---|---|');
    for (const q of r.questions) out.push(`| ${cell(q.stepKey)} | ${cell(q.question)} | ${q.status === 'answered' ? cell(JSON.stringify(q.answer)) : `_${q.status}_`} | ${cell(q.answeredBy ?? '')} | ${cell(q.answeredAt ?? '')} |`);
  }
  out.push('', `## Findings (${r.findings.length})`, '');
  for (const sev of SEVERITY_ORDER) {
    const list = r.findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    out.push(`### ${sev} (${list.length})`, '');
    for (const f of list) out.push(`- ${cell(f.check)} — ${cell(f.asset ?? '')}: ${cell(f.message)}`);
    out.push('');
  }
  const d = r.findingsDiff;
  if (d) {
    const against = d.baselineRunId ? `run ${d.baselineRunId}` : 'nothing (no earlier successful run)';
    out.push(`## Since the previous run: ${d.new.length} new, ${d.open.length} still open, ${d.resolved.length} resolved`, '', `Compared with ${against}.${d.complete ? '' : ' The run did not succeed, so nothing counts as resolved.'}`, '');
    for (const [title, list] of [['New', d.new], ['Still open', d.open], ['Resolved', d.resolved]] as const) {
      if (!list.length) continue;
      out.push(`### ${title} (${list.length})`, '');
      for (const f of list) out.push(`- ${f.severity}: ${cell(f.check)} — ${cell(f.asset ?? '')}: ${cell(f.message)}`);
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
