import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestHost, type TestHost } from '../../src/plugins/test-host.js';
import type { ToolResult } from '../../src/plugins/tool.result.js';
import { startSisenseSim, type SisenseSim } from '../../test/sisense-sim/sisense-sim.js';

const fast = { maxRetries: 2, retryBaseMs: 5, retryMaxMs: 10 };
const target = { environments: { target: 'src' } };
const MODULES = ['access', 'dashboard', 'datamodel', 'folder', 'query'];

/** Every tool of the five modules here: effect and idempotence are part of the contract. */
const TOOLS: Record<string, [effect: string, idempotent: boolean]> = {
  'sisense.access.group-create': ['write', true],
  'sisense.access.group-members': ['read', true],
  'sisense.access.groups': ['read', true],
  'sisense.access.roles': ['read', true],
  'sisense.access.share-audit': ['read', true],
  'sisense.access.tenants': ['read', true],
  'sisense.access.user': ['read', true],
  'sisense.access.user-delete': ['destructive', true],
  'sisense.access.user-upsert': ['write', true],
  'sisense.access.users': ['read', true],
  'sisense.access.users-per-group': ['read', true],
  'sisense.access.whoami': ['read', true],
  'sisense.dashboard.can-be-owned': ['read', true],
  'sisense.dashboard.change-owner': ['write', true],
  'sisense.dashboard.columns': ['read', true],
  'sisense.dashboard.delete': ['destructive', true],
  'sisense.dashboard.describe': ['read', true],
  'sisense.dashboard.export': ['read', true],
  'sisense.dashboard.get': ['read', true],
  'sisense.dashboard.list': ['read', true],
  'sisense.dashboard.move': ['write', true],
  'sisense.dashboard.publish': ['write', true],
  'sisense.dashboard.rename': ['write', true],
  'sisense.dashboard.resolve': ['read', true],
  'sisense.dashboard.script': ['read', true],
  'sisense.dashboard.share-add': ['write', true],
  'sisense.dashboard.share-remove': ['write', true],
  'sisense.dashboard.shares': ['read', true],
  'sisense.dashboard.widget-script': ['read', true],
  'sisense.dashboard.widgets': ['read', true],
  'sisense.datamodel.build': ['write', false],
  'sisense.datamodel.build-status': ['read', true],
  'sisense.datamodel.connection': ['read', true],
  'sisense.datamodel.connections': ['read', true],
  'sisense.datamodel.dashboards': ['read', true],
  'sisense.datamodel.data-security': ['read', true],
  'sisense.datamodel.data-security-add': ['write', false],
  'sisense.datamodel.data-security-delete': ['destructive', true],
  'sisense.datamodel.describe': ['read', true],
  'sisense.datamodel.list': ['read', true],
  'sisense.datamodel.row-counts': ['read', true],
  'sisense.datamodel.schema': ['read', true],
  'sisense.datamodel.share-set': ['write', true],
  'sisense.datamodel.shares': ['read', true],
  'sisense.datamodel.table': ['read', true],
  'sisense.folder.ancestors': ['read', true],
  'sisense.folder.create': ['write', true],
  'sisense.folder.delete': ['destructive', true],
  'sisense.folder.list': ['read', true],
  'sisense.folder.navver': ['read', true],
  'sisense.folder.owner': ['write', true],
  'sisense.folder.update': ['write', true],
  'sisense.query.jaql': ['read', true],
  'sisense.query.sql': ['read', true],
};

const failure = (r: ToolResult) => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r.error;
};

