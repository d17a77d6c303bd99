import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import request from 'supertest';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { LocalIssuer, makeKey } from '../helpers/issuer.js';
import { waitForRun } from '../helpers/runs.js';
import { until } from '../helpers/wait.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const AUDIENCE = 'steward-e2e';
const COOLDOWN_MS = 2000;
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const MCP_HEADERS = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' };

const ssoYaml = (issuer: string) =>
  configYaml(
    [
      `  jwt:`,
      `    issuer: ${issuer}`,
      `    audience: ${AUDIENCE}`,
      `    jwksCooldown: ${COOLDOWN_MS}ms`,
      `    scopes: [steward]`,
      `    roles:`,
      `      claim: groups`,
      `      map: { bi-viewers: viewer, bi-ops: operator, bi-approvers: approver }`,
      `environments:\n  lab: { kind: demo }`,
      `playbooks:\n  dirs: [${FIXTURES}]`,
      '',
    ].join('\n'),
  );

describe('single sign-on: JWT access tokens from a local issuer', () => {
  let issuer: LocalIssuer;
  let d: TestDaemon;
  const minted: string[] = [];
  const clients: Client[] = [];
  const mint = async (...args: Parameters<LocalIssuer['mint']>) => {
    const t = await issuer.mint(...args);
    minted.push(t);
    return t;
  };
  const asJwt = (t: string) => `Bearer ${t}`;

  beforeAll(async () => {
    issuer = await new LocalIssuer(AUDIENCE).start();
    d = await startTestDaemon(ssoYaml(issuer.url));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await d?.close();
    await issuer?.close();
  });

  it('an operator token lists tools over /mcp with the SDK client and starts a run over REST, as jwt:<name>', async () => {
    const alice = await mint({ sub: 'u-alice', preferred_username: 'alice', groups: ['staff', 'bi-ops'] });
    expect((await request(d.url).get('/whoami').set('Authorization', asJwt(alice)).expect(200)).body).toEqual({ name: 'jwt:alice', role: 'operator' });

    const client = new Client({ name: 'sso-e2e', version: '1' });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: asJwt(alice) } } }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['demo__util__echo', 'demo__notes__write']));

    const run = await request(d.url).post('/runs').set('Authorization', asJwt(alice)).send({ playbook: 'demo-read', environments: { target: 'lab' } }).expect(202);
    const done = await waitForRun(d, run.body.id, ['succeeded']);
    expect(done.requestedBy).toBe('jwt:alice');
  });

  it('a write from an MCP client records the JWT principal as requester; its MCP session is bound to it', async () => {
    const bob = await mint({ sub: 'u-bob', preferred_username: 'bob', groups: ['bi-ops'] });
    const transport = new StreamableHTTPClientTransport(new URL(`${d.url}/mcp`), { requestInit: { headers: { Authorization: asJwt(bob) } } });
    const client = new Client({ name: 'sso-e2e', version: '1' });
    clients.push(client);
    await client.connect(transport);
    const first = await client.callTool({ name: 'demo__notes__write', arguments: { key: 'sso', text: 'x', environment: 'lab' } });
    expect(first.isError).toBe(true);
    const approval = (first._meta as Record<string, { id: string }>)['steward/approval'];
    const shown = await request(d.url).get(`/approvals/${approval.id}`).set('Authorization', bearer('viewer')).expect(200);
    expect(shown.body).toMatchObject({ status: 'pending', requestedBy: 'jwt:bob', tool: 'demo.notes.write' });

    // The same session under another credential (a static operator token, or another person's JWT) is not found.
    const carol = await mint({ sub: 'u-carol', preferred_username: 'carol', groups: ['bi-ops'] });
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    for (const auth of [bearer('operator'), asJwt(carol)]) {
      const res = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Mcp-Session-Id', transport.sessionId!).set('MCP-Protocol-Version', '2025-06-18').set('Authorization', auth).send(list);
      expect([auth === bearer('operator') ? 'static' : 'carol', res.status]).toEqual([auth === bearer('operator') ? 'static' : 'carol', 404]);
    }
  });

  it('a viewer mapping can read and not start runs; static tokens keep working beside JWTs', async () => {
    const vera = await mint({ sub: 'u-vera', preferred_username: 'vera', groups: 'bi-viewers' });
    await request(d.url).get('/runs').set('Authorization', asJwt(vera)).expect(200);
    const denied = await request(d.url).post('/runs').set('Authorization', asJwt(vera)).send({ playbook: 'demo-read', environments: { target: 'lab' } }).expect(403);
    expect(denied.body).toMatchObject({ code: 'AUTH_FORBIDDEN', detail: 'token "jwt:vera" has role viewer; this needs operator or higher' });
    expect((await request(d.url).get('/whoami').set('Authorization', bearer('approver')).expect(200)).body).toEqual({ name: 'approver', role: 'approver' });
  });

  it('a valid token whose groups map to no role is 403 AUTH_NO_ROLE naming the claim', async () => {
    const mallory = await mint({ sub: 'u-m', preferred_username: 'mallory', groups: ['marketing', 'staff'] });
    const res = await request(d.url).get('/runs').set('Authorization', asJwt(mallory)).expect(403);
    expect(res.body).toMatchObject({
      code: 'AUTH_NO_ROLE',
      detail: 'the token of "jwt:mallory" is valid but gives no Steward role: its claim "groups" holds 2 values, none of them mapped in auth.jwt.roles.map (or set auth.jwt.roles.default: viewer)',
    });
    const none = await mint({ sub: 'u-n' });
    expect((await request(d.url).get('/runs').set('Authorization', asJwt(none)).expect(403)).body.detail).toContain('its claim "groups" is absent or holds no strings');
  });

  it('expired, wrong audience, wrong issuer, wrong key, no expiry and a shared-secret algorithm are 401 AUTH_TOKEN_INVALID with the reason', async () => {
    const claims = { sub: 'u-alice', preferred_username: 'alice', groups: ['bi-ops'] };
    const stranger = await makeKey('key-1'); // same kid as the issuer's key, another key pair
    const hs = await new SignJWT({ ...claims, iss: issuer.url, aud: AUDIENCE }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    minted.push(hs);
    const cases: Array<[string, string, RegExp]> = [
      ['expired', await mint(claims, { expiresIn: Math.floor(Date.now() / 1000) - 120 }), /^the bearer JWT was rejected: it expired at \d{4}-\d\d-\d\dT/],
      ['audience', await mint({ ...claims, aud: 'someone-else' }), /its audience \(aud\) is not steward-e2e$/],
      ['issuer', await mint({ ...claims, iss: 'https://evil.example.com' }), /it was not issued by http:\/\/127\.0\.0\.1:\d+ \(iss\)$/],
      ['wrong key', await mint(claims, { key: stranger }), /its signature does not verify with the issuer's key$/],
      ['no exp', await mint(claims, { expiresIn: null }), /it has no expiry \(exp\)$/],
      ['HS256', hs, /its algorithm is not one of auth\.jwt\.algorithms \(RS256, ES256\)$/],
    ];
    for (const [what, token, reason] of cases) {
      const res = await request(d.url).post('/mcp').set(MCP_HEADERS).set('Authorization', asJwt(token)).send(INIT);
      expect([what, res.status, res.body.code]).toEqual([what, 401, 'AUTH_TOKEN_INVALID']);
      expect([what, res.body.detail]).toEqual([what, expect.stringMatching(reason)]);
      expect([what, res.headers['www-authenticate']]).toEqual([
        what,
        expect.stringMatching(new RegExp(`^Bearer realm="steward", resource_metadata="${d.url}/\\.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="the bearer JWT was rejected: `)),
      ]);
      expect(res.body.detail).not.toContain(token.split('.')[1]);
    }
  });

  it('a new key in the JWKS is picked up (rotation); unknown keys refetch the JWKS at most once per cooldown', async () => {
    const claims = { sub: 'u-alice', preferred_username: 'alice', groups: ['bi-ops'] };
    const stranger = await makeKey('key-unknown');
    const before = issuer.jwksFetches.length;
    const started = Date.now();
    for (let i = 0; i < 8; i++) {
      const res = await request(d.url).get('/whoami').set('Authorization', asJwt(await mint(claims, { key: stranger }))).expect(401);
      expect(res.body.detail).toMatch(/no key in the issuer's key set matches it/);
    }
    const allowed = 1 + Math.floor((Date.now() - started) / COOLDOWN_MS);
    expect(issuer.jwksFetches.length - before).toBeLessThanOrEqual(allowed);

    // Once the cooldown since the last fetch is over, a token signed by a key added to the JWKS is accepted at once.
    const key2 = await issuer.rotate('key-2', 'ES256');
    await until('the JWKS cooldown to pass', () => (Date.now() > issuer.jwksFetches.at(-1)! + COOLDOWN_MS + 50 ? true : undefined), COOLDOWN_MS * 5);
    const rotated = await mint(claims, { key: key2 });
    expect((await request(d.url).get('/whoami').set('Authorization', asJwt(rotated)).expect(200)).body).toEqual({ name: 'jwt:alice', role: 'operator' });
    // The old key still verifies while the issuer publishes it.
    await request(d.url).get('/whoami').set('Authorization', asJwt(await mint(claims, { key: issuer.keys[0] }))).expect(200);
  });

  it('publishes RFC 9728 metadata without auth, and every 401 points at it', async () => {
    const expected = {
      resource: `${d.url}/mcp`,
      authorization_servers: [issuer.url],
      bearer_methods_supported: ['header'],
      scopes_supported: ['steward'],
      resource_name: 'Steward',
      resource_documentation: `${d.url}/docs`,
    };
    expect((await request(d.url).get('/.well-known/oauth-protected-resource').expect(200)).body).toEqual(expected);
    expect((await request(d.url).get('/.well-known/oauth-protected-resource/mcp').expect(200)).body).toEqual(expected);

    const mcp = await request(d.url).post('/mcp').set(MCP_HEADERS).send(INIT).expect(401);
    expect(mcp.headers['www-authenticate']).toBe(`Bearer realm="steward", resource_metadata="${d.url}/.well-known/oauth-protected-resource/mcp"`);
    const api = await request(d.url).get('/runs').expect(401);
    expect(api.headers['www-authenticate']).toBe(`Bearer realm="steward", resource_metadata="${d.url}/.well-known/oauth-protected-resource"`);
    const unknown = await request(d.url).get('/runs').set('Authorization', 'Bearer not-a-known-token-123').expect(401);
    expect(unknown.headers['www-authenticate']).toMatch(/^Bearer realm="steward", resource_metadata="[^"]+", error="invalid_token", error_description="the bearer token is not one this daemon knows"$/);

    const register = await request(d.url).post('/register').send({ client_name: 'x' }).expect(404);
    expect(register.body).toMatchObject({ code: 'AUTH_NOT_OAUTH_SERVER', detail: expect.stringContaining(`get an access token from ${issuer.url}`) });
  });

  it('never writes a JWT to the log', () => {
    expect(minted.length).toBeGreaterThan(10);
    for (const t of minted) {
      expect(d.logs.text).not.toContain(t);
      expect(d.logs.text).not.toContain(t.split('.')[2]);
    }
    expect(d.logs.text).toMatch(/"msg":"jwt valid but no role mapped; refused"/);
  });
});

describe('without auth.jwt, and with an issuer that does not answer', () => {
  it('no SSO: the metadata is 404, 401s carry a plain challenge, /register says to use a header', async () => {
    const d = await startTestDaemon();
    try {
      const meta = await request(d.url).get('/.well-known/oauth-protected-resource').expect(404);
      expect(meta.body).toMatchObject({ code: 'AUTH_SSO_NOT_CONFIGURED', detail: expect.stringContaining('--header "Authorization: Bearer ${STEWARD_TOKEN}"') });
      await request(d.url).get('/.well-known/oauth-protected-resource/mcp').expect(404);
      const mcp = await request(d.url).post('/mcp').set(MCP_HEADERS).send(INIT).expect(401);
      expect(mcp.headers['www-authenticate']).toBe('Bearer realm="steward"');
      const register = await request(d.url).post('/register').send({ client_name: 'x' }).expect(404);
      expect(register.body).toMatchObject({ code: 'AUTH_NOT_OAUTH_SERVER', detail: expect.stringMatching(/^Steward is not an OAuth authorization server and registers no clients: give the client a token/) });
      for (const p of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        expect([p, (await request(d.url).get(p).expect(404)).body.code]).toEqual([p, 'AUTH_NOT_OAUTH_SERVER']);
      }
      // A JWT-shaped bearer is just an unknown static token here.
      const res = await request(d.url).get('/runs').set('Authorization', 'Bearer aaa.bbb.ccc').expect(401);
      expect(res.body.code).toBe('AUTH_INVALID_TOKEN');
    } finally {
      await d.close();
    }
  });

  it('an issuer that does not answer makes JWTs 503 AUTH_ISSUER_UNAVAILABLE; static tokens still work', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const gone = new LocalIssuer(AUDIENCE);
    const d = await startTestDaemon(ssoYaml(`http://127.0.0.1:${port}`));
    try {
      await gone.start();
      const token = await gone.mint({ sub: 'u', groups: ['bi-ops'] });
      const res = await request(d.url).get('/runs').set('Authorization', `Bearer ${token}`).expect(503);
      expect(res.body).toMatchObject({ code: 'AUTH_ISSUER_UNAVAILABLE', detail: expect.stringMatching(new RegExp(`^cannot check JWTs from http://127\\.0\\.0\\.1:${port}: http://127\\.0\\.0\\.1:${port}/\\.well-known/openid-configuration cannot be read: ECONNREFUSED; static tokens still work$`)) });
      await request(d.url).get('/runs').set('Authorization', bearer('viewer')).expect(200);
    } finally {
      await d.close();
      await gone.close();
    }
  });
});
