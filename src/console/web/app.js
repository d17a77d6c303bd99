// The console's entry: the session (sign in / sign out / expiry), the router (history API, deep links), the pages.
import { api, ApiError, setCsrf, whenSignedOut } from './api.js';
import { fill, h, notice } from './dom.js';
import { renderApproval } from './page-approval.js';
import { renderApprovals } from './page-approvals.js';
import { renderAsk } from './page-ask.js';
import { renderFindings } from './page-findings.js';
import { renderQuestions } from './page-questions.js';
import { renderRun } from './page-run.js';
import { renderRuns } from './page-runs.js';
import { renderSchedules } from './page-schedules.js';
import { renderSignIn } from './page-signin.js';

const ROUTES = [
  [/^\/console\/?$/, renderRuns, 'runs'],
  [/^\/console\/runs\/?$/, renderRuns, 'runs'],
  [/^\/console\/runs\/(run_[0-9a-z]+)$/, renderRun, 'runs'],
  [/^\/console\/approvals\/?$/, renderApprovals, 'approvals'],
  [/^\/console\/approvals\/([A-Za-z0-9_-]+)$/, renderApproval, 'approvals'],
  [/^\/console\/questions\/?$/, renderQuestions, 'questions'],
  [/^\/console\/findings\/?$/, renderFindings, 'findings'],
  [/^\/console\/schedules\/?$/, renderSchedules, 'schedules'],
  [/^\/console\/ask\/?$/, renderAsk, 'ask'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let session = null;
let cleanup = null;
let expiryTimer = null;
let generation = 0;

function stopPage() {
  generation++;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not keep the next one from showing */
    }
  }
  cleanup = null;
}

function showSignedIn(s) {
  session = s;
  setCsrf(s.csrfToken);
  document.getElementById('who-name').textContent = `${s.principal} (${s.role})`;
  nav.hidden = false;
  who.hidden = false;
  document.body.dataset.role = s.role;
  clearTimeout(expiryTimer);
  const left = Date.parse(s.expiresAt) - Date.now();
  // setTimeout takes at most ~24.8 days; a session is far shorter.
  if (left > 0 && left < 2 ** 31 - 1) expiryTimer = setTimeout(() => signedOut('Your session expired. Sign in again.'), left);
}

function signedOut(message) {
  stopPage();
  session = null;
  setCsrf(null);
  clearTimeout(expiryTimer);
  nav.hidden = true;
  who.hidden = true;
  delete document.body.dataset.role;
  document.title = 'Sign in · Steward';
  renderSignIn(main, {
    message,
    signIn: async (token) => {
      const s = await api('POST', '/console/session', { token });
      showSignedIn(s);
      route();
    },
  });
}

whenSignedOut((err) => {
  if (session) signedOut(err instanceof ApiError && err.problem?.detail ? `Signed out: ${err.problem.detail}` : 'Your session ended. Sign in again.');
});

/** Shows the page for the current URL. */
function route() {
  stopPage();
  if (!session) return signedOut();
  const path = location.pathname;
  const mine = generation;
  for (const [re, render, section] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    for (const a of nav.querySelectorAll('a[data-nav]')) a.classList.toggle('active', a.dataset.nav === section);
    const ctx = {
      main,
      params: m.slice(1),
      session,
      navigate,
      query: new URLSearchParams(location.search),
      /** false once the reader has left this page (late answers must not draw over the next page). */
      alive: () => generation === mine,
    };
    fill(main, h('p', { class: 'muted' }, 'Loading…'));
    Promise.resolve(render(ctx))
      .then((c) => {
        if (generation === mine) cleanup = typeof c === 'function' ? c : null;
        else if (typeof c === 'function') c();
      })
      .catch((e) => {
        if (generation !== mine || (e instanceof ApiError && e.status === 401)) return;
        fill(main, notice('error', e instanceof ApiError ? `${e.code ?? e.status}: ${e.message}` : String(e?.message ?? e)));
      });
    return;
  }
  fill(main, h('h1', {}, 'Not found'), notice('error', `The console has no page at ${path}.`));
}

export function navigate(path) {
  if (path !== location.pathname + location.search) history.pushState(null, '', path);
  route();
}

document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/console')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await api('DELETE', '/console/session');
  } catch {
    /* already ended: signing out anyway */
  }
  signedOut('Signed out.');
});

async function boot() {
  try {
    showSignedIn(await api('GET', '/console/session'));
    route();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signedOut();
    else fill(main, notice('error', `The daemon did not answer: ${e?.message ?? e}`));
  }
}
boot();