describe('sisense plugin (in-process, against the simulator)', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const hostFor = (env: Record<string, unknown>) => createTestHost({ environments: { src: { kind: 'sisense', options: fast, ...env } as never } });
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostFor({ url: sim.url, token: sim.token });
  });
  afterEach(() => sim.close());

  it('loads all seven modules; the tools here have the declared effects, idempotence, dry runs for every write, strict inputs', () => {
    expect(host.catalogue.plugin('sisense')).toMatchObject({ status: 'loaded', kinds: ['sisense'], modules: ['access', 'dashboard', 'datamodel', 'folder', 'migration', 'query', 'wellcheck'] });
    const mine = host.catalogue.tools().filter((t) => t.plugin === 'sisense' && MODULES.includes(t.module));
    expect(Object.fromEntries(mine.map((t) => [t.id, [t.effect, t.idempotent]]))).toEqual(TOOLS);
    for (const t of mine) {
      expect({ id: t.id, plan: t.supportsPlan }).toEqual({ id: t.id, plan: t.effect !== 'read' });
      expect({ id: t.id, strict: t.inputSchema.additionalProperties, out: !!t.outputSchema, roles: t.environments }).toEqual({ id: t.id, strict: false, out: true, roles: ['target'] });
    }
  });

  it('runs every example: reads change nothing, and a write\'s dry run never writes', async () => {
    const tools = host.catalogue.tools().filter((t) => t.plugin === 'sisense' && MODULES.includes(t.module));
    for (const tool of tools) {
      for (const example of tool.examples) {
        const before = sim.snapshot();
        const mode = tool.effect === 'read' ? 'execute' : 'plan';
        const r = await host.invoker.invoke(tool.id, example.input, { ...target, mode });
        expect({ tool: tool.id, example: example.title, ok: r.ok, error: r.ok ? undefined : r.error }).toEqual({ tool: tool.id, example: example.title, ok: true, error: undefined });
        if (mode === 'plan' && r.ok && r.mode === 'plan') expect(r.plan?.changes.length).toBeGreaterThan(0);
        expect({ tool: tool.id, unchanged: sim.snapshot() === before }).toEqual({ tool: tool.id, unchanged: true });
      }
    }
  });

  it('a wrong token is SISENSE_UNAUTHORIZED naming the URL, never the token', async () => {
    const secret = 'not-the-token-5e3cr3t';
    const bad = await hostFor({ url: sim.url, token: secret });
    const error = failure(await bad.invoker.invoke('sisense.access.whoami', {}, target));
    expect(error).toMatchObject({ code: 'SISENSE_UNAUTHORIZED', message: `token rejected by ${sim.url} (environment "src"): the API token is wrong or expired`, detail: { status: 401, environment: 'src' } });
    const plan = failure(await bad.invoker.invoke('sisense.folder.create', { name: 'X' }, { ...target, mode: 'plan' }));
    expect(plan.code).toBe('SISENSE_UNAUTHORIZED');
    expect(JSON.stringify([error, plan, bad.logs])).not.toContain(secret);
  });

  it('an unreachable host (a closed port) is SISENSE_UNREACHABLE after the retries; no url or token is SISENSE_CONFIG', async () => {
    const closed = createHttpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const gone = await hostFor({ url: `http://127.0.0.1:${port}`, token: sim.token });
    const error = failure(await gone.invoker.invoke('sisense.datamodel.list', {}, target));
    expect(error).toMatchObject({ code: 'SISENSE_UNREACHABLE', detail: { status: 0, code: 'CONNECTION', attempts: 3 } });
    expect(error.message).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(error.message).not.toContain(sim.token);
    const noToken = await hostFor({ url: sim.url });
    expect(failure(await noToken.invoker.invoke('sisense.access.roles', {}, target))).toMatchObject({ code: 'SISENSE_CONFIG', message: `environment "src" has no token (an API token for ${sim.url})` });
  });

  it('retries a GET through a 503 storm, and reports SISENSE_HTTP_503 when it outlasts the retries', async () => {
    sim.faults.push({ method: 'GET', path: '/api/roles', status: 503, times: 2 });
    expect(await host.invoker.invoke('sisense.access.roles', {}, target)).toMatchObject({ ok: true, output: { roles: expect.arrayContaining([expect.objectContaining({ name: 'contributor' })]) } });
    expect(sim.requests.filter((r) => r.path === '/api/roles').map((r) => r.status)).toEqual([503, 503, 200]);
    sim.faults.push({ method: 'GET', path: '/api/roles', status: 503 });
    expect(failure(await host.invoker.invoke('sisense.access.roles', {}, target))).toMatchObject({ code: 'SISENSE_HTTP_503', detail: { status: 503, attempts: 3, path: '/api/roles' } });
  });

  it('malformed answers are SISENSE_BAD_RESPONSE: a login page where JSON belongs, broken JSON, an object for a list', async () => {
    sim.faults.push({ method: 'GET', path: '/api/roles', status: 200, body: '<html><body>Please sign in</body></html>', times: 1 });
    expect(failure(await host.invoker.invoke('sisense.access.roles', {}, target))).toMatchObject({ code: 'SISENSE_BAD_RESPONSE', message: 'unexpected answer for roles: expected a JSON array, got text' });
    sim.faults.push({ method: 'GET', path: '/api/users/loggedin', status: 200, body: '{"email": "trunc', times: 1 });
    expect(failure(await host.invoker.invoke('sisense.access.whoami', {}, target))).toMatchObject({ code: 'SISENSE_BAD_RESPONSE', detail: { code: 'INVALID_JSON' } });
    sim.faults.push({ method: 'GET', path: '/api/v1/folders', status: 200, body: { folders: [] }, times: 1 });
    expect(failure(await host.invoker.invoke('sisense.folder.list', {}, target))).toMatchObject({ code: 'SISENSE_BAD_RESPONSE', detail: { code: 'NOT_A_LIST' } });
  });

  describe('TLS', () => {
    let dir: string;
    let https: Server | undefined;
    let httpsUrl = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'steward-tls-'));
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
      execFileSync('openssl', [...args, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** An HTTPS front with a self-signed certificate, passing every request on to the simulator. */
    beforeEach(async () => {
      const upstream = new URL(sim.url);
      https = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
        const up = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(up);
      });
      await new Promise<void>((r) => https?.listen(0, '127.0.0.1', r));
      httpsUrl = `https://localhost:${(https.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      https?.closeAllConnections();
      await new Promise((r) => https?.close(r));
    });

    it('a self-signed certificate is SISENSE_TLS; trusting it with tls.caFile or tls.verify: false gets through', async () => {
      const strict = await hostFor({ url: httpsUrl, token: sim.token });
      const error = failure(await strict.invoker.invoke('sisense.access.whoami', {}, target));
      expect(error.code).toBe('SISENSE_TLS');
      expect(error.message).toMatch(new RegExp(`^TLS with ${httpsUrl} failed: TLS verification failed \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)`));
      const trusted = await hostFor({ url: httpsUrl, token: sim.token, tls: { caFile: join(dir, 'cert.pem') } });
      expect(await trusted.invoker.invoke('sisense.access.whoami', {}, target)).toMatchObject({ ok: true, output: { user: { email: 'admin@acme.test' }, admin: true } });
      const lax = await hostFor({ url: httpsUrl, token: sim.token, tls: { verify: false } });
      expect(await lax.invoker.invoke('sisense.access.whoami', {}, target)).toMatchObject({ ok: true });
      expect(lax.logs.some((l) => l.msg === 'TLS certificate verification is disabled for this Sisense environment')).toBe(true);
    });

    it('an https URL to a plain-http port is SISENSE_TLS', async () => {
      const wrong = await hostFor({ url: sim.url.replace('http:', 'https:'), token: sim.token });
      expect(failure(await wrong.invoker.invoke('sisense.access.whoami', {}, target)).code).toBe('SISENSE_TLS');
    });
  });
});
