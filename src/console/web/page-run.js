// One run: its state, steps (each with its plan, output and error), outputs, findings and an event log, all kept up
// to date from the run's event stream (which resumes after a reconnect).
import { get } from './api.js';
import { badge, fill, h, json, link, notice, when } from './dom.js';
import { renderPlan } from './plan.js';
import { followRun } from './stream.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

function describe(e) {
  const d = e.data ?? {};
  switch (e.type) {
    case 'run.state': return `${d.from} → ${d.to}${d.reason ? ` (${d.reason})` : ''}`;
    case 'run.plan_ready': return `plan of ${d.steps?.length ?? 0} write step(s) ready${d.approvalId ? `, one approval of the whole plan: ${d.approvalId}` : ''}`;
    case 'run.finished': return `${d.state}${d.reason ? ` (${d.reason})` : ''}`;
    case 'step.started': return `${d.stepId}${d.tool ? ` · ${d.tool}` : ''}${d.attempt > 1 ? ` · attempt ${d.attempt}` : ''}`;
    case 'step.plan': return `${d.stepId} · ${d.outcome}`;
    case 'step.failed': return `${d.stepId} · ${d.error?.code}: ${d.error?.message}`;
    case 'step.skipped': case 'step.cancelled': case 'step.unknown': return `${d.stepId} · ${d.reason}`;
    case 'step.progress': return `${d.stepId} · ${d.message ?? ''} ${d.total ? `${d.progress}/${d.total}` : d.progress}`;
    case 'question.asked': return `${d.questionId} · ${d.question}`;
    case 'question.answered': return `${d.questionId} · ${d.status}${d.by ? ` by ${d.by}` : ''}`;
    case 'approval.requested': return `${d.approvalId}${d.tool ? ` · ${d.tool}` : ''}${d.message ? ` · ${d.message}` : ''}`;
    case 'approval.decided': return `${d.approvalId} · ${d.decision} by ${d.by}${d.comment ? `: “${d.comment}”` : ''}`;
    case 'finding': return `${d.severity} · ${d.check}${d.asset ? ` · ${d.asset}` : ''}: ${d.message}`;
    case 'agent.proposed': return `${d.tool}`;
    case 'agent.result': return `${d.tool} · ${d.ok ? 'ok' : d.error?.code ?? 'failed'}`;
    default: return d.stepId ?? '';
  }
}

export function renderStep(s) {
  return h(
    'section',
    { class: 'step card', dataset: { step: s.id, state: s.state } },
    h(
      'header',
      { class: 'step-head' },
      h('h3', {}, s.id),
      s.tool ? h('code', {}, s.tool) : h('span', { class: 'muted' }, s.kind),
      s.effect ? h('span', { class: `tag effect-${s.effect}` }, s.effect) : null,
      badge(s.state),
      s.attempt > 1 ? h('span', { class: 'muted' }, `attempt ${s.attempt}`) : null,
      s.dryRun ? h('span', { class: 'tag' }, `dry run: ${s.dryRun}`) : null,
    ),
    s.approvalId ? h('p', {}, 'Approval: ', link(`/console/approvals/${s.approvalId}`, s.approvalId)) : null,
    s.error ? notice('error', `${s.error.code}: ${s.error.message}`) : null,
    s.plan || s.planView ? h('div', { class: 'step-plan' }, h('h4', {}, 'Plan'), renderPlan(s.planView, s.plan)) : null,
    s.output !== null && s.output !== undefined ? h('details', { class: 'step-output' }, h('summary', {}, 'Output'), json(s.output)) : null,
  );
}

