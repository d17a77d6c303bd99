// Governance findings across runs: open (or resolved, or all), by severity, most recently seen first.
import { get, query } from './api.js';
import { badge, fill, h, link, table, when } from './dom.js';

const SEVERITIES = ['info', 'warning', 'error', 'critical'];

export async function renderFindings(ctx) {
  const state = ctx.query.get('state') ?? 'open';
  const minSeverity = ctx.query.get('minSeverity') ?? '';
  document.title = 'Findings · Steward';
  const stateSel = h('select', { id: 'filter-finding-state' }, ['open', 'resolved', 'any'].map((s) => h('option', { value: s, selected: s === state }, s)));
  const sevSel = h('select', { id: 'filter-severity' }, h('option', { value: '' }, 'any severity'), SEVERITIES.map((s) => h('option', { value: s, selected: s === minSeverity }, `${s} or worse`)));
  const apply = () => ctx.navigate(`/console/findings${query({ state: stateSel.value, minSeverity: sevSel.value })}`);
  stateSel.addEventListener('change', apply);
  sevSel.addEventListener('change', apply);
  const list = h('div', { id: 'findings-list' });
  fill(ctx.main, h('h1', {}, 'Findings'), h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('label', {}, 'State ', stateSel), h('label', {}, 'Severity ', sevSel)), list);

  let after = null;
  const load = async (more) => {
    const r = await get(`/findings${query({ state: state === 'any' ? undefined : state, minSeverity, limit: 100, after: more ? after : undefined })}`);
    if (!ctx.alive()) return;
    after = r.next;
    const rows = r.findings.map((f) =>
      h(
        'tr',
        { dataset: { fingerprint: f.fingerprint } },
        h('td', {}, h('span', { class: `badge sev-${f.severity}` }, f.severity)),
        h('td', {}, h('code', {}, f.check)),
        h('td', {}, f.asset ?? '—'),
        h('td', {}, f.message),
        h('td', {}, f.environment ?? '—'),
        h('td', {}, badge(f.state), f.reopened ? h('span', { class: 'tag' }, 'reopened') : null),
        h('td', {}, when(f.lastSeenAt), f.lastRunId ? h('div', {}, link(`/console/runs/${f.lastRunId}`, f.lastRunId)) : null),
        h('td', {}, String(f.timesSeen)),
      ),
    );
    if (more) list.querySelector('tbody').append(...rows);
    else fill(list, table(['Severity', 'Check', 'Asset', 'Message', 'Environment', 'State', 'Last seen', 'Seen'], rows), r.next ? h('button', { type: 'button', class: 'more', onclick: () => load(true) }, 'More') : null);
  };
  await load(false);
}
