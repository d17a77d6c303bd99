import type { PlanAction, PlannedField } from '../plugins/plugin-api.js';

/**
 * A tool's dry-run plan as people read it: one line per asset (`+ create`, `~ update` with the fields that change,
 * `- delete`, `= skip` and `! fail` with their reason) and totals. One structure (`planView`), rendered as text for
 * a terminal (Terraform-like, colours optional), and as Markdown for reports. Pure: no I/O.
 */

export type PlanSymbol = '+' | '~' | '-' | '=' | '!';

export const SYMBOLS: Record<PlanAction, PlanSymbol> = { create: '+', update: '~', delete: '-', skip: '=', fail: '!' };

export interface PlanItemView {
  symbol: PlanSymbol;
  action: PlanAction;
  /** The asset kind (`dashboard`, `user`, `share`…), given by the plugin or read from the target's first word; null when unknown. */
  kind: string | null;
  /** The asset, without the kind word it started with: `5f1c… "Sales"`. */
  target: string;
  /** How the line names it: `dashboard 5f1c… "Sales"`. */
  label: string;
  /** Why it is skipped or would fail. */
  reason?: string;
  /** The plugin's free text, when it says more than the reason. */
  detail?: string;
  /** What an update changes, before → after. */
  fields?: PlannedField[];
}

export interface PlanTotals {
  create: number;
  update: number;
  delete: number;
  skip: number;
  fail: number;
}

export interface PlanView {
  /** The tool's summary, or what is known when there is no plan. */
  summary: string;
  items: PlanItemView[];
  totals: PlanTotals;
  /** Whether the tool made a plan: false when it has no dry run, or the dry run failed (then `error`). */
  planned: boolean;
  error?: { code: string; message: string };
}

export interface StepPlan {
  stepId: string;
  /** The step's key in the run when it differs from its id (a loop iteration). */
  stepKey?: string;
  tool: string | null;
  plan: unknown;
}

const ACTIONS: readonly PlanAction[] = ['create', 'update', 'delete', 'skip', 'fail'];
/** The words labels start with, by kind (Sisense: `dashboard 5f1c… "Sales"`, `data model …`, `user ann@x`). */
const KIND_WORDS: Record<string, string> = { dashboard: 'dashboard', datamodel: 'data model', folder: 'folder', user: 'user', group: 'group' };
const LEADING_KIND = /^(dashboard|data model|datamodel|folder|user|group) /;

const emptyTotals = (): PlanTotals => ({ create: 0, update: 0, delete: 0, skip: 0, fail: 0 });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length ? v : undefined);

/** The plan of a step or an approval as stored: `{summary, changes}`, a preview (`wouldChange`…), `{error}`, or null. */
export function planView(plan: unknown): PlanView {
  if (plan === null || plan === undefined) return { summary: 'no plan: the tool has no dry run, so what it would change is unknown', items: [], totals: emptyTotals(), planned: false };
  const p = plan as { summary?: unknown; changes?: unknown; error?: { code?: unknown; message?: unknown } | null };
  if (typeof p !== 'object' || !Array.isArray(p.changes)) {
    const error = p && typeof p === 'object' && p.error ? { code: str(p.error.code) ?? 'ERROR', message: str(p.error.message) ?? '' } : undefined;
    return { summary: error ? `the dry run failed: ${error.code}: ${error.message}` : 'the dry run failed', items: [], totals: emptyTotals(), planned: false, ...(error && { error }) };
  }
  const items = p.changes.flatMap((c): PlanItemView[] => (c && typeof c === 'object' ? [itemOf(c as Record<string, unknown>)] : []));
  const totals = emptyTotals();
  for (const i of items) totals[i.action]++;
  return { summary: str(p.summary) ?? totalsLine(totals), items, totals, planned: true };
}

