// The approvals inbox: pending first (or any status), each with what it is for and a link to decide.
import { get, query } from './api.js';
import { badge, fill, h, link, table, when } from './dom.js';

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled', 'consumed'];

export async function renderApprovals(ctx) {
  const status = ctx.query.get('status') ?? 'pending';
  document.title = 'Approvals · Steward';
  const sel = h('select', { id: 'filter-status' }, h('option', { value: 'any', selected: status === 'any' }, 'any status'), STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)));
  sel.addEventListener('change', () => ctx.navigate(`/console/approvals${query({ status: sel.value })}`));
  const list = h('div', { id: 'approvals-list' });
  fill(ctx.main, h('h1', {}, 'Approvals'), h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('label', {}, 'Status ', sel)), list);

  const load = async () => {
    const r = await get(`/approvals${query({ status: status === 'any' ? undefined : status })}`);
    if (!ctx.alive()) return;
    fill(
      list,
      table(
        ['Approval', 'For', 'Status', 'Requested by', 'Votes', 'Created', 'Expires'],
        r.approvals.map((a) =>
          h(
            'tr',
            { dataset: { approval: a.id } },
            h('td', {}, link(`/console/approvals/${a.id}`, a.id)),
            h('td', {}, a.tool ? h('code', {}, a.tool) : a.kind, a.runId ? [' · ', link(`/console/runs/${a.runId}`, a.runId)] : null, a.message ? h('div', { class: 'muted' }, a.message) : null),
            h('td', {}, badge(a.status)),
            h('td', {}, a.requestedBy),
            h('td', {}, `${(a.decisions ?? []).filter((d) => d.decision === 'approve').length}/${a.requiredApprovals}`),
            h('td', {}, when(a.createdAt)),
            h('td', {}, when(a.expiresAt)),
          ),
        ),
      ),
    );
  };
  await load();
  let timer = null;
  const es = new EventSource('/events?type=approval.');
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.alive() && load().catch(() => undefined), 300);
  };
  for (const t of ['approval.requested', 'approval.decided', 'approval.expired']) es.addEventListener(t, refresh);
  return () => {
    es.close();
    clearTimeout(timer);
  };
}
