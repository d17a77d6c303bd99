import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';

/**
 * /docs: Swagger UI over /openapi.json, usable in a browser. The page and its assets are public (they hold nothing of
 * this daemon); the page asks for a token, keeps it in the tab's sessionStorage (never in the URL), and sends it as
 * Authorization: Bearer on every request it makes, the document's included (which stays viewer-only). Signed in to the
 * console (/console), it needs no token: the session cookie goes along, with the CSRF header on state changes.
 */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'];
export const DOCS_PUBLIC_PATHS = ['/docs', '/docs/', '/docs/docs.js', ...ASSETS.map((a) => `/docs/${a}`)];

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Steward API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>#token-form{font-family:sans-serif;padding:12px 20px;border-bottom:1px solid #ddd;display:flex;gap:8px;align-items:center}#token{flex:1;max-width:480px;font-family:monospace}</style>
</head>
<body>
<form id="token-form" autocomplete="off">
  <label for="token">Bearer token</label>
  <input id="token" type="password" placeholder="paste a token (viewer or higher)" spellcheck="false">
  <button type="submit">Use token</button>
  <button type="button" id="forget">Forget</button>
  <a href="/console">Console sign-in</a>
  <span id="status"></span>
</form>
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

const SCRIPT = `(() => {
  const KEY = 'steward.token';
  const status = document.getElementById('status');
  const input = document.getElementById('token');
  // Signed in to the console: its session cookie goes with every same-origin request; a state change also needs the
  // session's CSRF token. A token pasted here (sent as Authorization: Bearer) takes precedence.
  let session = null;
  function load(token) {
    const ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#ui',
      requestInterceptor: (req) => {
        const t = sessionStorage.getItem(KEY);
        if (t) req.headers.Authorization = 'Bearer ' + t;
        else if (session && req.method && req.method.toUpperCase() !== 'GET') req.headers['X-Steward-CSRF'] = session.csrfToken;
        return req;
      },
      onComplete: () => token && ui.preauthorizeApiKey('bearer', token),
    });
  }
  function show() {
    const token = sessionStorage.getItem(KEY);
    if (token) { status.textContent = 'Using the token of this tab.'; return load(token); }
    if (session) { status.textContent = 'Signed in to the console as ' + session.principal + ' (' + session.role + ').'; return load(null); }
    status.textContent = 'Paste a token to load the API description, or sign in at /console.';
    document.getElementById('ui').replaceChildren();
  }
  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (t) sessionStorage.setItem(KEY, t);
    input.value = '';
    show();
  });
  document.getElementById('forget').addEventListener('click', () => { sessionStorage.removeItem(KEY); show(); });
  fetch('/console/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null), () => null)
    .then((s) => { session = s; show(); });
})();
`;

/** Serves the docs page, its script and the Swagger UI assets (from swagger-ui-dist, as @nestjs/swagger resolves it). */
export function mountDocs(app: NestExpressApplication): void {
  const fromSwagger = createRequire(createRequire(import.meta.url).resolve('@nestjs/swagger'));
  const dir = (fromSwagger('swagger-ui-dist/absolute-path.js') as () => string)();
  const http = app.getHttpAdapter().getInstance() as { get(path: string, h: (req: Request, res: Response) => void): void };
  const page = (_req: Request, res: Response) => void res.status(200).set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' }).type('html').send(PAGE);
  http.get('/docs', page);
  http.get('/docs/', page);
  http.get('/docs/docs.js', (_req, res) => void res.status(200).set('Content-Security-Policy', CSP).type('application/javascript').send(SCRIPT));
  for (const asset of ASSETS) http.get(`/docs/${asset}`, (_req, res) => res.sendFile(join(dir, asset), { maxAge: '1h' }));
}
