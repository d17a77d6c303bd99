// A plan as people read it: per asset `+ create`, `~ update` (fields before → after), `- delete`, `= skip` (reason),
// `! fail` (reason), and totals. Uses the API's `planView` where it is given, else reads the raw plan's changes.
import { h } from './dom.js';

const SYMBOL = { create: '+', update: '~', delete: '-', skip: '=', fail: '!' };
const ORDER = ['create', 'update', 'delete', 'skip', 'fail'];

/** The plan view: the API's planView when present, else one made from a raw plan ({summary, changes} or a step's). */
export function viewOf(planView, plan) {
  if (planView && typeof planView === 'object' && Array.isArray(planView.items)) return planView;
  if (!plan || typeof plan !== 'object') return null;
  const changes = Array.isArray(plan.changes) ? plan.changes : null;
  if (!changes) return null;
  const totals = { create: 0, update: 0, delete: 0, skip: 0, fail: 0 };
  const items = changes.map((c) => {
    if (c.action in totals) totals[c.action]++;
    const reason = c.reason ?? (c.action === 'skip' || c.action === 'fail' ? c.detail : undefined);
    return { symbol: SYMBOL[c.action] ?? '?', action: c.action, kind: c.kind, target: c.target, reason, detail: reason ? undefined : c.detail, fields: c.fields };
  });
  return { summary: plan.summary ?? '', items, totals };
}

const show = (v) => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

function item(it) {
  const head = h(
    'div',
    { class: 'plan-line' },
    h('span', { class: 'plan-symbol' }, it.symbol ?? SYMBOL[it.action] ?? '?'),
    ' ',
    h('span', { class: 'plan-action' }, it.action),
    it.kind ? [' ', h('span', { class: 'plan-kind' }, it.kind)] : null,
    ' ',
    h('span', { class: 'plan-target' }, it.target ?? ''),
    it.reason ? [' ', h('span', { class: 'plan-reason' }, `(${it.reason})`)] : null,
    it.detail ? [' ', h('span', { class: 'plan-detail muted' }, `— ${it.detail}`)] : null,
  );
  const fields = Array.isArray(it.fields) && it.fields.length
    ? h(
        'ul',
        { class: 'plan-fields' },
        it.fields.map((f) => h('li', {}, h('span', { class: 'plan-field' }, `${f.field}:`), ' ', h('span', { class: 'before' }, show(f.before)), ' → ', h('span', { class: 'after' }, show(f.after)))),
      )
    : null;
  return h('li', { class: `plan-item a-${String(it.action).replace(/[^a-z]/g, '')}` }, head, fields);
}

export function totalsText(t) {
  if (!t) return '';
  return `Plan: ${t.create ?? 0} to create, ${t.update ?? 0} to update, ${t.delete ?? 0} to delete, ${t.skip ?? 0} skipped, ${t.fail ?? 0} failing.`;
}

/** One plan as a list of changes with its totals; a note when there is nothing to show. */
export function renderPlan(planView, plan) {
  const v = viewOf(planView, plan);
  if (!v) {
    if (plan && typeof plan === 'object' && plan.error) return h('div', { class: 'plan plan-error' }, h('p', { class: 'notice error' }, `The plan could not be made: ${plan.error?.message ?? JSON.stringify(plan.error)}`));
    return h('p', { class: 'muted' }, 'No plan.');
  }
  const items = [...v.items].sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action));
  return h(
    'div',
    { class: 'plan' },
    v.summary ? h('p', { class: 'plan-summary' }, v.summary) : null,
    items.length ? h('ul', { class: 'plan-items' }, items.map(item)) : h('p', { class: 'muted' }, 'No changes.'),
    h('p', { class: 'plan-totals' }, totalsText(v.totals)),
  );
}

/**
 * An approval's plan: one plan, or a whole run's (`{ steps: [{ stepId, tool, plan, planView? }] }`), each step under
 * its own heading.
 */
export function renderApprovalPlan(approval) {
  const p = approval.plan;
  const steps = approval.planView?.steps ?? (p && Array.isArray(p.steps) ? p.steps : null);
  if (steps) {
    return h(
      'div',
      { class: 'run-plan' },
      steps.map((s) =>
        h('section', { class: 'plan-step' }, h('h3', {}, `${s.stepId ?? s.stepKey ?? 'step'}`, s.tool ? h('span', { class: 'muted' }, ` · ${s.tool}`) : null), renderPlan(s.planView ?? s.view, s.plan)),
      ),
      approval.planView?.totals ? h('p', { class: 'plan-totals' }, totalsText(approval.planView.totals)) : null,
    );
  }
  return renderPlan(approval.planView, p);
}
