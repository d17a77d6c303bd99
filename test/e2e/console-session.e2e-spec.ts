import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

/**
 * The web console over plain HTTP: the public shell and assets with their security headers, and sign-in sessions —
 * a token exchanged for an HttpOnly cookie that authenticates API calls with the token's role, CSRF on every state
 * change, forged / expired / signed-out / removed-token sessions refused, nothing secret logged or stored.
 */
const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const EXTRA_TOKEN = 'operator-b-token-eeeeeeeeeeeeeeee';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const extra = (withB: boolean, ttl = '12h') =>
  [
    ...(withB ? [`    - { name: operator-b, token: ${EXTRA_TOKEN}, role: operator }`] : []),
    'environments:',
    '  lab: { kind: demo }',
    `playbooks:\n  dirs: [${FIXTURES}]`,
    `console: { sessionTtl: ${ttl} }`,
  ].join('\n');
const yaml = (withB: boolean, ttl?: string) => configYaml(extra(withB, ttl));

interface Session {
  cookie: string;
  csrf: string;
  body: any;
  setCookie: string;
}

async function signIn(url: string, token: string): Promise<Session> {
  const res = await request(url).post('/console/session').send({ token }).expect(201);
  const setCookie = String(res.headers['set-cookie']?.[0] ?? '');
  const cookie = setCookie.split(';')[0];
  return { cookie, csrf: res.body.csrfToken, body: res.body, setCookie };
}

