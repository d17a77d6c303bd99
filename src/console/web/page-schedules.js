// Schedules: cron, next fires, last run, paused or not; operators can pause, resume and fire one now.
import { ApiError, get, post } from './api.js';
import { badge, fill, h, link, notice, table, when } from './dom.js';

const RANK = { viewer: 0, operator: 1, approver: 2, admin: 3 };

export async function renderSchedules(ctx) {
  document.title = 'Schedules · Steward';
  const out = h('div', { id: 'schedule-status' });
  const list = h('div', { id: 'schedules-list' });
  const problems = h('div', { id: 'schedule-problems' });
  fill(ctx.main, h('h1', {}, 'Schedules'), out, list, problems);
  const operator = RANK[ctx.session.role] >= RANK.operator;

  const act = async (id, what) => {
    try {
      const r = await post(`/schedules/${encodeURIComponent(id)}/${what}`);
      const runs = (r.fires ?? []).map((f) => f.runId).filter(Boolean);
      fill(out, notice('ok', what === 'trigger' ? `Fired ${id}.` : `${id}: ${what}d.`), runs.map((rid) => h('p', {}, 'Run ', link(`/console/runs/${rid}`, rid))));
      await load();
    } catch (e) {
      fill(out, notice('error', e instanceof ApiError ? `${e.code ?? e.status}: ${e.message}` : String(e?.message ?? e)));
    }
  };

  const load = async () => {
    const r = await get('/schedules');
    if (!ctx.alive()) return;
    fill(
      list,
      table(
        ['Schedule', 'Playbook', 'Cron', 'State', 'Next fire', 'Last run', ...(operator ? [''] : [])],
        r.schedules.map((s) =>
          h(
            'tr',
            { dataset: { schedule: s.id } },
            h('td', {}, h('code', {}, s.id)),
            h('td', {}, s.playbook),
            h('td', {}, h('code', {}, s.cron), ' ', h('span', { class: 'muted' }, s.timezone ?? 'UTC')),
            h('td', {}, badge(!s.enabled ? 'disabled' : s.paused ? 'paused' : 'active'), s.paused && s.pausedBy ? h('div', { class: 'muted' }, `by ${s.pausedBy}`) : null),
            h('td', {}, when(s.nextFireAt)),
            h('td', {}, s.lastRun ? [link(`/console/runs/${s.lastRun.id}`, s.lastRun.id), ' ', badge(s.lastRun.state)] : h('span', { class: 'muted' }, 'never')),
            operator
              ? h(
                  'td',
                  { class: 'buttons' },
                  s.paused
                    ? h('button', { type: 'button', onclick: () => act(s.id, 'resume') }, 'Resume')
                    : h('button', { type: 'button', onclick: () => act(s.id, 'pause') }, 'Pause'),
                  h('button', { type: 'button', onclick: () => act(s.id, 'trigger') }, 'Run now'),
                )
              : null,
          ),
        ),
      ),
    );
    fill(problems, (r.problems ?? []).length ? [h('h2', {}, 'Problems'), h('ul', {}, r.problems.map((p) => h('li', {}, p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '', p.message ?? JSON.stringify(p))))] : null);
  };
  await load();
}
