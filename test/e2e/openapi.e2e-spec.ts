import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import request from 'supertest';
import { bearer, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('OpenAPI document and /docs over real HTTP', () => {
  let d: TestDaemon;
  let doc: any;
  const operations = () =>
    Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, path, op: item[m] })));
  const resolve = (r: any) => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r);

  beforeAll(async () => {
    d = await startTestDaemon();
    doc = (await request(d.url).get('/openapi.json').set('Authorization', bearer('viewer')).expect(200)).body;
  });
  afterAll(() => d.close());

  it('is OpenAPI 3.1 that redocly lints with 0 errors and 0 warnings (recommended rules)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    // Warnings too: the document was at 3 errors and 37 warnings; keep it clean.
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('has a response schema for every operation and a problem+json Problem for every error', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(37);
    for (const { key, op } of ops) {
      const statuses = Object.keys(op.responses);
      expect([key, statuses.some((s) => /^2\d\d$/.test(s))]).toEqual([key, true]);
      for (const s of statuses) {
        const r = resolve(op.responses[s]);
        const content = Object.values(r.content ?? {}) as Array<{ schema?: object }>;
        expect([key, s, content.length > 0 && content.every((c) => !!c.schema)]).toEqual([key, s, true]);
        if (/^[45]\d\d$/.test(s)) expect([key, s, r.content]).toEqual([key, s, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }]);
      }
      expect([key, Object.keys(op.responses).filter((s) => /^[45]/.test(s)).length > 0]).toEqual([key, true]);
    }
  });

  it('declares the opaque bearer tokens once, applies them to every route but /health', () => {
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(doc.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { key, path, op } of operations()) {
      if (path === '/health') expect(op.security).toEqual([]);
      else expect([key, op.security]).toEqual([key, undefined]);
      if (path !== '/health') expect([key, op.responses['401']]).toEqual([key, { $ref: '#/components/responses/Unauthorized' }]);
    }
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty(['text/plain']);
  });

  it('the real errors match the Problem schema the document declares', async () => {
    const res = await request(d.url).get('/runs/run_nope').set('Authorization', bearer('viewer')).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const { required } = doc.components.schemas.Problem;
    for (const k of required) expect(res.body).toHaveProperty(k);
  });

  it('/docs is a page with a token field: public page and assets, the document itself still needs a token, nothing in the URL', async () => {
    await request(d.url).get('/openapi.json').expect(401);
    const page = await request(d.url).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toMatch(/<input id="token" type="password"/);
    expect(page.text).not.toMatch(/<script>[^<]/); // no inline script
    const script = await request(d.url).get('/docs/docs.js').expect(200);
    expect(script.text).toContain("url: '/openapi.json'");
    expect(script.text).toContain('sessionStorage');
    expect(script.text).toContain("'Bearer ' + t");
    expect(script.text).not.toMatch(/location|searchParams|[?&]token=/);
    const bundle = await request(d.url).get('/docs/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    await request(d.url).get('/docs/swagger-ui.css').expect(200);
    // The old Swagger UI init script inlined the whole document; nothing serves it any more without a token.
    await request(d.url).get('/docs/swagger-ui-init.js').expect(401);
  });
});
