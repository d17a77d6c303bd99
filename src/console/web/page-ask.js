// Ask: an ad-hoc prompt answered by the agent (POST /runs {prompt, environments}); the answer streams in as the
// model writes it (agent.delta events), then the final answer replaces it when the run finishes.
import { ApiError, get, post } from './api.js';
import { badge, fill, h, link, notice } from './dom.js';
import { followRun } from './stream.js';

const RANK = { viewer: 0, operator: 1, approver: 2, admin: 3 };

export async function renderAsk(ctx) {
  document.title = 'Ask · Steward';
  if (RANK[ctx.session.role] < RANK.operator) {
    fill(ctx.main, h('h1', {}, 'Ask'), h('p', { class: 'muted', id: 'ask-refused' }, `Asking the agent needs the operator role; you are signed in as ${ctx.session.principal} (${ctx.session.role}).`));
    return;
  }
  const info = await get('/console/context');
  if (!ctx.alive()) return;
  const prompt = h('textarea', { id: 'prompt', name: 'prompt', rows: 4, maxlength: 20000, required: true, placeholder: 'Which dashboards use the Sales model?' });
  const envs = info.environments.map((e, i) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'environment', value: e.name, checked: i === 0 }), ` ${e.name} `, h('span', { class: 'muted' }, e.kind)),
  );
  const button = h('button', { type: 'submit', id: 'ask' }, 'Ask');
  const out = h('div', { id: 'ask-output' });
  const form = h(
    'form',
    { class: 'card', id: 'ask-form' },
    h('label', { for: 'prompt' }, 'Question or task'),
    prompt,
    h('fieldset', {}, h('legend', {}, 'Environments the agent may use'), envs.length ? envs : h('p', { class: 'muted' }, 'No environment is configured.')),
    info.llm ? null : notice('info', 'No language model is configured (llm in steward.yaml): the daemon will refuse to answer.'),
    h('p', { class: 'muted' }, 'Tools that change anything still wait for an approval.'),
    button,
  );
  fill(ctx.main, h('h1', {}, 'Ask'), form, out);

  let stream = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = prompt.value.trim();
    const environments = [...form.querySelectorAll('input[name=environment]:checked')].map((i) => i.value);
    if (!text) return;
    if (!environments.length) return fill(out, notice('error', 'Choose at least one environment.'));
    stream?.stop();
    button.disabled = true;
    let run;
    try {
      run = await post('/runs', { prompt: text, environments });
    } catch (err) {
      button.disabled = false;
      return fill(out, notice('error', err instanceof ApiError ? `${err.code ?? err.status}: ${err.message}` : String(err?.message ?? err)));
    }
    const state = h('span', { id: 'ask-state' }, badge(run.state));
    const answer = h('div', { id: 'answer', class: 'answer-text' });
    const notes = h('ul', { id: 'ask-notes', class: 'events' });
    fill(out, h('section', { class: 'card answer' }, h('h2', {}, 'Answer ', state), h('p', { class: 'muted' }, 'Run ', link(`/console/runs/${run.id}`, run.id)), answer, notes));
    let streamed = '';
    let final = false;
    stream = followRun(run.id, {
      onEvent: (ev) => {
        if (ev.note) return;
        const d = ev.data ?? {};
        if (ev.type === 'agent.delta' && !final) {
          streamed += d.text ?? '';
          answer.textContent = streamed;
          answer.classList.add('streaming');
        } else if (ev.type === 'agent.answer') {
          final = true;
          answer.textContent = d.text ?? '';
          answer.classList.remove('streaming');
          answer.classList.add('final');
        } else if (ev.type === 'agent.proposed') {
          notes.append(h('li', {}, 'The agent calls ', h('code', {}, d.tool)));
        } else if (ev.type === 'approval.requested') {
          notes.append(h('li', {}, 'Waiting for an approval: ', link(`/console/approvals/${d.approvalId}`, d.approvalId)));
        } else if (ev.type === 'run.finished') {
          fill(state, badge(d.state));
          button.disabled = false;
          const said = d.outputs && typeof d.outputs.answer === 'string' ? d.outputs.answer : null;
          if (!final && said) answer.textContent = said;
          if (!final) answer.classList.remove('streaming');
          answer.classList.add('final');
          if (d.state !== 'succeeded') notes.append(h('li', {}, notice('error', `The run ${d.state}${d.reason ? `: ${d.reason}` : ''}.`)));
        } else if (ev.type === 'run.state') {
          fill(state, badge(d.to));
        }
      },
    });
  });
  return () => stream?.stop();
}
