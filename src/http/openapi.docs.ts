import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';

/**
 * /docs: Swagger UI over /openapi.json, usable in a browser. The page and its assets are public (they hold nothing of
 * this daemon); the page asks for a token, keeps it in the tab's sessionStorage (never in the URL), and sends it as
 * Authorization: Bearer on every request it makes, the document's included (which stays viewer-only).
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
  function show() {
    const token = sessionStorage.getItem(KEY);
    if (!token) { status.textContent = 'Paste a token to load the API description.'; document.getElementById('ui').replaceChildren(); return; }
    status.textContent = 'Using the token of this tab.';
    const ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#ui',
      requestInterceptor: (req) => { const t = sessionStorage.getItem(KEY); if (t) req.headers.Authorization = 'Bearer ' + t; return req; },
      onComplete: () => ui.preauthorizeApiKey('bearer', sessionStorage.getItem(KEY)),
    });
  }
  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (t) sessionStorage.setItem(KEY, t);
    input.value = '';
    show();
  });
  document.getElementById('forget').addEventListener('click', () => { sessionStorage.removeItem(KEY); show(); });
  show();
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