describe('web console: shell, assets and sign-in sessions over HTTP', () => {
  let d: TestDaemon;
  const secrets: string[] = [];

  beforeAll(async () => {
    d = await startTestDaemon(yaml(true));
  });
  afterAll(() => d?.close());

  it('serves one public HTML shell for /console and its deep links, with a strict CSP and no inline script or style', async () => {
    for (const path of ['/console', '/console/', '/console/runs', '/console/runs/run_abc123', '/console/approvals/apr_x', '/console/findings']) {
      const res = await request(d.url).get(path).expect(200);
      expect([path, res.headers['content-type']]).toEqual([path, 'text/html; charset=utf-8']);
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.text).toContain('<script type="module" src="/console/assets/app.js"></script>');
      expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // every script has a src
      expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i); // no inline style, no inline handlers
    }
  });

  it('serves the static ES modules and CSS by name; anything else under assets is 404', async () => {
    const js = await request(d.url).get('/console/assets/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-security-policy']).toBe(CSP);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toMatch(/^import |\nimport /);
    expect(js.text).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|document\.write/);
    const css = await request(d.url).get('/console/assets/console.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const bad of ['/console/assets/nope.js', '/console/assets/..%2Fconsole.module.ts', '/console/assets/index.html']) {
      const res = await request(d.url).get(bad);
      expect([bad, res.status]).toEqual([bad, 404]);
    }
  });

  it('signs in with a token: an HttpOnly SameSite=Strict cookie (12h by default here) and who, role, csrfToken, expiry', async () => {
    const before = Date.now();
    const s = await signIn(d.url, TOKENS.operator);
    secrets.push(s.cookie.split('=')[1], s.csrf);
    expect(s.setCookie).toMatch(/^steward_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Expires=/);
    expect(s.setCookie).not.toContain('Secure'); // plain http here
    expect(s.body).toEqual({ principal: 'operator', role: 'operator', csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(String) });
    const ttl = Date.parse(s.body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(12 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3600_000 + 60_000);
    expect(JSON.stringify(s.body)).not.toContain(s.cookie.split('=')[1]);

    const me = await request(d.url).get('/console/session').set('Cookie', s.cookie).expect(200);
    expect(me.body).toEqual(s.body); // a new tab gets the same CSRF token back
    expect((await request(d.url).get('/whoami').set('Cookie', s.cookie).expect(200)).body).toEqual({ name: 'operator', role: 'operator' });
    expect((await request(d.url).get('/runs').set('Cookie', s.cookie).expect(200)).body).toHaveProperty('runs');
    const context = await request(d.url).get('/console/context').set('Cookie', s.cookie).expect(200);
    expect(context.body).toEqual({ environments: [{ name: 'lab', kind: 'demo', description: null }], llm: false });
  });

  it('refuses a wrong token or a malformed sign-in, saying what is wrong and not repeating the token', async () => {
    const wrong = await request(d.url).post('/console/session').send({ token: 'not-a-known-token-1234567' }).expect(401);
    expect(wrong.body.code).toBe('AUTH_INVALID_TOKEN');
    expect(wrong.body.detail).toBe('the token is not one this daemon knows');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const missing = await request(d.url).post('/console/session').send({}).expect(400);
    expect(missing.body.detail).toMatch(/token/);
    const extraKey = await request(d.url).post('/console/session').send({ token: TOKENS.viewer, role: 'admin' }).expect(400);
    expect(extraKey.body.code).toBe('VALIDATION_FAILED');
  });

  it('a cookie-authenticated state change needs the session\'s X-Steward-CSRF header (403 CSRF_REFUSED); bearer callers need none', async () => {
    const s = await signIn(d.url, TOKENS.operator);
    const start = { playbook: 'demo-read', environments: { target: 'lab' } };
    const none = await request(d.url).post('/runs').set('Cookie', s.cookie).send(start).expect(403);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ code: 'CSRF_REFUSED', status: 403 });
    const wrong = await request(d.url).post('/runs').set('Cookie', s.cookie).set('X-Steward-CSRF', 'A'.repeat(43)).send(start).expect(403);
    expect(wrong.body.code).toBe('CSRF_REFUSED');
    const other = await signIn(d.url, TOKENS.operator);
    const crossed = await request(d.url).post('/runs').set('Cookie', s.cookie).set('X-Steward-CSRF', other.csrf).send(start).expect(403);
    expect(crossed.body.code).toBe('CSRF_REFUSED'); // another session's token is not this one's
    const ok = await request(d.url).post('/runs').set('Cookie', s.cookie).set('X-Steward-CSRF', s.csrf).send(start).expect(202);
    expect(ok.body.id).toMatch(/^run_/);
    const run = (await request(d.url).get(`/runs/${ok.body.id}`).set('Authorization', bearer('viewer')).expect(200)).body;
    expect(run.requestedBy).toBe('operator'); // acts as the token's name
    // Bearer calls keep working as before, with or without a cookie beside them (the header wins).
    await request(d.url).post('/runs').set('Authorization', bearer('operator')).send(start).expect(202);
    await request(d.url).post('/runs').set('Authorization', bearer('operator')).set('Cookie', s.cookie).send(start).expect(202);
  });

  it('the cookie carries the token\'s role and no more: a viewer session is refused a decision (403 AUTH_FORBIDDEN)', async () => {
    const v = await signIn(d.url, TOKENS.viewer);
    const res = await request(d.url).post('/approvals/apr_whatever').set('Cookie', v.cookie).set('X-Steward-CSRF', v.csrf).send({ decision: 'approve' }).expect(403);
    expect(res.body.code).toBe('AUTH_FORBIDDEN');
    await request(d.url).get('/config').set('Cookie', v.cookie).expect(403);
  });

  it('a forged, unknown or malformed cookie is 401 on every API route, without echoing it', async () => {
    const forged = ['steward_session=' + 'x'.repeat(43), 'steward_session=' + 'A'.repeat(43), 'steward_session=not-a-session', 'steward_session='];
    for (const cookie of forged) {
      for (const [method, path] of [['get', '/runs'], ['get', '/console/session'], ['post', '/runs'], ['delete', '/console/session']] as const) {
        const res = await request(d.url)[method](path).set('Cookie', cookie).set('X-Steward-CSRF', 'whatever');
        expect([cookie, method, path, res.status, res.body.code]).toEqual([cookie, method, path, 401, 'AUTH_SESSION_INVALID']);
        expect(res.body.detail).not.toContain(cookie.split('=')[1] || '@@');
      }
    }
    // No cookie and no header: still the bearer challenge, on the console's own API routes too.
    for (const path of ['/runs', '/console/session', '/console/context']) expect([path, (await request(d.url).get(path).expect(401)).body.code]).toEqual([path, 'AUTH_MISSING_TOKEN']);
    expect((await request(d.url).delete('/console/session').expect(401)).body.code).toBe('AUTH_MISSING_TOKEN');
  });

  it('signs out: DELETE needs the CSRF header, revokes the session, clears the cookie; the old cookie is 401', async () => {
    const s = await signIn(d.url, TOKENS.approver);
    expect((await request(d.url).delete('/console/session').set('Cookie', s.cookie).expect(403)).body.code).toBe('CSRF_REFUSED');
    const out = await request(d.url).delete('/console/session').set('Cookie', s.cookie).set('X-Steward-CSRF', s.csrf).expect(204);
    expect(String(out.headers['set-cookie']?.[0])).toMatch(/^steward_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    const after = await request(d.url).get('/runs').set('Cookie', s.cookie).expect(401);
    expect(after.body).toMatchObject({ code: 'AUTH_SESSION_INVALID', detail: 'the console session was signed out; sign in again at /console' });
  });

  it('a bearer caller has no console session to show or end', async () => {
    const res = await request(d.url).get('/console/session').set('Authorization', bearer('viewer')).expect(401);
    expect(res.body.code).toBe('AUTH_SESSION_INVALID');
  });

  it('the browser pages of this daemon may call it (same Origin); other origins are refused as before', async () => {
    const host = new URL(d.url).host;
    const ok = await request(d.url).post('/console/session').set('Origin', `http://${host}`).send({ token: TOKENS.viewer }).expect(201);
    secrets.push(ok.body.csrfToken);
    const evil = await request(d.url).post('/console/session').set('Origin', 'http://evil.example').send({ token: TOKENS.viewer }).expect(403);
    expect(evil.body.code).toBe('ORIGIN_FORBIDDEN');
  });

  it('/openapi.json (what /docs loads) answers a signed-in browser by its cookie, and still a bearer caller', async () => {
    const s = await signIn(d.url, TOKENS.viewer);
    expect((await request(d.url).get('/openapi.json').set('Cookie', s.cookie).expect(200)).body.openapi).toBe('3.1.0');
    expect((await request(d.url).get('/openapi.json').set('Authorization', bearer('viewer')).expect(200)).body.openapi).toBe('3.1.0');
    await request(d.url).get('/openapi.json').expect(401);
  });

  it('stores only hashes and logs neither tokens, session ids nor CSRF tokens', async () => {
    const s = await signIn(d.url, TOKENS.admin);
    secrets.push(s.cookie.split('=')[1], s.csrf);
    const rows = (await d.store.query('SELECT * FROM console_sessions')).rows;
    expect(rows.length).toBeGreaterThan(3);
    const stored = JSON.stringify(rows);
    for (const secret of [...secrets, ...Object.values(TOKENS), EXTRA_TOKEN]) expect(stored).not.toContain(secret);
    for (const r of rows) expect(r.id).toMatch(/^[0-9a-f]{64}$/);
    for (const secret of [...secrets, ...Object.values(TOKENS), EXTRA_TOKEN]) expect(d.logs.text).not.toContain(secret);
    expect(d.logs.text).toContain('console sign-in');
  });

  it('a token removed from steward.yaml by POST /reload ends its sessions at once; other sessions live on', async () => {
    const b = await signIn(d.url, EXTRA_TOKEN);
    const a = await signIn(d.url, TOKENS.operator);
    await request(d.url).get('/runs').set('Cookie', b.cookie).expect(200);
    writeFileSync(join(d.dir, 'steward.yaml'), yaml(false, '12h'));
    const reload = await request(d.url).post('/reload').set('Authorization', bearer('admin')).expect(200);
    expect(JSON.stringify(reload.body)).toContain('operator-b');
    const gone = await request(d.url).get('/runs').set('Cookie', b.cookie).expect(401);
    expect(gone.body.detail).toBe('the token "operator-b" signed in with is no longer accepted; sign in again at /console');
    await request(d.url).get('/runs').set('Cookie', a.cookie).expect(200);
    await until('the removed token\'s session to be marked revoked', async () => {
      const r = await d.store.query<{ n: number }>("SELECT count(*)::int AS n FROM console_sessions WHERE principal = 'operator-b' AND revoked");
      return r.rows[0].n === 1 ? true : undefined;
    });
  });
});

