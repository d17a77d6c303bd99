// Building the page without ever parsing data as HTML: every text goes through textContent (createTextNode).

/**
 * h('a', { href, class: 'x', dataset: { id } , onclick }, 'text', child, [more]) → an element. Attributes are set as
 * attributes (never innerHTML); `on*` keys attach listeners; null / undefined / false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A timestamp as the reader's local time (the ISO text in the title). */
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return h('time', { datetime: iso, title: iso }, Number.isNaN(d.getTime()) ? iso : d.toLocaleString());
}

/** A state as a coloured badge (the colour comes from the CSS class, the text from the data). */
export function badge(state) {
  return h('span', { class: `badge s-${String(state).replace(/[^a-z_]/g, '')}` }, String(state ?? '—'));
}

/** A JSON value, pretty-printed as text. */
export function json(value) {
  return h('pre', { class: 'json' }, value === undefined ? '' : JSON.stringify(value, null, 2));
}

/** A link inside the console (handled by the router without a page load). */
export function link(path, ...children) {
  return h('a', { href: path, 'data-link': '' }, ...children);
}

export function table(headers, rows, opts = {}) {
  return h(
    'table',
    { class: 'grid', ...opts },
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'Nothing here yet.'))),
  );
}

/** A message area for errors and notices. */
export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
