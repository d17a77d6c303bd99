// Sign in: a token (any configured one) is exchanged for an HttpOnly session cookie; the token is not kept.
import { ApiError } from './api.js';
import { fill, h, notice } from './dom.js';

export function renderSignIn(main, { message, signIn }) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'stw_…' });
  const status = h('div', { id: 'sign-in-status' }, message ? notice('info', message) : null);
  const button = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card sign-in', id: 'sign-in-form' },
    h('h1', {}, 'Sign in to Steward'),
    h('p', { class: 'muted' }, 'Paste your Steward token (from steward.yaml auth.tokens, or .steward/admin.token). It is exchanged for a session cookie and not stored by this page.'),
    h('label', { for: 'token' }, 'Token'),
    input,
    button,
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    try {
      await signIn(token);
    } catch (err) {
      input.value = '';
      fill(status, notice('error', err instanceof ApiError ? `Sign-in refused: ${err.message}` : `Sign-in failed: ${err?.message ?? err}`));
      button.disabled = false;
      input.focus();
    }
  });
  fill(main, form);
  input.focus();
}