function itemOf(c: Record<string, unknown>): PlanItemView {
  const action = ACTIONS.includes(c.action as PlanAction) ? (c.action as PlanAction) : 'fail';
  const raw = str(c.target) ?? '?';
  const lead = LEADING_KIND.exec(raw);
  const leadKind = lead ? (lead[1] === 'data model' ? 'datamodel' : lead[1]) : undefined;
  const kind = str(c.kind) ?? leadKind ?? null;
  // The kind word is taken off the target when it says the same kind (`dashboard 5f1c…` of kind dashboard).
  const strip = !!lead && leadKind === kind;
  const target = strip ? raw.slice(lead[0].length) : raw;
  // A target that starts with a kind word reads as it is; otherwise the kind is put before it (`note k`).
  const label = lead || !kind ? raw : `${KIND_WORDS[kind] ?? kind} ${raw}`;
  const detail = str(c.detail);
  const reason = str(c.reason) ?? (action === 'skip' || action === 'fail' ? detail : undefined);
  const fields = Array.isArray(c.fields) ? c.fields.filter((f): f is PlannedField => !!f && typeof f === 'object' && typeof (f as PlannedField).field === 'string') : [];
  return {
    symbol: SYMBOLS[action],
    action,
    kind,
    target,
    label,
    ...(reason !== undefined && { reason }),
    ...(detail !== undefined && detail !== reason && { detail }),
    ...(fields.length && { fields }),
  };
}

/** `Plan: 2 to create, 1 to update, 0 to delete, 3 skipped, 0 failing.` */
export function totalsLine(t: PlanTotals): string {
  return `Plan: ${t.create} to create, ${t.update} to update, ${t.delete} to delete, ${t.skip} skipped, ${t.fail} failing.`;
}

export function addTotals(views: readonly PlanView[]): PlanTotals {
  const t = emptyTotals();
  for (const v of views) for (const a of ACTIONS) t[a] += v.totals[a];
  return t;
}

// C0/C1 controls and bidirectional overrides: plan text comes from tools and target systems and is printed on
// terminals; it must not move the cursor, recolour or reorder what the operator reads.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const clean = (s: string): string => s.replace(UNSAFE, (c) => (c === '\n' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

