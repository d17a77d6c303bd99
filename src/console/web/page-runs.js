// Runs, newest first, filtered by state and playbook (kept in the URL), refreshed live from the event stream.
import { get, query } from './api.js';
import { badge, fill, h, link, table, when } from './dom.js';

const STATES = ['queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

export async function renderRuns(ctx) {
  const state = ctx.query.get('state') ?? '';
  const playbook = ctx.query.get('playbook') ?? '';
  document.title = 'Runs · Steward';
  const playbooks = await get('/playbooks').then((r) => r.playbooks.map((p) => p.id), () => []);
  const stateSel = h('select', { id: 'filter-state', name: 'state' }, h('option', { value: '' }, 'any state'), STATES.map((s) => h('option', { value: s, selected: s === state }, s)));
  const pbSel = h('select', { id: 'filter-playbook', name: 'playbook' }, h('option', { value: '' }, 'any playbook'), playbooks.map((p) => h('option', { value: p, selected: p === playbook }, p)));
  const apply = () => ctx.navigate(`/console/runs${query({ state: stateSel.value, playbook: pbSel.value })}`);
  stateSel.addEventListener('change', apply);
  pbSel.addEventListener('change', apply);
  const list = h('div', { id: 'runs-list' });
  fill(ctx.main, h('h1', {}, 'Runs'), h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('label', {}, 'State ', stateSel), h('label', {}, 'Playbook ', pbSel)), list);

  let before = null;
  const load = async (more) => {
    const r = await get(`/runs${query({ state, playbook, limit: 50, before: more ? before : undefined })}`);
    if (!ctx.alive()) return;
    before = r.next;
    const rows = r.runs.map((run) =>
      h(
        'tr',
        { dataset: { run: run.id } },
        h('td', {}, link(`/console/runs/${run.id}`, run.id)),
        h('td', {}, run.playbook ?? h('span', { class: 'muted' }, `ask: ${String(run.prompt ?? '').slice(0, 80)}`), run.dryRun ? h('span', { class: 'tag' }, 'dry run') : null),
        h('td', {}, badge(run.state)),
        h('td', {}, run.requestedBy),
        h('td', {}, when(run.createdAt)),
        h('td', {}, when(run.finishedAt)),
      ),
    );
    const tbl = table(['Run', 'Playbook / prompt', 'State', 'Requested by', 'Created', 'Finished'], rows);
    if (more) list.querySelector('tbody').append(...rows);
    else fill(list, tbl, r.next ? h('button', { type: 'button', class: 'more', onclick: () => load(true) }, 'Older runs') : null);
  };
  await load(false);

  // Live: any run event refreshes the first page (coalesced), while the reader looks at it.
  let timer = null;
  const es = new EventSource('/events?type=run.');
  es.addEventListener('run.queued', () => refresh());
  es.addEventListener('run.state', () => refresh());
  es.addEventListener('run.finished', () => refresh());
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.alive() && load(false).catch(() => undefined), 300);
  }
  return () => {
    es.close();
    clearTimeout(timer);
  };
}
