import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PLANTED } from '../sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';
import { call } from '../sisense-sim/sim.http.js';

describe('Sisense simulator: faults, latency, paging, request log, snapshots, planted problems', () => {
  let sim: SisenseSim;
  beforeEach(async () => {
    sim = await startSisenseSim();
  });
  afterEach(() => sim.close());

  it('injects a 503 a given number of times, then answers normally', async () => {
    sim.faults.push({ method: 'GET', path: '/api/v1/users', status: 503, times: 2 });
    expect((await call(sim, 'GET', '/api/v1/users')).status).toBe(503);
    expect((await call(sim, 'GET', '/api/v1/users')).status).toBe(503);
    expect((await call(sim, 'GET', '/api/v1/users')).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/groups')).status).toBe(200);
  });

  it('sends Retry-After with a 429, matches by RegExp, method and query, and lets `after` requests through first', async () => {
    sim.faults.push({ path: /^\/api\/v1\/dashboards/, method: 'GET', query: { skip: '2' }, status: 429, retryAfter: 3, after: 1 });
    expect((await call(sim, 'GET', '/api/v1/dashboards?skip=2')).status).toBe(200);
    const limited = await call(sim, 'GET', '/api/v1/dashboards?skip=2');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await call(sim, 'GET', '/api/v1/dashboards?skip=0')).status).toBe(200);
    expect((await call(sim, 'POST', '/api/v1/dashboards?skip=2', { body: {} })).status).not.toBe(429);
  });

  it('drops the connection without an answer', async () => {
    sim.faults.push({ path: '/api/v1/users', drop: true, times: 1 });
    await expect(call(sim, 'GET', '/api/v1/users')).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/users', status: 0 });
    expect((await call(sim, 'GET', '/api/v1/users')).status).toBe(200);
  });

  it('delays an answer (a timeout for a short client timeout) and adds global latency', async () => {
    sim.faults.push({ path: '/api/v1/groups', delayMs: 300, times: 1 });
    let t = Date.now();
    await expect(fetch(`${sim.url}/api/v1/groups`, { headers: { authorization: `Bearer ${sim.token}` }, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect(Date.now() - t).toBeLessThan(250);
    sim.latencyMs = 80;
    t = Date.now();
    expect((await call(sim, 'GET', '/api/roles')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(75);
  });

  it('phase "after" applies the request and then fails the answer (why POST must not be retried blindly)', async () => {
    sim.faults.push({ method: 'POST', path: '/api/v1/groups', status: 502, phase: 'after', times: 1 });
    const r = await call(sim, 'POST', '/api/v1/groups', { body: { name: 'Ghost' } });
    expect([r.status, r.headers.get('content-type')]).toEqual([502, 'text/html']);
    expect(sim.state.groups.some((g) => g.name === 'Ghost')).toBe(true);
    expect((await call(sim, 'POST', '/api/v1/groups', { body: { name: 'Ghost' } })).status).toBe(400);
  });

  it('pages with skip/limit and no total; a short page is the last', async () => {
    const all = (await call(sim, 'GET', '/api/v1/users')).body as Array<{ email: string }>;
    expect(all).toHaveLength(PLANTED.counts.users);
    const pages: string[][] = [];
    for (let skip = 0; ; skip += 3) {
      const page = (await call(sim, 'GET', `/api/v1/users?skip=${skip}&limit=3`)).body as Array<{ email: string }>;
      pages.push(page.map((u) => u.email));
      if (page.length < 3) break;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3, 2]);
    expect(pages.flat()).toEqual(all.map((u) => u.email));
    const datamodels = (await call(sim, 'GET', '/api/v2/datamodels/schema?fields=oid,title&skip=1&limit=2')).body;
    expect(datamodels.map((m: any) => Object.keys(m).sort())).toEqual([['oid', 'title'], ['oid', 'title']]);
  });

  it('logs every request with method, path, query and status', async () => {
    await call(sim, 'GET', '/api/v1/dashboards?fields=title&limit=5');
    await call(sim, 'GET', '/api/v1/nope');
    expect(sim.requests.slice(-2)).toEqual([
      { method: 'GET', path: '/api/v1/dashboards', query: { fields: 'title', limit: '5' }, status: 200 },
      { method: 'GET', path: '/api/v1/nope', query: {}, status: 404 },
    ]);
  });

  it('snapshots the whole state deterministically: reads change nothing, writes do, the same seed gives the same bytes', async () => {
    const before = sim.snapshot();
    const twin = await startSisenseSim();
    try {
      expect(twin.snapshot()).toBe(before);
    } finally {
      await twin.close();
    }
    for (const path of ['/api/v1/dashboards', '/api/v1/users?expand=groups,role', '/api/v2/datamodels/schema', '/api/v1/folders?structure=tree']) await call(sim, 'GET', path);
    await call(sim, 'POST', '/api/v1/users/bulk', { body: [{ email: 'bad' }] });
    expect(sim.snapshot()).toBe(before);
    await call(sim, 'POST', '/api/v1/folders', { body: { name: 'New' } });
    expect(sim.snapshot()).not.toBe(before);
    const other = await startSisenseSim({ seed: 'source', tenant: 'other' });
    try {
      expect(other.snapshot()).not.toBe(before);
    } finally {
      await other.close();
    }
  });

  it('seeds the planted problems where PLANTED says', async () => {
    const retail = (await call(sim, 'GET', `/api/v2/datamodels/schema?title=${encodeURIComponent(PLANTED.datamodels.retail)}`)).body;
    const tables = retail.datasets.flatMap((d: any) => d.schema.tables);
    const byOid = new Map(tables.map((t: any) => [t.oid, t]));
    const related = new Set(retail.relations.flatMap((r: any) => r.columns.map((c: any) => (byOid.get(c.table) as any).name)));
    expect(tables.filter((t: any) => !related.has(t.name)).map((t: any) => t.name)).toEqual([PLANTED.islandTable.table]);
    const custom = tables.find((t: any) => t.name === PLANTED.customUnionTable.table);
    expect(custom).toMatchObject({ type: 'custom', expression: { expression: expect.stringContaining('UNION') } });
    expect(tables.find((t: any) => t.name === 'Orders').configOptions.importQuery).toContain('SELECT');
    const names = (r: any) => r.columns.map((c: any) => `${(byOid.get(c.table) as any).name}.${(byOid.get(c.table) as any).columns.find((x: any) => x.oid === c.column).name}`);
    expect(retail.relations.map(names)).toContainEqual(['Orders.Promo Code', 'Promotions.Promo Code']);

    const dashboards = (await call(sim, 'GET', '/api/v1/dashboards/admin?dashboardType=owner')).body as any[];
    const dims = new Set<string>();
    for (const d of dashboards) {
      for (const f of d.filters ?? []) for (const dim of [f.jaql?.dim, ...(f.levels ?? []).map((l: any) => l.dim)]) if (dim) dims.add(dim);
      for (const w of (await call(sim, 'GET', `/api/v1/dashboards/${d.oid}/widgets?adminAccess=true`)).body) for (const p of w.metadata.panels) for (const i of p.items) for (const dim of [i.jaql.dim, ...Object.values(i.jaql.context ?? {}).map((c: any) => c.dim)]) if (dim) dims.add(dim);
    }
    for (const u of PLANTED.unusedColumns) expect(dims.has(`[${u.table}.${u.column}]`)).toBe(false);
    expect(dims.has('[Orders.Amount]')).toBe(true);

    const byTitle = new Map(dashboards.map((d) => [d.title, d]));
    expect((await call(sim, 'GET', `/api/v1/dashboards/${byTitle.get(PLANTED.dashboards.empty).oid}/widgets?adminAccess=true`)).body).toEqual([]);
    expect(byTitle.get(PLANTED.dashboards.brokenDatasource).datasource.title).toBe('Legacy Cube');
    const plugins = (await call(sim, 'GET', `/api/v1/dashboards/${byTitle.get(PLANTED.dashboards.plugins).oid}/widgets?adminAccess=true`)).body as any[];
    expect(plugins.map((w) => w.type)).toContain('WidgetsTabber');
    expect(plugins.find((w) => w.drillToDashboardConfig).drillToDashboardConfig.dashboardIds[0].id).toBe(byTitle.get(PLANTED.dashboards.jumpTarget).oid);
    expect(plugins.some((w) => w.accordionConfig)).toBe(true);
    expect(byTitle.get(PLANTED.dashboards.plugins).script).toEqual(expect.any(String));
  });
});