/** A field's value on one line: text as is, a list comma-separated (`(none)` when empty), anything else as JSON. */
export function fieldValue(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '(none)';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `owner: a@x → b@x`; a field only set (`rule: view`) or only removed (`rule: edit → (removed)`). */
export function fieldLine(f: PlannedField): string {
  if (!('before' in f) || f.before === undefined) return `${f.field}: ${fieldValue(f.after)}`;
  if (!('after' in f) || f.after === undefined) return `${f.field}: ${fieldValue(f.before)} → (removed)`;
  return `${f.field}: ${fieldValue(f.before)} → ${fieldValue(f.after)}`;
}

export interface TextOptions {
  /** ANSI colours (a terminal that wants them). */
  color: boolean;
  /** Spaces before every line (a plan printed under an event line). */
  indent?: number;
}

const COLOURS: Record<PlanSymbol, string> = { '+': '32', '~': '33', '-': '31', '=': '2', '!': '1;31' };
const paint = (on: boolean, code: string, s: string): string => (on && s ? `\u001b[${code}m${s}\u001b[0m` : s);

function itemLines(v: PlanView, o: TextOptions, pad: string): string[] {
  const out: string[] = [];
  if (!v.planned) out.push(`${pad}${paint(o.color, v.error ? COLOURS['!'] : COLOURS['='], clean(v.summary))}`);
  for (const i of v.items) {
    const why = i.reason ? ` (${clean(i.reason)})` : i.detail && !i.fields ? ` (${clean(i.detail)})` : '';
    out.push(`${pad}${paint(o.color, COLOURS[i.symbol], `${i.symbol} ${i.action}`)} ${clean(i.label)}${paint(o.color, '2', why)}`);
    for (const f of i.fields ?? []) out.push(`${pad}    ${clean(fieldLine(f))}`);
  }
  return out;
}

/**
 * A plan as text, Terraform-like: `+ create dashboard 5f1c… "Sales"`, `~ update …` then the changed fields indented
 * (`owner: a@x → b@x`), `- delete …`, `= skip … (reason)`, `! fail … (reason)`, then the totals line. Ends in a newline.
 */
export function renderPlanText(v: PlanView, o: TextOptions = { color: false }): string {
  const pad = ' '.repeat(o.indent ?? 0);
  const lines = itemLines(v, o, pad);
  if (v.planned) lines.push(`${pad}${paint(o.color, '1', totalsLine(v.totals))}`);
  return `${lines.join('\n')}\n`;
}

/** Several steps' plans: a header per step (`step groups: sisense.migration.groups — summary`), then one totals line. */
export function renderRunPlanText(steps: readonly StepPlan[], o: TextOptions = { color: false }): string {
  const pad = ' '.repeat(o.indent ?? 0);
  const views = steps.map((s) => planView(s.plan));
  const lines: string[] = [];
  steps.forEach((s, n) => {
    const v = views[n];
    const key = s.stepKey && s.stepKey !== s.stepId ? ` (${s.stepKey})` : '';
    lines.push(`${pad}${paint(o.color, '1', `step ${clean(s.stepId)}${clean(key)}: ${clean(s.tool ?? '?')}`)}${v.planned ? ` — ${clean(v.summary)}` : ''}`);
    lines.push(...itemLines(v, o, `${pad}  `));
  });
  lines.push(`${pad}${paint(o.color, '1', totalsLine(addTotals(views)))}`);
  return `${lines.join('\n')}\n`;
}

/** Markdown special characters escaped (text from tools and targets in a report). */
const md = (s: string): string => clean(s).replace(/([\\`*_[\]<>|#])/g, '\\$1');

/** A plan as Markdown: one list item per asset (`**+ create** dashboard …`), changed fields nested, then the totals. */
export function renderPlanMarkdown(v: PlanView): string {
  const out: string[] = [];
  if (!v.planned) out.push(`_${md(v.summary)}_`);
  else if (!v.items.length) out.push('No changes.');
  for (const i of v.items) {
    out.push(`- \`${i.symbol}\` **${i.action}** ${md(i.label)}${i.reason ? ` — ${md(i.reason)}` : i.detail && !i.fields ? ` — ${md(i.detail)}` : ''}`);
    for (const f of i.fields ?? []) out.push(`  - ${md(fieldLine(f))}`);
  }
  if (v.planned) out.push('', totalsLine(v.totals));
  return `${out.join('\n')}\n`;
}

/** A run plan (one approval of several steps): `{steps: [{stepKey, stepId, tool, plan}]}`. */
export const isRunPlan = (plan: unknown): plan is { steps: StepPlan[] } => !!plan && typeof plan === 'object' && Array.isArray((plan as { steps?: unknown }).steps);

export interface RunPlanView {
  steps: Array<{ stepId: string; stepKey: string; tool: string | null; view: PlanView }>;
  totals: PlanTotals;
}

/** The structure of a run plan: each step's view and the totals of all. */
export function runPlanView(steps: readonly StepPlan[]): RunPlanView {
  const out = steps.map((s) => ({ stepId: s.stepId, stepKey: s.stepKey ?? s.stepId, tool: s.tool, view: planView(s.plan) }));
  return { steps: out, totals: addTotals(out.map((s) => s.view)) };
}

/** Whatever an approval holds: one tool's plan, or a run plan of several steps. */
export const anyPlanView = (plan: unknown): PlanView | RunPlanView => (isRunPlan(plan) ? runPlanView(plan.steps) : planView(plan));

/** Text of either kind of plan. */
export const renderAnyPlanText = (plan: unknown, o: TextOptions = { color: false }): string => (isRunPlan(plan) ? renderRunPlanText(plan.steps, o) : renderPlanText(planView(plan), o));

/** Markdown of either kind of plan. */
export function renderAnyPlanMarkdown(plan: unknown): string {
  if (!isRunPlan(plan)) return renderPlanMarkdown(planView(plan));
  const v = runPlanView(plan.steps);
  const parts = v.steps.map((s) => `**step ${md(s.stepKey)}** (${md(s.tool ?? '?')})\n\n${renderPlanMarkdown(s.view)}`);
  return `${parts.join('\n')}\n${totalsLine(v.totals)}\n`;
}
