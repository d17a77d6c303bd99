import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { StewardError } from '../../src/common/errors.js';
import { fromText } from '../../src/config/config.loader.js';
import { startDaemon } from '../../src/daemon.js';
import { bearer, configYaml, LogCapture, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';

describe('daemon foundation over real HTTP', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon();
  });
  afterAll(() => d.close());

  it('GET /health needs no token', async () => {
    const res = await request(d.url).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /ready and /version answer a viewer', async () => {
    await request(d.url).get('/ready').set('Authorization', bearer('viewer')).expect(200, { status: 'ready', store: { kind: 'pglite', ok: true } });
    const v = await request(d.url).get('/version').set('Authorization', bearer('viewer')).expect(200);
    expect(v.body).toMatchObject({ name: 'steward', version: '0.1.0', store: 'pglite', instanceId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  describe('401: missing, malformed or unknown tokens, never echoed', () => {
    it.each([
      ['missing', undefined, 'AUTH_MISSING_TOKEN', 'this route needs an Authorization: Bearer <token> header'],
      ['malformed scheme', 'Token sekrit-value-123', 'AUTH_MALFORMED_TOKEN', expect.stringContaining('must be exactly "Bearer <token>"')],
      ['bad characters', 'Bearer a b', 'AUTH_MALFORMED_TOKEN', expect.stringContaining('must be exactly "Bearer <token>"')],
      ['unknown', 'Bearer unknown-token-999999999', 'AUTH_INVALID_TOKEN', 'the bearer token is not one this daemon knows'],
    ])('%s', async (_label, header, code, detail) => {
      const req = request(d.url).get('/version');
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="steward"/);
      expect(res.body).toEqual({
        type: expect.stringMatching(/^https:\/\/steward\.dev\/problems\//),
        title: expect.any(String),
        status: 401,
        code,
        detail,
        requestId: res.headers['x-request-id'],
        instance: '/version',
      });
      expect(JSON.stringify(res.body)).not.toMatch(/sekrit|unknown-token-999/);
    });

    it('unknown routes answer 401 to strangers and 404 to token holders', async () => {
      await request(d.url).get('/no/such/route').expect(401);
      const res = await request(d.url).get('/no/such/route').set('Authorization', bearer('viewer')).expect(404);
      expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('403 per role', () => {
    it.each([
      ['viewer', 403],
      ['operator', 403],
      ['approver', 403],
      ['admin', 200],
    ] as const)('GET /config (admin only) as %s → %d', async (role, status) => {
      const res = await request(d.url).get('/config').set('Authorization', bearer(role)).expect(status);
      if (status === 403) {
        expect(res.body).toMatchObject({ code: 'AUTH_FORBIDDEN', detail: `token "${role}" has role ${role}; this needs admin or higher` });
      }
    });

    it.each(['viewer', 'operator', 'approver', 'admin'] as const)('GET /whoami as %s', async (role) => {
      await request(d.url).get('/whoami').set('Authorization', bearer(role)).expect(200, { name: role, role });
    });

    it('GET /config shows the effective config with secrets redacted', async () => {
      const res = await request(d.url).get('/config').set('Authorization', bearer('admin')).expect(200);
      expect(res.body.auth.tokens[0]).toEqual({ name: 'viewer', token: '[REDACTED]', role: 'viewer' });
      expect(JSON.stringify(res.body)).not.toContain(TOKENS.admin);
    });
  });

  describe('request bodies: JSON only, size-limited', () => {
    it('415 for a non-JSON body', async () => {
      const res = await request(d.url).post('/version').set('Authorization', bearer('admin')).set('Content-Type', 'text/plain').send('hello').expect(415);
      expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'request bodies must be application/json (got "text/plain")' });
    });
    it('400 for malformed JSON', async () => {
      const res = await request(d.url).post('/version').set('Authorization', bearer('admin')).set('Content-Type', 'application/json').send('{"a":').expect(400);
      expect(res.body.code).toBe('INVALID_JSON');
    });
    it('413 for a body over server.bodyLimitBytes', async () => {
      const res = await request(d.url)
        .post('/version')
        .set('Authorization', bearer('admin'))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ blob: 'x'.repeat(1_100_000) }))
        .expect(413);
      expect(res.body).toMatchObject({ code: 'BODY_TOO_LARGE', detail: 'request body exceeds the limit of 1048576 bytes' });
    });
    it('an unauthenticated body is refused before it is read', async () => {
      const res = await request(d.url).post('/version').set('Content-Type', 'text/plain').send('x').expect(401);
      expect(res.body.code).toBe('AUTH_MISSING_TOKEN');
    });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const ok = await request(d.url).get('/health').set('X-Request-Id', 'trace-123').expect(200);
    expect(ok.headers['x-request-id']).toBe('trace-123');
    const bad = await request(d.url).get('/health').set('X-Request-Id', 'bad id <script>').expect(200);
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document to token holders only; the docs page asks for a token', async () => {
    await request(d.url).get('/openapi.json').expect(401);
    const doc = await request(d.url).get('/openapi.json').set('Authorization', bearer('viewer')).expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/version']));
    const page = await request(d.url).get('/docs').expect(200);
    expect(page.text).toContain('swagger-ui');
    expect(page.text).toContain('id="token"');
  });
});

describe('daemon start-up failures and restarts', () => {
  it('data written before a restart is there after it', async () => {
    const first = await startTestDaemon();
    const id1 = (await request(first.url).get('/version').set('Authorization', bearer('viewer'))).body.instanceId;
    await first.close();
    const second = await startTestDaemon(configYaml(), { dir: first.dir });
    try {
      const id2 = (await request(second.url).get('/version').set('Authorization', bearer('viewer'))).body.instanceId;
      expect(id2).toBe(id1);
    } finally {
      await second.close();
    }
  });

  it('a port in use is a clear error, and the store is released', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'steward-port-'));
    const loaded = fromText(undefined, configYaml(), dir, {});
    try {
      await expect(startDaemon({ loaded, port, host: '127.0.0.1', logDestination: new LogCapture() })).rejects.toThrow(
        `server.port ${port} on 127.0.0.1 is already in use; stop the other process or choose another port (--port)`,
      );
    } finally {
      blocker.close();
    }
    const again = await startDaemon({ loaded, port: 0, host: '127.0.0.1', logDestination: new LogCapture() });
    await again.close();
  });

  it('a store path that is not writable is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-ro-'));
    writeFileSync(join(dir, 'a-file'), 'x');
    const loaded = fromText(undefined, configYaml('store: { path: a-file/data }\n'), dir, {});
    const err = await startDaemon({ loaded, port: 0, logDestination: new LogCapture() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StewardError);
    expect((err as StewardError).code).toBe('STORE_NOT_WRITABLE');
    expect((err as StewardError).message).toContain(`store.path ${join(dir, 'a-file/data')} is not writable`);
  });

  it('no secret value from the config ever reaches the log', async () => {
    const env = {
      STEWARD_ADMIN_TOKEN: 'env-admin-token-0000000000000',
      SISENSE_TOKEN: 'sisense-api-token-1111111111',
      SISENSE_PASSWORD: 'sisense-password-2222',
      LLM_KEY: 'sk-llm-key-3333333333333333',
    };
    const yaml = [
      'logging: { level: trace, format: json }',
      'auth:',
      '  tokens:',
      '    - { name: admin, token: "${env:STEWARD_ADMIN_TOKEN}", role: admin }',
      '    - { name: literal, token: literal-token-4444444444444, role: viewer }',
      'environments:',
      '  prod:',
      '    kind: sisense',
      '    url: https://bi.example.com',
      '    token: ${env:SISENSE_TOKEN}',
      '    username: admin@example.com',
      '    password: ${env:SISENSE_PASSWORD}',
      'llm: { provider: openai, model: gpt-4o, apiKey: "${env:LLM_KEY}" }',
    ].join('\n');
    const d = await startTestDaemon(yaml, { env });
    try {
      const secrets = [...Object.values(env), 'literal-token-4444444444444'];
      for (const s of secrets) {
        await request(d.url).get('/version').set('Authorization', `Bearer ${s}`);
        await request(d.url).get('/config').set('Authorization', `Bearer ${s}`);
      }
      d.logger.info({ note: `accidental ${env.SISENSE_PASSWORD}`, headers: { authorization: `Bearer ${env.STEWARD_ADMIN_TOKEN}` } }, `oops ${env.LLM_KEY}`);
      d.logger.error({ err: new Error(`failed with ${env.SISENSE_TOKEN}`) }, 'error path');
    } finally {
      await d.close();
    }
    expect(d.logs.lines.length).toBeGreaterThan(5);
    for (const s of [...Object.values(env), 'literal-token-4444444444444']) expect(d.logs.text).not.toContain(s);
    expect(d.logs.text).toContain('[REDACTED]');
  });
});