describe('web console sessions end with their expiry', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(yaml(true, '90m'));
  });
  afterAll(() => d?.close());

  it('console.sessionTtl sets the cookie\'s Max-Age and the expiry; a session past it is 401', async () => {
    const s = await signIn(d.url, TOKENS.viewer);
    expect(s.setCookie).toContain('; Max-Age=5400;');
    expect(Date.parse(s.body.expiresAt) - Date.now()).toBeGreaterThan(89 * 60_000);
    await request(d.url).get('/runs').set('Cookie', s.cookie).expect(200);
    // Time passes (without waiting 90 minutes): the stored expiry moves into the past.
    await d.store.query("UPDATE console_sessions SET expires_at = now() - interval '1 second'");
    const expired = await request(d.url).get('/runs').set('Cookie', s.cookie).expect(401);
    expect(expired.body).toMatchObject({ code: 'AUTH_SESSION_INVALID', detail: 'the console session expired; sign in again at /console' });
    expect((await request(d.url).get('/console/session').set('Cookie', s.cookie).expect(401)).body.code).toBe('AUTH_SESSION_INVALID');
  });

  it('an invalid console.sessionTtl is a configuration error naming the key', async () => {
    await expect(startTestDaemon(yaml(true, 'soon'))).rejects.toThrow(/console\.sessionTtl.*duration/);
  });
});