export async function renderRun(ctx) {
  const [id] = ctx.params;
  document.title = `${id} · Steward`;
  const pendingOf = () => get(`/approvals?runId=${encodeURIComponent(id)}&status=pending`).then((r) => r.approvals, () => []);
  let [run, approvals] = await Promise.all([get(`/runs/${id}`), pendingOf()]);
  if (!ctx.alive()) return;

  const state = h('span', { id: 'run-state' });
  const status = h('span', { id: 'stream-status', class: 'muted' }, 'connecting');
  const facts = h('dl', { class: 'facts' });
  const steps = h('div', { id: 'steps' });
  const outputs = h('div', { id: 'outputs' });
  const answer = h('div', { id: 'answer' });
  const findings = h('ul', { id: 'findings', class: 'findings' });
  const log = h('ol', { id: 'events', class: 'events' });
  const pending = h('div', { id: 'pending' });
  fill(
    ctx.main,
    h('h1', {}, 'Run ', h('code', {}, id), ' ', state),
    h('p', { class: 'muted' }, 'Live: ', status),
    pending,
    facts,
    answer,
    h('h2', {}, 'Steps'),
    steps,
    h('h2', {}, 'Outputs'),
    outputs,
    h('h2', {}, 'Findings'),
    findings,
    h('details', { class: 'events-box', open: true }, h('summary', {}, 'Events'), log),
  );

  const texts = new Map(); // stepId -> { el, text, final }
  const answerOf = (stepId) => {
    let t = texts.get(stepId);
    if (!t) {
      t = { el: h('div', { class: 'answer-text', dataset: { step: stepId } }), text: '', final: false };
      texts.set(stepId, t);
      answer.append(h('section', { class: 'card answer' }, h('h2', {}, 'Answer'), t.el));
    }
    return t;
  };

  const draw = () => {
    fill(state, badge(run.state));
    fill(
      facts,
      h('dt', {}, run.kind === 'prompt' ? 'Prompt' : 'Playbook'),
      h('dd', {}, run.kind === 'prompt' ? h('span', { class: 'prompt' }, run.prompt ?? '') : run.playbook),
      run.dryRun ? [h('dt', {}, 'Dry run'), h('dd', {}, 'yes: nothing is changed')] : null,
      h('dt', {}, 'Requested by'), h('dd', {}, run.requestedBy),
      h('dt', {}, 'Environments'), h('dd', {}, Object.entries(run.environments ?? {}).map(([k, v]) => (Array.isArray(run.environments) ? v : `${k}: ${v}`)).join(', ') || '—'),
      run.reason ? [h('dt', {}, 'Reason'), h('dd', { id: 'run-reason' }, run.reason)] : null,
      h('dt', {}, 'Created'), h('dd', {}, when(run.createdAt)),
      h('dt', {}, 'Finished'), h('dd', {}, when(run.finishedAt)),
      run.inputs && Object.keys(run.inputs).length ? [h('dt', {}, 'Inputs'), h('dd', {}, json(run.inputs))] : null,
    );
    fill(steps, run.steps?.length ? run.steps.map(renderStep) : h('p', { class: 'muted' }, 'No step has started yet.'));
    fill(outputs, run.outputs && Object.keys(run.outputs).length ? json(run.outputs) : h('p', { class: 'muted' }, TERMINAL.includes(run.state) ? 'No outputs.' : 'Outputs appear when the run finishes.'));
    const what = (a) => (a.kind === 'run_plan' ? 'The whole run\'s plan waits for one approval' : a.stepKey ? `Step ${a.stepKey} waits for an approval` : 'An approval is pending');
    const asked = (run.questions ?? []).filter((q) => q.status === 'pending');
    fill(
      pending,
      run.state === 'awaiting_approval' ? approvals.map((a) => notice('info', h('span', {}, `${what(a)}: `, link(`/console/approvals/${a.id}`, 'review the plan and decide')))) : null,
      run.state === 'awaiting_approval' ? asked.map((q) => notice('info', h('span', { dataset: { question: q.id } }, `Step ${q.stepKey} asks: “${q.question}” `, link('/console/questions', 'answer it')))) : null,
    );
  };
  draw();

  let refreshTimer = null;
  let refreshing = Promise.resolve();
  const refresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshing = refreshing.then(async () => {
        const [r, a] = await Promise.all([get(`/runs/${id}`).catch(() => null), pendingOf()]);
        if (r && ctx.alive()) {
          run = r;
          approvals = a;
          draw();
        }
      });
    }, 150);
  };

  const stream = followRun(id, {
    onStatus: (s) => {
      status.textContent = s;
      status.dataset.status = s;
    },
    onEvent: (e) => {
      if (e.note) return log.append(h('li', { class: 'note' }, `${e.type}: ${e.data?.message ?? ''}`));
      log.append(h('li', { dataset: { seq: e.seq, type: e.type } }, h('span', { class: 'seq' }, `#${e.seq}`), ' ', h('code', {}, e.type), ' ', describe(e), ' ', h('span', { class: 'muted' }, when(e.at))));
      if (e.type === 'agent.delta') {
        const t = answerOf(e.data.stepId);
        if (!t.final) {
          t.text += e.data.text ?? '';
          t.el.textContent = t.text;
        }
      } else if (e.type === 'agent.answer') {
        const t = answerOf(e.data.stepId);
        t.final = true;
        t.text = e.data.text ?? '';
        t.el.textContent = t.text;
        t.el.classList.add('final');
      } else if (e.type === 'finding') {
        const d = e.data;
        findings.append(h('li', { class: `sev-${d.severity}` }, h('span', { class: 'badge' }, d.severity), ' ', h('code', {}, d.check), d.asset ? ` · ${d.asset}` : '', ': ', d.message));
      }
      if (e.type.startsWith('run.') || e.type.startsWith('step.') || e.type.startsWith('approval.') || e.type.startsWith('question.')) refresh();
    },
  });
  return () => {
    stream.stop();
    clearTimeout(refreshTimer);
  };
}

