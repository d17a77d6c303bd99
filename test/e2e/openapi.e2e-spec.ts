import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, configYaml, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForRun } from '../helpers/runs.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-demo');
const CONFIG = configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\n`);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('OpenAPI document and /docs over real HTTP', () => {
  let d: TestDaemon;
  let doc: any;
  const operations = () =>
    Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, path, op: item[m] })));
  const resolve = (r: any) => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r);

  beforeAll(async () => {
    d = await startTestDaemon(CONFIG);
    doc = (await request(d.url).get('/openapi.json').set('Authorization', bearer('viewer')).expect(200)).body;
  });
  afterAll(() => d.close());

  it('is the committed schemas/openapi.json (steward openapi build regenerates it; CI checks it)', () => {
    const committed = JSON.parse(readFileSync(join(new URL('.', import.meta.url).pathname, '../../schemas/openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });

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

  it('the real answers of the read routes match the schemas the document declares', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const fix = (v: unknown): unknown => (Array.isArray(v) ? v.map(fix) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' ? String(x).replace(/^#/, 'doc#') : fix(x)])) : v);
    // Something in the lists: a finished run and one waiting for an approval.
    const read = (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-read', environments: { target: 'lab' } }).expect(202)).body.id;
    const write = (await request(d.url).post('/runs').set('Authorization', bearer('operator')).send({ playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'openapi' } }).expect(202)).body.id;
    await waitForRun(d, read, ['succeeded']);
    const waiting = await waitForRun(d, write, ['awaiting_approval']);
    const approvalId = waiting.steps.find((x: any) => x.approvalId).approvalId;
    const paths: Array<[string, string]> = [
      ['/ready', '/ready'], ['/version', '/version'], ['/whoami', '/whoami'], ['/config', '/config'], ['/plugins', '/plugins'], ['/tools', '/tools'],
      ['/tools/{id}', '/tools/demo.notes.list'], ['/playbooks', '/playbooks'], ['/playbooks/{id}', '/playbooks/demo-read'], ['/approvals', '/approvals'],
      ['/approvals/{id}', `/approvals/${approvalId}`], ['/runs', '/runs'], ['/runs/{id}', `/runs/${read}`], ['/runs/{id}/report', `/runs/${read}/report`],
      ['/findings', '/findings'], ['/notifications', '/notifications'], ['/schedules', '/schedules'], ['/threads', '/threads'],
    ];
    const checked: string[] = [];
    for (const [route, path] of paths) {
      const schema = doc.paths[route].get.responses['200'].content['application/json'].schema;
      const res = await request(d.url).get(path).set('Authorization', bearer('admin')).expect(200);
      const validate = ajv.compile(fix(schema) as object);
      expect([path, validate(res.body) ? [] : validate.errors]).toEqual([path, []]);
      checked.push(path);
    }
    expect(checked).toHaveLength(paths.length);
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
