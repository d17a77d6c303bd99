// The questions inbox: what runs asked a person (pending first), each pending one with a form made from its answer
// schema (enum → select, boolean → checkbox, number → number input, string → text; anything else → JSON text).
import { ApiError, get, post, query } from './api.js';
import { badge, fill, h, json, link, notice, table, when } from './dom.js';

const STATUSES = ['pending', 'answered', 'expired', 'cancelled'];

/** One input for a schema; read() gives the value to send (or throws a message). */
function field(schema, name) {
  const id = `answer-${name}`;
  if (Array.isArray(schema?.enum)) {
    const sel = h('select', { id, name }, schema.enum.map((v, i) => h('option', { value: String(i) }, typeof v === 'string' ? v : JSON.stringify(v))));
    return { el: sel, read: () => schema.enum[Number(sel.value)] };
  }
  if (schema?.type === 'boolean') {
    const box = h('input', { id, name, type: 'checkbox' });
    return { el: box, read: () => box.checked };
  }
  if (schema?.type === 'number' || schema?.type === 'integer') {
    const num = h('input', { id, name, type: 'number', step: schema.type === 'integer' ? '1' : 'any', required: true });
    return {
      el: num,
      read: () => {
        if (num.value.trim() === '') throw new Error(`${name}: a number is required`);
        return Number(num.value);
      },
    };
  }
  if (schema?.type === 'string' || schema === undefined) {
    const text = h('input', { id, name, type: 'text' });
    return { el: text, read: () => text.value };
  }
  const area = h('textarea', { id, name, rows: '4', placeholder: 'JSON' });
  return {
    el: area,
    read: () => {
      try {
        return JSON.parse(area.value);
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    },
  };
}

/** The form for a whole answer: a flat object of primitives gets one field per property, anything else one field. */
function answerForm(q, onDone) {
  const s = q.schema ?? {};
  const props = s.type === 'object' && s.properties && Object.values(s.properties).every((p) => Array.isArray(p?.enum) || ['string', 'number', 'integer', 'boolean'].includes(p?.type)) ? s.properties : null;
  const fields = props ? Object.entries(props).map(([k, p]) => [k, field(p, k)]) : [['answer', field(s, 'answer')]];
  const message = h('div', { class: 'answer-message' });
  const form = h(
    'form',
    { class: 'answer', dataset: { question: q.id } },
    fields.map(([k, f]) => h('label', {}, `${props ? k : 'Answer'} `, f.el, ' ')),
    h('button', { type: 'submit' }, 'Answer'),
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let answer;
    try {
      answer = props ? Object.fromEntries(fields.map(([k, f]) => [k, f.read()]).filter(([, v]) => v !== '')) : fields[0][1].read();
    } catch (err) {
      fill(message, notice('error', err.message));
      return;
    }
    try {
      await post(`/questions/${encodeURIComponent(q.id)}`, { answer });
      fill(message);
      onDone();
    } catch (err) {
      fill(message, notice('error', err instanceof ApiError ? `${err.code ?? err.status}: ${err.message}` : String(err)));
    }
  });
  return form;
}

export async function renderQuestions(ctx) {
  const status = ctx.query.get('status') ?? 'pending';
  document.title = 'Questions · Steward';
  const sel = h('select', { id: 'filter-status' }, h('option', { value: 'any', selected: status === 'any' }, 'any status'), STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)));
  sel.addEventListener('change', () => ctx.navigate(`/console/questions${query({ status: sel.value })}`));
  const list = h('div', { id: 'questions-list' });
  // Outside the list: the list reloads (the answered question leaves the pending ones), the confirmation stays.
  const flash = h('div', { id: 'questions-flash', role: 'status' });
  fill(ctx.main, h('h1', {}, 'Questions'), h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('label', {}, 'Status ', sel)), flash, list);
  const answered = (q) => {
    fill(flash, notice('info', 'Answered; the run continues.'), h('div', { class: 'muted' }, `${q.question} (${q.id})`));
    setTimeout(() => ctx.alive() && load().catch(() => undefined), 300);
  };

  const load = async () => {
    const r = await get(`/questions${query({ status: status === 'any' ? undefined : status })}`);
    if (!ctx.alive()) return;
    fill(
      list,
      table(
        ['Question', 'Run', 'Status', 'Asked by', 'Answer', 'Expires'],
        r.questions.map((q) =>
          h(
            'tr',
            { dataset: { questionRow: q.id } },
            h('td', {}, h('strong', {}, q.question), h('div', { class: 'muted' }, q.id, q.from ? ` · from ${q.from.join(', ')}` : '')),
            h('td', {}, link(`/console/runs/${q.runId}`, q.runId), h('div', { class: 'muted' }, q.stepKey)),
            h('td', {}, badge(q.status)),
            h('td', {}, q.askedBy),
            h('td', {}, q.status === 'pending' ? answerForm(q, () => answered(q)) : q.status === 'answered' ? [json(q.answer), h('div', { class: 'muted' }, `by ${q.answeredBy} `, when(q.answeredAt))] : '—'),
            h('td', {}, when(q.expiresAt)),
          ),
        ),
      ),
    );
  };
  await load();
  let timer = null;
  const es = new EventSource('/events?type=question.');
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.alive() && load().catch(() => undefined), 300);
  };
  for (const t of ['question.asked', 'question.answered']) es.addEventListener(t, refresh);
  return () => {
    es.close();
    clearTimeout(timer);
  };
}
