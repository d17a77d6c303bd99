import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startSisenseSim, type SisenseSim } from '../../../test/sisense-sim/sisense-sim.js';
import { SisenseApiError, SisenseClient, type SisenseClientOptions, type SisenseLogger } from './sisense.client.js';
import { createAgent } from './sisense.transport.js';

interface LogCall {
  level: string;
  fields: object;
  message?: string;
}

function capture(): { logger: SisenseLogger; calls: LogCall[] } {
  const calls: LogCall[] = [];
  const at = (level: string) => (fields: object, message?: string) => calls.push({ level, fields, message });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, calls };
}

async function failure(p: Promise<unknown>): Promise<SisenseApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SisenseApiError);
  return err as SisenseApiError;
}

describe('SisenseClient against the simulator', () => {
  let sim: SisenseSim;
  let log: ReturnType<typeof capture>;
  const clients: SisenseClient[] = [];
  const client = (over: Partial<SisenseClientOptions> = {}) => {
    const c = new SisenseClient({ url: sim.url, token: sim.token, logger: log.logger, timeoutMs: 2000, retryBaseMs: 5, retryMaxMs: 20, ...over });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    log = capture();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.close();
  });

  it('sends the token as a Bearer header and returns parsed JSON; a bad token is a 401 SisenseApiError', async () => {
    const me = await client().get<{ email: string }>('/api/users/loggedin');
    expect(me.email).toBe('admin@acme.test');
    const err = await failure(client({ token: 'wrong' }).get('/api/v1/users'));
    expect(err).toMatchObject({ status: 401, shape: 'v1', code: '5001', method: 'GET', path: '/api/v1/users', attempts: 1 });
  });

  it('passes query values (repeated for arrays), returns undefined for an empty body, keeps a base path prefix', async () => {
    const c = client();
    const users = await c.get<Array<{ email: string }>>('/api/v1/users', { query: { email: 'vic.viewer@acme.test', skip: undefined } });
    expect(users.map((u) => u.email)).toEqual(['vic.viewer@acme.test']);
    const ids = sim.state.dashboards.slice(0, 2).map((d) => d.oid);
    // An array is sent as the parameter repeated; Sisense wants dashboardIds once, comma-separated (see shared/dashboard.export.ts).
    expect(await c.get<unknown[]>('/api/v1/dashboards/export', { query: { dashboardIds: ids.join(','), adminAccess: true } })).toHaveLength(2);
    expect(sim.requests.at(-1)?.query.dashboardIds).toBe(ids.join(','));
    expect((await failure(c.get('/api/v1/dashboards/export', { query: { dashboardIds: ids } }))).status).toBe(400);
    const group = await c.post<{ _id: string }>('/api/v1/groups', { name: 'Temp' });
    expect(await c.delete(`/api/groups/${group._id}`)).toBeUndefined();
    const err = await failure(client({ url: `${sim.url}/sisense/` }).get('/api/v1/users'));
    expect(err).toMatchObject({ status: 404, path: '/sisense/api/v1/users' });
  });

  it('paginates with skip/limit until a short page', async () => {
    const emails: string[] = [];
    for await (const u of client().paginate<{ email: string }>('/api/v1/users', { expand: 'role' }, 5)) emails.push(u.email);
    expect(emails).toHaveLength(sim.state.users.length);
    expect(sim.state.users.length % 5).not.toBe(0);
    expect(sim.requests.map((r) => [r.query.skip, r.query.limit, r.query.expand])).toEqual(
      Array.from({ length: Math.ceil(sim.state.users.length / 5) }, (_, i) => [String(i * 5), '5', 'role']),
    );
  });

  it('stops with PAGING_STUCK when the server ignores skip', async () => {
    const first = (await client().get<unknown[]>('/api/v1/users', { query: { skip: 0, limit: 2 } })).slice(0, 2);
    sim.faults.push({ path: '/api/v1/users', query: { skip: '2' }, status: 200, body: first });
    const seen: unknown[] = [];
    const err = await failure((async () => {
      for await (const u of client().paginate('/api/v1/users', {}, 2)) seen.push(u);
    })());
    expect([err.code, seen.length]).toEqual(['PAGING_STUCK', 2]);
  });

  it('retries a GET on 503 with backoff and logs each retry', async () => {
    sim.faults.push({ path: '/api/v1/groups', status: 503, times: 2 });
    expect(await client().get<unknown[]>('/api/v1/groups')).toHaveLength(sim.state.groups.length);
    expect(sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(log.calls.filter((c) => c.level === 'warn').map((c) => c.fields)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/v1/groups', reason: 503, attempt: 1 }),
      expect.objectContaining({ method: 'GET', path: '/api/v1/groups', reason: 503, attempt: 2 }),
    ]);
  });

  it('honours Retry-After on a 429 for a GET, capped by maxRetryAfterMs', async () => {
    sim.faults.push({ path: '/api/roles', status: 429, retryAfter: 1, times: 1 });
    let t = Date.now();
    await client().get('/api/roles');
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    sim.faults.push({ path: '/api/v1/folders', status: 429, retryAfter: 60, times: 1 });
    t = Date.now();
    await client({ maxRetryAfterMs: 50 }).get('/api/v1/folders');
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('does not retry a POST (not idempotent) on 503 or 429, unless flagged idempotent', async () => {
    sim.faults.push({ method: 'POST', path: '/api/v1/groups', status: 503, times: 1 });
    const err = await failure(client().post('/api/v1/groups', { name: 'Once' }));
    expect(err).toMatchObject({ status: 503, shape: 'bare', code: 'HTTP_503', attempts: 1 });
    sim.faults.push({ method: 'POST', path: '/api/v1/groups', status: 429, retryAfter: 0, times: 1 });
    expect((await failure(client().post('/api/v1/groups', { name: 'Once' }))).status).toBe(429);
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    sim.faults.push({ method: 'POST', path: '/api/v1/groups', status: 503, times: 1 });
    expect(await client().post('/api/v1/groups', { name: 'Twice' }, { idempotent: true })).toMatchObject({ name: 'Twice' });
  });

  it('retries a GET after a dropped connection, but not a POST', async () => {
    sim.faults.push({ path: '/api/v1/users', drop: true, times: 1 });
    expect(await client().get<unknown[]>('/api/v1/users')).toHaveLength(sim.state.users.length);
    expect(sim.requests.map((r) => r.status)).toEqual([0, 200]);
    sim.faults.push({ method: 'POST', path: '/api/v1/folders', drop: true, times: 1 });
    const err = await failure(client().post('/api/v1/folders', { name: 'X' }));
    expect(err).toMatchObject({ status: 0, shape: 'transport', code: 'CONNECTION', attempts: 1 });
  });

  it('turns a slow answer into a TIMEOUT after the retries', async () => {
    sim.faults.push({ path: '/api/v1/dashboards', delayMs: 400 });
    const err = await failure(client({ timeoutMs: 100, maxRetries: 1 }).get('/api/v1/dashboards'));
    expect(err).toMatchObject({ status: 0, code: 'TIMEOUT', shape: 'transport', attempts: 2 });
  });

  it('normalises the three Sisense error shapes', async () => {
    const v1 = await failure(client().get('/api/v1/dashboards/0123456789abcdef01234567'));
    expect(v1).toMatchObject({ status: 404, shape: 'v1', code: '404', title: 'Not Found', detail: 'Dashboard 0123456789abcdef01234567 not found.' });
    const model = await client().get<{ oid: string }>('/api/v2/datamodels/schema', { query: { title: 'Sample ECommerce' } });
    const schema = await client().get('/api/v2/datamodel-exports/schema', { query: { datamodelId: model.oid, type: 'schema-latest' } });
    const v2 = await failure(client().post('/api/v2/datamodel-imports/schema', schema));
    expect(v2).toMatchObject({ status: 400, shape: 'v2', code: 'ElasticubeAlreadyExists', title: 'ElasticubeAlreadyExists', method: 'POST', path: '/api/v2/datamodel-imports/schema' });
    const bare = await failure(client().get('/api/v1/dashboards/not-an-id'));
    expect(bare).toMatchObject({ status: 422, shape: 'bare', code: 'HTTP_422', title: 'Unprocessable Entity' });
  });

  it('cancels with the AbortSignal: the call rejects with the signal reason, during a request or a backoff', async () => {
    sim.faults.push({ path: '/api/v1/users', delayMs: 1000, times: 1 });
    const ac = new AbortController();
    const pending = client({ signal: ac.signal }).get('/api/v1/users');
    setTimeout(() => ac.abort(new Error('run cancelled')), 30);
    await expect(pending).rejects.toThrow('run cancelled');
    sim.faults.push({ path: '/api/v1/groups', status: 503, retryAfter: 5 });
    const perCall = new AbortController();
    const backingOff = client().get('/api/v1/groups', { signal: perCall.signal });
    setTimeout(() => perCall.abort(new Error('step cancelled')), 50);
    await expect(backingOff).rejects.toThrow('step cancelled');
  });

  it('never logs the token nor puts it in errors or inspect output', async () => {
    const c = client({ maxRetries: 1 });
    sim.faults.push({ path: '/api/v1/groups', status: 503, times: 1 });
    await c.get('/api/v1/groups');
    await failure(c.get('/api/v1/dashboards/not-an-id'));
    sim.faults.push({ path: '/api/v1/users', drop: true });
    const dropped = await failure(c.get('/api/v1/users'));
    const bad = await failure(client({ token: `${sim.token}-x` }).get('/api/roles'));
    expect(log.calls.length).toBeGreaterThan(4);
    const everything = [JSON.stringify(log.calls), inspect(log.calls, { depth: 10 }), inspect(c, { depth: 10 }), JSON.stringify(dropped), String(dropped), inspect(dropped), String(bad), inspect(bad)].join('\n');
    expect(everything).not.toContain(sim.token);
    for (const call of log.calls) expect(Object.keys(call.fields).sort()).toEqual(expect.arrayContaining(['method', 'path']));
  });

  it('builds a TLS agent for this client only: verification on by default, off when asked, a private CA from caFile', () => {
    const url = new URL('https://bi.example.com');
    expect((createAgent(url) as unknown as { options: { rejectUnauthorized: boolean } }).options.rejectUnauthorized).toBe(true);
    expect((createAgent(url, { verify: false }) as unknown as { options: { rejectUnauthorized: boolean } }).options.rejectUnauthorized).toBe(false);
    expect(() => createAgent(url, { caFile: '/nonexistent/ca.pem' })).toThrow(/ENOENT/);
    const warned = capture();
    new SisenseClient({ url: 'https://bi.example.com', token: 't0ken', tls: { verify: false }, logger: warned.logger }).close();
    expect(warned.calls).toEqual([{ level: 'warn', fields: { host: 'bi.example.com' }, message: expect.stringContaining('TLS certificate verification is disabled') }]);
  });
});
