import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PLANTED } from '../sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';
import { call } from '../sisense-sim/sim.http.js';

/**
 * One contract test per strict rule of the simulator (test/sisense-sim/README.md, rule ids in the test names): each
 * sends the wrong form and expects Sisense's answer, and shows the documented form working.
 */
const V1_ERROR = { error: { code: expect.any(Number), message: expect.any(String), status: expect.any(Number), httpMessage: expect.any(String) } };
const v2Problem = (status: number, title: string) => ({ type: expect.stringMatching(/^https:\/\/errors\.sisense\.dev\/http\//), title, status, sub: expect.any(Number), detail: expect.any(String) });
const enc = encodeURIComponent;

async function dash(sim: SisenseSim, title: string): Promise<any> {
  const rows = (await call(sim, 'GET', `/api/v1/dashboards/admin?dashboardType=owner&name=${enc(title)}`)).body as any[];
  if (rows.length !== 1) throw new Error(`expected one dashboard titled ${title}, got ${rows.length}`);
  return rows[0];
}
async function userBy(sim: SisenseSim, email: string): Promise<any> {
  const [u] = (await call(sim, 'GET', `/api/v1/users?email=${enc(email)}`)).body as any[];
  return u;
}
async function groupBy(sim: SisenseSim, name: string): Promise<any> {
  const [g] = (await call(sim, 'GET', `/api/v1/groups?name=${enc(name)}`)).body as any[];
  return g;
}
async function modelId(sim: SisenseSim, title: string): Promise<string> {
  return (await call(sim, 'GET', `/api/v2/datamodels/schema?title=${enc(title)}`)).body.oid;
}

describe('Sisense simulator: strict rules (README)', () => {
  let source: SisenseSim;
  let target: SisenseSim;
  beforeEach(async () => {
    [source, target] = await Promise.all([startSisenseSim({ seed: 'source' }), startSisenseSim({ seed: 'target' })]);
  });
  afterEach(async () => {
    await Promise.all([source.close(), target.close()]);
  });

  describe('cross-cutting', () => {
    it('X1: no or an unknown bearer token → 401 in the v1 envelope; a Bearer token works', async () => {
      for (const token of [null, 'nope']) expect(await call(source, 'GET', '/api/v1/users', { token }).then((r) => [r.status, r.body])).toEqual([401, V1_ERROR]);
      const basic = await fetch(`${source.url}/api/v1/users`, { headers: { authorization: `Basic ${source.token}` } });
      expect(basic.status).toBe(401);
      expect((await call(source, 'GET', '/api/v1/users')).status).toBe(200);
    });

    it('X2: three error families: v1 envelope, v2 problem details with type URL and sub, bare 422 for a malformed dashboard id', async () => {
      expect(await call(source, 'GET', '/api/v1/dashboards/0123456789abcdef01234567').then((r) => [r.status, r.body])).toEqual([404, V1_ERROR]);
      expect(await call(source, 'GET', '/api/v2/datamodels/schema?title=Nope').then((r) => [r.status, r.body])).toEqual([404, v2Problem(404, 'DatamodelNotFound')]);
      expect(await call(source, 'GET', '/api/v1/dashboards/not-an-id').then((r) => [r.status, r.text])).toEqual([422, '']);
      expect(await call(source, 'GET', '/api/dashboards/xyz/export').then((r) => [r.status, r.text])).toEqual([422, '']);
    });

    it('X3: unknown query parameters are ignored', async () => {
      expect((await call(source, 'GET', '/api/v1/users?trc=sdk-ui-1.0')).status).toBe(200);
    });

    it('X6: fields and expand are one comma-separated parameter; repeated → 400 (as dashboardIds)', async () => {
      const one = await call(source, 'GET', '/api/v1/users?fields=email,firstName&expand=groups,role');
      expect(one.status).toBe(200);
      expect(Object.keys(one.body[0]).sort()).toEqual(['_id', 'email', 'firstName']);
      expect(await call(source, 'GET', '/api/v1/users?fields=email&fields=firstName').then((r) => [r.status, r.body])).toEqual([400, V1_ERROR]);
      expect((await call(source, 'GET', '/api/v1/users?expand=groups&expand=role')).status).toBe(400);
      expect((await call(source, 'GET', '/api/v1/dashboards/admin?dashboardType=owner&fields=oid&fields=title')).status).toBe(400);
      expect(await call(source, 'GET', '/api/v2/datamodels/schema?fields=oid&fields=title').then((r) => r.status)).toBe(400);
    });

    it('X7: each body has its one documented form: an array for bulk creates, model permissions and data security, an object for shares, folders, builds (the other → 400)', async () => {
      const consumer = ((await call(target, 'GET', '/api/roles')).body as any[]).find((r) => r.name === 'consumer')._id;
      const user = { email: 'x7@acme.test', firstName: 'X', lastName: 'Seven', roleId: consumer };
      expect((await call(target, 'POST', '/api/v1/users/bulk', { body: user })).status).toBe(400);
      expect((await call(target, 'POST', '/api/v1/groups/bulk', { body: { name: 'X7' } })).status).toBe(400);
      const perms = `/api/elasticubes/localhost/${enc(PLANTED.datamodels.ecommerce)}/permissions`;
      const sales = await groupBy(target, 'Sales');
      expect((await call(target, 'PUT', perms, { body: { shares: [{ partyId: sales._id, type: 'group', permission: 'r' }] } })).status).toBe(400);
      const rules = `/api/elasticubes/localhost/${enc(PLANTED.datamodels.ecommerce)}/datasecurity`;
      expect((await call(target, 'POST', rules, { body: { table: 'Country', column: 'Country', datatype: 'text', members: ['Canada'] } })).status).toBe(400);
      const home = await dash(target, 'Target Home');
      expect((await call(target, 'POST', `/api/shares/dashboard/${home.oid}?adminAccess=true`, { body: [{ shareId: sales._id, type: 'group', rule: 'view' }] })).status).toBe(400);
      expect((await call(target, 'POST', '/api/v1/folders', { body: [{ name: 'X7' }] })).status).toBe(400);
      expect((await call(target, 'POST', '/api/v2/builds', { body: [{ datamodelId: await modelId(target, PLANTED.datamodels.ecommerce), buildType: 'full' }] })).status).toBe(400);
      // The documented forms of the same calls work.
      expect((await call(target, 'POST', '/api/v1/users/bulk', { body: [user] })).status).toBe(201);
      expect((await call(target, 'PUT', perms, { body: [{ partyId: sales._id, type: 'group', permission: 'r' }] })).status).toBe(200);
      expect((await call(target, 'POST', `/api/shares/dashboard/${home.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: sales._id, type: 'group', rule: 'view' }] } })).status).toBe(200);
    });

    it('X4: adminAccess=true from a non-administrator → 403', async () => {
      expect((await call(source, 'GET', '/api/v1/dashboards?adminAccess=true', { token: source.tokens.viewer })).status).toBe(403);
      expect((await call(source, 'GET', '/api/v1/dashboards', { token: source.tokens.viewer })).status).toBe(200);
    });
  });

  describe('dashboards: listing, export, import', () => {
    it('D2: the admin listing without dashboardType=owner has one row per instance (oids repeat); with it, one per dashboard', async () => {
      const all = (await call(source, 'GET', '/api/v1/dashboards/admin')).body as any[];
      const owners = (await call(source, 'GET', '/api/v1/dashboards/admin?dashboardType=owner')).body as any[];
      expect(owners).toHaveLength(PLANTED.counts.dashboards);
      expect(new Set(owners.map((d) => d.oid)).size).toBe(owners.length);
      expect(all.length).toBeGreaterThan(owners.length);
      expect(all.filter((d) => d.instanceType === 'user').length).toBe(all.length - owners.length);
      const byDs = (await call(source, 'GET', `/api/v1/dashboards/admin?dashboardType=owner&datasourceTitle=${enc(PLANTED.datamodels.retail)}`)).body as any[];
      expect(byDs.length).toBeGreaterThan(0);
      expect(byDs.every((d) => d.datasource.title === PLANTED.datamodels.retail)).toBe(true);
    });

    it('D3: export takes dashboardIds once, comma-separated (→ array); a repeated dashboardIds → 400', async () => {
      const a = await dash(source, 'ECommerce Overview');
      const b = await dash(source, 'Sales Deep Dive');
      const ok = await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${a.oid},${b.oid}&adminAccess=true`);
      expect(ok.status).toBe(200);
      expect(ok.body.map((d: any) => d.title)).toEqual(['ECommerce Overview', 'Sales Deep Dive']);
      const repeated = await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${a.oid}&dashboardIds=${b.oid}&adminAccess=true`);
      expect([repeated.status, repeated.body]).toEqual([400, V1_ERROR]);
      expect(repeated.body.error.message).toMatch(/comma-separated/);
    });

    it('D3b: bulk delete takes dashboardIds once, comma-separated; repeated → 400; others\' dashboards need adminAccess', async () => {
      const a = await dash(source, 'Dana Notes');
      const b = await dash(source, 'Olga Draft');
      expect((await call(source, 'DELETE', `/api/v1/dashboards/bulk?dashboardIds=${a.oid}&dashboardIds=${b.oid}&adminAccess=true`)).status).toBe(400);
      expect((await call(source, 'DELETE', `/api/v1/dashboards/bulk?dashboardIds=${a.oid},${b.oid}`)).status).toBe(403);
      expect((await call(source, 'DELETE', `/api/v1/dashboards/bulk?dashboardIds=${a.oid},${b.oid}&adminAccess=true`)).status).toBe(200);
      expect(source.state.dashboards.some((d) => d.oid === a.oid || d.oid === b.oid)).toBe(false);
    });

    it('D4: the v0.9 export answers a single object (trailing slash too)', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      for (const path of [`/api/dashboards/${d.oid}/export?adminAccess=true`, `/api/dashboards/${d.oid}/export/?adminAccess=true`]) {
        const r = await call(source, 'GET', path);
        expect(r.status).toBe(200);
        expect(Array.isArray(r.body)).toBe(false);
        expect(r.body).toMatchObject({ oid: d.oid, title: 'Sales Deep Dive', widgets: expect.any(Array) });
      }
    });

    it('D5: exporting a dashboard the admin neither owns nor was published needs adminAccess=true', async () => {
      const d = await dash(source, PLANTED.dashboards.commentedJumpTarget);
      expect((await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}`)).status).toBe(403);
      expect((await call(source, 'GET', `/api/dashboards/${d.oid}/export`)).status).toBe(403);
      expect((await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).status).toBe(200);
    });

    it('D6: an export carries parentFolder and inline widgets, never owner, shares or _id', async () => {
      const d = await dash(source, 'Regional Performance');
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      expect(exp.parentFolder).toBe(d.parentFolder);
      expect(exp.widgets.length).toBeGreaterThan(0);
      for (const k of ['owner', 'shares', '_id', 'userId']) expect(exp).not.toHaveProperty(k);
    });

    it('D7: bulk import needs an array body and action skip|overwrite|duplicate', async () => {
      const d = await dash(source, 'Dana Notes');
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      expect((await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: exp })).status).toBe(400);
      expect((await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=merge', { body: [exp] })).status).toBe(400);
      expect((await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip&republish=true', { body: [exp] })).status).toBe(201);
    });

    it('D8: "previewLayout": null fails the whole import with 400; [] imports', async () => {
      const d = await dash(source, PLANTED.dashboards.nullPreviewLayout[0]);
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      expect(exp.previewLayout).toBeNull();
      const before = target.snapshot();
      const bad = await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: [exp] });
      expect([bad.status, bad.body]).toEqual([400, V1_ERROR]);
      expect(target.snapshot()).toBe(before);
      expect((await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: [{ ...exp, previewLayout: [] }] })).status).toBe(201);
    });

    it('D9/D10: imported dashboards belong to the importer, payload shares are not applied, unknown parentFolder → root, known → kept', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      const tDana = await userBy(target, 'dana.designer@acme.test');
      const tSales = await groupBy(target, 'Sales');
      const withShares = { ...exp, shares: [{ shareId: tDana._id, type: 'user', rule: 'edit' }, { shareId: tSales._id, type: 'group', rule: 'view' }] };
      const r = await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip&republish=true', { body: [withShares] });
      const me = (await call(target, 'GET', '/api/users/loggedin')).body;
      expect(r.body).toEqual({ succeded: [{ oid: d.oid, title: 'Sales Deep Dive', owner: me._id, shares: [{ shareId: me._id, type: 'user' }] }], skipped: [], failed: {} });
      const imported = (await call(target, 'GET', `/api/v1/dashboards/${d.oid}`)).body;
      expect(imported).not.toHaveProperty('parentFolder');
      expect(target.visibleTo(tDana._id, d.oid)).toBe(false);

      const [folder] = (await call(target, 'GET', `/api/v1/folders?name=${PLANTED.target.sharedFolder}`)).body;
      const e = await dash(source, 'Dana Notes');
      const [exp2] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${e.oid}&adminAccess=true`)).body;
      await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: [{ ...exp2, parentFolder: folder.oid }] });
      expect((await call(target, 'GET', `/api/v1/dashboards/${e.oid}`)).body.parentFolder).toBe(folder.oid);
    });

    it('D11: recipients see an imported dashboard only after shares are re-applied AND it is published', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip&republish=true', { body: [exp] });
      const tDana = await userBy(target, 'dana.designer@acme.test');
      const seen = async () => ((await call(target, 'GET', '/api/v1/dashboards', { token: target.tokens.designer })).body as any[]).some((x) => x.oid === d.oid);
      expect(await seen()).toBe(false);
      expect((await call(target, 'POST', `/api/shares/dashboard/${d.oid}`, { body: { sharesTo: [{ shareId: tDana._id, type: 'user', rule: 'edit', subscribe: false }] } })).status).toBe(200);
      expect(await seen()).toBe(false);
      expect(target.visibleTo('dana.designer@acme.test', d.oid)).toBe(false);
      expect((await call(target, 'POST', `/api/v1/dashboards/${d.oid}/publish?force=false`)).status).toBe(204);
      expect(await seen()).toBe(true);
      expect(target.visibleTo(tDana._id, d.oid)).toBe(true);
      expect(target.recipients(d.oid)).toEqual(['dana.designer@acme.test']);
      expect(source.folderPath(d.oid)).toEqual(['Sales']);
      expect(target.folderPath(d.oid)).toEqual([]);
    });

    it('D12: a title that exists under another oid imports as a second dashboard (Sisense matches by oid only)', async () => {
      const title = PLANTED.target.titleClashes[0];
      const d = await dash(source, title);
      const existing = await dash(target, title);
      expect(existing.oid).not.toBe(d.oid);
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${d.oid}&adminAccess=true`)).body;
      expect((await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: [exp] })).body.succeded).toHaveLength(1);
      const rows = (await call(target, 'GET', `/api/v1/dashboards/admin?dashboardType=owner&name=${enc(title)}`)).body as any[];
      expect(rows.map((r) => r.oid).sort()).toEqual([d.oid, existing.oid].sort());
    });
  });

  describe('shares, owner, publish', () => {
    it('S1: shares POST replaces the list (owner entry stays); no sharesTo → 400; an unknown rule → 400', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const vic = await userBy(source, 'vic.viewer@acme.test');
      expect((await call(source, 'POST', `/api/shares/dashboard/${d.oid}?adminAccess=true`, { body: { shares: [] } })).status).toBe(400);
      expect((await call(source, 'POST', `/api/shares/dashboard/${d.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: vic._id, type: 'user', rule: 'viewer' }] } })).status).toBe(400);
      const ok = await call(source, 'POST', `/api/shares/dashboard/${d.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: vic._id, type: 'user', rule: 'co-owner', subscribe: false }] } });
      expect(ok.status).toBe(200);
      expect(ok.body.sharesTo.map((s: any) => [s.shareId, s.rule])).toEqual([[d.owner, undefined], [vic._id, 'co-owner']]);
      // The v1 PATCH {shares} overrides the list under the same rules.
      const ian = await userBy(source, PLANTED.users.inactive);
      const dup = [{ shareId: vic._id, type: 'user', rule: 'view' }, { shareId: vic._id, type: 'user', rule: 'view' }];
      expect((await call(source, 'PATCH', `/api/v1/dashboards/${d.oid}?adminAccess=true`, { body: { shares: dup } })).status).toBe(400);
      const patched = await call(source, 'PATCH', `/api/v1/dashboards/${d.oid}?adminAccess=true`, { body: { shares: [{ shareId: vic._id, type: 'user', rule: 'edit' }, { shareId: ian._id, type: 'user', rule: 'view' }] } });
      expect(patched.body.shares).toEqual([{ shareId: d.owner, type: 'user' }, { shareId: vic._id, type: 'user', rule: 'edit', subscribe: false }]);
    });

    it('S2: the same shareId twice fails the share (400) and changes nothing', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const vic = await userBy(source, 'vic.viewer@acme.test');
      const before = source.snapshot();
      const dup = await call(source, 'POST', `/api/shares/dashboard/${d.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: vic._id, type: 'user', rule: 'view' }, { shareId: vic._id, type: 'user', rule: 'edit' }] } });
      expect([dup.status, dup.body]).toEqual([400, V1_ERROR]);
      expect(source.snapshot()).toBe(before);
    });

    it('S3: a share for an inactive user is accepted (200) and silently dropped', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const ian = await userBy(source, PLANTED.users.inactive);
      const vic = await userBy(source, 'vic.viewer@acme.test');
      const r = await call(source, 'POST', `/api/shares/dashboard/${d.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: ian._id, type: 'user', rule: 'view' }, { shareId: vic._id, type: 'user', rule: 'view' }] } });
      expect(r.status).toBe(200);
      const back = (await call(source, 'GET', `/api/shares/dashboard/${d.oid}?adminAccess=true`)).body;
      expect(back.sharesTo.map((s: any) => s.shareId)).toEqual([d.owner, vic._id]);
    });

    it('S4: an admin writing shares, publishing or changing the owner of a dashboard it does not own needs adminAccess=true', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const admin = await userBy(source, 'admin@acme.test');
      expect((await call(source, 'POST', `/api/shares/dashboard/${d.oid}`, { body: { sharesTo: [] } })).status).toBe(403);
      expect((await call(source, 'POST', `/api/v1/dashboards/${d.oid}/publish`)).status).toBe(403);
      expect((await call(source, 'POST', `/api/v1/dashboards/${d.oid}/change_owner`, { body: { ownerId: admin._id, originalOwnerRule: 'edit' } })).status).toBe(403);
      expect((await call(source, 'POST', `/api/v1/dashboards/${d.oid}/publish?adminAccess=true`)).status).toBe(204);
    });

    it('S5: change_owner takes {ownerId, originalOwnerRule: edit|view}; a user who cannot own → 400; the old owner becomes a share', async () => {
      const d = await dash(source, 'Finance KPIs');
      const dora = await userBy(source, 'dora.data@acme.test');
      const vic = await userBy(source, 'vic.viewer@acme.test');
      const ian = await userBy(source, PLANTED.users.inactive);
      const path = `/api/v1/dashboards/${d.oid}/change_owner?adminAccess=true`;
      expect((await call(source, 'POST', path, { body: { owner: dora._id, originalOwnerRule: 'edit' } })).status).toBe(400);
      expect((await call(source, 'POST', path, { body: { ownerId: dora._id, originalOwnerRule: 'owner' } })).status).toBe(400);
      expect((await call(source, 'POST', path, { body: { ownerId: vic._id, originalOwnerRule: 'edit' } })).status).toBe(400);
      expect((await call(source, 'POST', path, { body: { ownerId: ian._id, originalOwnerRule: 'edit' } })).status).toBe(400);
      const ok = await call(source, 'POST', path, { body: { ownerId: dora._id, originalOwnerRule: 'view' } });
      expect([ok.status, ok.text]).toEqual([200, '']);
      const after = (await call(source, 'GET', `/api/v1/dashboards/${d.oid}?adminAccess=true`)).body;
      expect(after.owner).toBe(dora._id);
      expect(after.shares.slice(0, 2)).toEqual([{ shareId: dora._id, type: 'user' }, { shareId: d.owner, type: 'user', rule: 'view', subscribe: false }]);
      expect(source.visibleTo(d.owner, d.oid)).toBe(true);
    });

    it('S6: can_be_owned says no for viewers, inactive users, users of another tenant and unknown emails', async () => {
      const d = await dash(source, 'Finance KPIs');
      const check = async (email: string) => (await call(source, 'GET', `/api/v1/dashboards/${d.oid}/can_be_owned?email=${enc(email)}`)).body;
      expect(await check('dora.data@acme.test')).toEqual({ canBeOwned: true, reasonMessage: '' });
      for (const email of ['vic.viewer@acme.test', PLANTED.users.inactive, PLANTED.users.otherTenant, 'nobody@acme.test']) expect(await check(email)).toEqual({ canBeOwned: false, reasonMessage: expect.any(String) });
    });

    it('S7: v0.9 PUT/PATCH by a non-owner (even an admin with adminAccess) → 404; by the owner → 200; v1 PATCH with adminAccess → 200', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      for (const method of ['PUT', 'PATCH']) expect((await call(source, method, `/api/dashboards/${d.oid}?adminAccess=true`, { body: { title: 'x' } })).status).toBe(404);
      expect((await call(source, 'PATCH', `/api/dashboards/${d.oid}`, { token: source.tokens.designer, body: { title: 'Renamed' } })).status).toBe(200);
      expect((await call(source, 'PATCH', `/api/v1/dashboards/${d.oid}`, { body: { title: 'Again' } })).status).toBe(403);
      expect((await call(source, 'PATCH', `/api/v1/dashboards/${d.oid}?adminAccess=true`, { body: { title: 'Again' } })).status).toBe(200);
    });

    it('S8: share reads: v0.9 {sharesTo, owner}, v1 a bare array', async () => {
      const d = await dash(source, 'Sales Deep Dive');
      const v09 = (await call(source, 'GET', `/api/shares/dashboard/${d.oid}?adminAccess=true`)).body;
      expect(v09).toMatchObject({ sharesTo: expect.any(Array), owner: { _id: d.owner, userName: expect.any(String) } });
      const v1 = (await call(source, 'GET', `/api/v1/dashboards/${d.oid}/shares?adminAccess=true`)).body;
      expect(v1).toEqual(d.shares);
    });
  });

  describe('folders', () => {
    it('F1: a root folder has no parentId or ""; parentId null → 400', async () => {
      const nul = await call(target, 'POST', '/api/v1/folders', { body: { name: 'Root A', parentId: null } });
      expect([nul.status, nul.body]).toEqual([400, V1_ERROR]);
      const a = await call(target, 'POST', '/api/v1/folders', { body: { name: 'Root A' } });
      const b = await call(target, 'POST', '/api/v1/folders', { body: { name: 'Root B', parentId: '' } });
      expect([a.status, a.body.parentId, b.status, b.body.parentId]).toEqual([201, null, 201, null]);
      const child = await call(target, 'POST', '/api/v1/folders', { body: { name: 'Child', parentId: a.body.oid } });
      expect([child.status, child.body.parentId]).toEqual([201, a.body.oid]);
    });

    it('F2: PATCH {name, parentId, owner}; null → 400; parentId "" moves to the root', async () => {
      const a = (await call(target, 'POST', '/api/v1/folders', { body: { name: 'A' } })).body;
      const b = (await call(target, 'POST', '/api/v1/folders', { body: { name: 'B', parentId: a.oid } })).body;
      expect((await call(target, 'PATCH', `/api/v1/folders/${b.oid}`, { body: { parentId: null } })).status).toBe(400);
      expect((await call(target, 'PATCH', `/api/v1/folders/${b.oid}`, { body: { parentId: '' } })).body.parentId).toBeNull();
      const dana = await userBy(target, 'dana.designer@acme.test');
      expect((await call(target, 'PATCH', `/api/v1/folders/${b.oid}`, { body: { owner: dana._id } })).body.owner).toBe(dana._id);
    });
  });

  describe('users, groups, tenants', () => {
    it('U1: users and groups bulk → 201; an existing email or group name → 400', async () => {
      const roles = (await call(target, 'GET', '/api/roles')).body as any[];
      const g = await call(target, 'POST', '/api/v1/groups/bulk', { body: [{ name: 'Marketing' }] });
      expect(g.status).toBe(201);
      const clash = await call(target, 'POST', '/api/v1/groups/bulk', { body: [{ name: 'Everyone' }, { name: 'Fresh' }] });
      expect([clash.status, clash.body.error.moreInfo]).toEqual([400, { existingGroups: ['Everyone'] }]);
      const consumer = roles.find((r) => r.name === 'consumer')._id;
      expect((await call(target, 'POST', '/api/v1/users/bulk', { body: [{ email: 'mia.marketing@acme.test', firstName: 'Mia', roleId: consumer }] })).status).toBe(201);
      expect((await call(target, 'POST', '/api/v1/users/bulk', { body: [{ email: 'dana.designer@acme.test', firstName: 'Dana', roleId: consumer }] })).status).toBe(400);
    });

    it('U2/U3: tenants list the system tenant; the listings hold super users, inactive users, a user without firstName, other tenants, system groups', async () => {
      const tenants = (await call(source, 'GET', '/api/v1/tenants')).body as any[];
      expect(tenants.map((t) => t.name)).toEqual([PLANTED.tenants.system, PLANTED.tenants.other]);
      expect(tenants[0]).toMatchObject({ default: true, systemManagement: true });
      const users = (await call(source, 'GET', '/api/v1/users?expand=role')).body as any[];
      expect(users).toHaveLength(PLANTED.counts.users);
      expect(users.filter((u) => u.role.name === 'super').map((u) => u.email)).toEqual(PLANTED.users.superUsers);
      expect(users.filter((u) => !u.active).map((u) => u.email)).toEqual(PLANTED.users.inactiveAll);
      expect(users.find((u) => u.email === PLANTED.users.noFirstName)).not.toHaveProperty('firstName');
      expect(users.find((u) => u.email === PLANTED.users.otherTenant).tenantId).toBe(tenants[1]._id);
      const groups = (await call(source, 'GET', '/api/v1/groups')).body as any[];
      for (const name of PLANTED.groups.system) expect(groups.map((x) => x.name)).toContain(name);
      expect(groups.find((x) => x.name === PLANTED.groups.otherTenant).tenantId).toBe(tenants[1]._id);
    });

    it('U4: group members via GET /api/v1/users?groupId= and GET /api/groups/{id}/users; /api/v1/groups/{id}/users → 404', async () => {
      const sales = await groupBy(source, 'Sales');
      expect((await call(source, 'GET', `/api/v1/groups/${sales._id}/users`)).status).toBe(404);
      const v1 = ((await call(source, 'GET', `/api/v1/users?groupId=${sales._id}`)).body as any[]).map((u) => u.email).sort();
      const v09 = ((await call(source, 'GET', `/api/groups/${sales._id}/users`)).body as any[]).map((u) => u.email).sort();
      expect(v1).toEqual(v09);
      expect(v1).toContain('vic.viewer@acme.test');
    });

    it('U6: one group is GET /api/groups/{idOrName} and deleted with DELETE /api/groups/{id} (v0.9); the undocumented /api/v1/groups/{id} → 404', async () => {
      const sales = await groupBy(source, 'Sales');
      expect(await call(source, 'GET', `/api/v1/groups/${sales._id}`).then((r) => [r.status, r.body])).toEqual([404, V1_ERROR]);
      expect((await call(source, 'GET', `/api/groups/${sales._id}`)).body).toMatchObject({ _id: sales._id, name: 'Sales' });
      expect((await call(source, 'GET', '/api/groups/Sales')).body).toMatchObject({ _id: sales._id });
      const temp = (await call(target, 'POST', '/api/v1/groups', { body: { name: 'Temp' } })).body;
      expect((await call(target, 'DELETE', `/api/v1/groups/${temp._id}`)).status).toBe(404);
      expect(await groupBy(target, 'Temp')).toBeDefined();
      expect((await call(target, 'DELETE', `/api/groups/${temp._id}`)).status).toBe(204);
      expect(await groupBy(target, 'Temp')).toBeUndefined();
    });

    it('U5: active:false is kept on create', async () => {
      const consumer = ((await call(target, 'GET', '/api/roles')).body as any[]).find((r) => r.name === 'consumer')._id;
      const r = await call(target, 'POST', '/api/v1/users/bulk', { body: [{ email: PLANTED.users.inactive, firstName: 'Ian', roleId: consumer, active: false }] });
      expect(r.body[0].active).toBe(false);
    });
  });

  describe('data models', () => {
    it('M1: GET /api/v2/datamodels/schema?title= is a single object', async () => {
      const r = await call(source, 'GET', `/api/v2/datamodels/schema?title=${enc(PLANTED.datamodels.retail)}`);
      expect(Array.isArray(r.body)).toBe(false);
      expect(r.body.title).toBe(PLANTED.datamodels.retail);
    });

    it('M2: extract model shares keyed party are accepted (200) and silently discarded; partyId entries are kept', async () => {
      const sales = await groupBy(target, 'Sales');
      const path = `/api/elasticubes/localhost/${enc(PLANTED.datamodels.ecommerce)}/permissions`;
      const wrong = await call(target, 'PUT', path, { body: [{ party: sales._id, type: 'group', permission: 'r' }] });
      expect(wrong.status).toBe(200);
      expect((await call(target, 'GET', path)).body.shares).toEqual([]);
      await call(target, 'PUT', path, { body: [{ partyId: sales._id, type: 'group', permission: 'r' }] });
      expect((await call(target, 'GET', path)).body.shares).toEqual([{ partyId: sales._id, type: 'group', permission: 'r' }]);
    });

    it('M3/M4: a live model answers 404 "Elasticube has not been found" on permissions until published with buildType publish', async () => {
      const liveId = await modelId(source, PLANTED.datamodels.live);
      const schema = (await call(source, 'GET', `/api/v2/datamodel-exports/schema?datamodelId=${liveId}&type=schema-latest`)).body;
      const imported = (await call(target, 'POST', '/api/v2/datamodel-imports/schema', { body: schema })).body;
      const sales = await groupBy(target, 'Sales');
      const perms = `/api/v1/elasticubes/live/${imported.oid}/permissions`;
      const get = await call(target, 'GET', perms);
      expect([get.status, get.body.error.message]).toEqual([404, 'Elasticube has not been found']);
      expect((await call(target, 'PATCH', perms, { body: [{ partyId: sales._id, type: 'group', permission: 'r' }] })).status).toBe(404);
      expect((await call(target, 'POST', '/api/v2/builds', { body: { datamodelId: imported.oid, buildType: 'full' } })).body).toEqual(v2Problem(400, 'ValidationError'));
      expect((await call(target, 'POST', '/api/v2/builds', { body: { datamodelId: imported.oid, buildType: 'publish' } })).status).toBe(201);
      expect((await call(target, 'PATCH', perms, { body: [{ partyId: sales._id, type: 'group', permission: 'r' }, { party: sales._id, type: 'group', permission: 'w' }] })).status).toBe(200);
      expect((await call(target, 'GET', perms)).body).toEqual([{ partyId: sales._id, type: 'group', permission: 'r' }]);
      const ecommerce = await modelId(target, PLANTED.datamodels.ecommerce);
      expect((await call(target, 'POST', '/api/v2/builds', { body: { datamodelId: ecommerce, buildType: 'publish' } })).status).toBe(400);
    });

    it('M5: data security rule shares are keyed party (partyId entries dropped); live addMany only once published', async () => {
      const sales = await groupBy(target, 'Sales');
      const dana = await userBy(target, 'dana.designer@acme.test');
      const path = `/api/elasticubes/localhost/${enc(PLANTED.datamodels.ecommerce)}/datasecurity`;
      const rule = { table: 'Country', column: 'Country', datatype: 'text', members: ['Canada'] };
      const r = await call(target, 'POST', path, { body: [{ ...rule, shares: [{ party: dana._id, type: 'user' }, { partyId: sales._id, type: 'group' }] }] });
      expect(r.status).toBe(200);
      const rules = (await call(target, 'GET', path)).body as any[];
      expect(rules.at(-1).shares).toEqual([{ party: dana._id, type: 'user', partyName: 'dana.designer@acme.test' }]);

      const liveId = await modelId(source, PLANTED.datamodels.live);
      const schema = (await call(source, 'GET', `/api/v2/datamodel-exports/schema?datamodelId=${liveId}&type=schema-latest`)).body;
      const imported = (await call(target, 'POST', '/api/v2/datamodel-imports/schema', { body: schema })).body;
      const addMany = `/api/v1/elasticubes/live/${enc(imported.title)}/datasecurity/addMany`;
      const liveRule = [{ table: 'SALES', column: 'REGION', datatype: 'text', members: ['EMEA'], shares: [{ party: sales._id, type: 'group' }] }];
      expect((await call(target, 'POST', addMany, { body: liveRule })).status).toBe(404);
      await call(target, 'POST', '/api/v2/builds', { body: { datamodelId: imported.oid, buildType: 'publish' } });
      expect((await call(target, 'POST', addMany, { body: liveRule })).status).toBe(200);
      expect((await call(target, 'GET', `/api/v1/elasticubes/live/${enc(imported.title)}/datasecurity`)).body).toHaveLength(1);
    });

    it('M4b: a build names its buildType; none → 400 ValidationError (not a guessed "full")', async () => {
      const id = await modelId(source, PLANTED.datamodels.retail);
      expect(await call(source, 'POST', '/api/v2/builds', { body: { datamodelId: id } }).then((r) => [r.status, r.body])).toEqual([400, v2Problem(400, 'ValidationError')]);
      expect((await call(source, 'POST', '/api/v2/builds', { body: { datamodelId: id, buildType: 'full', rowLimit: 0, schemaOrigin: 'latest' } })).status).toBe(201);
    });

    it('M5b: extract data security is read, and deleted, by ?table=&column=; no path form /datasecurity/{table}/{column} exists (404)', async () => {
      const path = `/api/elasticubes/localhost/${enc(PLANTED.rlsTextColumn.model)}/datasecurity`;
      const { table, column } = PLANTED.rlsTextColumn;
      expect((await call(source, 'GET', `${path}/${enc(table)}/${enc(column)}`)).status).toBe(404);
      const rules = (await call(source, 'GET', `${path}?table=${enc(table)}&column=${enc(column)}`)).body as any[];
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((r) => r.table === table && r.column === column)).toBe(true);
    });

    it('M6: import: a title clash → 400 ElasticubeAlreadyExists (?title= is not newTitle), unknown datamodelId → 404, imported extract models unbuilt', async () => {
      const id = await modelId(source, PLANTED.datamodels.ecommerce);
      const schema = (await call(source, 'GET', `/api/v2/datamodel-exports/schema?datamodelId=${id}&type=schema-latest`)).body;
      expect((await call(target, 'POST', '/api/v2/datamodel-imports/schema?title=Other', { body: schema })).body).toEqual(v2Problem(400, 'ElasticubeAlreadyExists'));
      expect((await call(target, 'POST', '/api/v2/datamodel-imports/schema?datamodelId=00000000-0000-4000-8000-000000000000', { body: schema })).status).toBe(404);
      const copy = await call(target, 'POST', '/api/v2/datamodel-imports/schema?newTitle=Other', { body: schema });
      expect([copy.status, copy.body.lastBuildTime, copy.body.title]).toEqual([201, null, 'Other']);
      const sql = await call(target, 'GET', `/api/datasources/Other/sql?query=${enc('SELECT COUNT(*) FROM [Commerce]')}`);
      expect(sql.status).toBe(400);
    });
  });

  describe('queries', () => {
    const sql = (q: string, csv = false) => `/api/datasources/${enc(PLANTED.manyToMany.model)}/sql?query=${enc(q)}${csv ? '&format=csv' : ''}`;

    it('Q1: the many-to-many probe pysisense sends answers one row per duplicated key (CSV with format=csv); a guessed SQL form → 400', async () => {
      const [lt, lc] = PLANTED.manyToMany.left;
      const [rt, rc] = PLANTED.manyToMany.right;
      const left = await call(source, 'GET', sql(`select [${lc}], count([${lc}]) as key_count1 from [${lt}] group by [${lc}] having count([${lc}]) > 1`, true));
      expect([left.status, left.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
      expect(left.text.trim().split('\n')).toEqual(['Promo Code,key_count1', 'SPRING,2', 'SUMMER,2']);
      const right = await call(source, 'GET', sql(`select [${rc}], count([${rc}]) as key_count2 from [${rt}] group by [${rc}] having count([${rc}]) > 1`));
      expect(right.body).toEqual({ headers: ['Promo Code', 'key_count2'], values: [['SPRING', 2], ['SUMMER', 2]] });
      const guessed = await call(source, 'GET', sql(`SELECT COUNT(*) FROM (SELECT [${lc}] FROM [${lt}] GROUP BY [${lc}] HAVING COUNT(*) > 1) t`));
      expect([guessed.status, guessed.body]).toEqual([400, V1_ERROR]);
      expect((await call(source, 'GET', sql('SELECT COUNT(*) FROM [Orders]'))).body).toEqual({ headers: ['count'], values: [[6]] });
      expect((await call(source, 'GET', sql('SELECT [OrderId], [Amount] FROM [Orders] LIMIT 2'))).body).toEqual({ headers: ['OrderId', 'Amount'], values: [[1, 120.5], [2, 80]] });
      const unbuilt = await call(source, 'GET', `/api/datasources/${enc(PLANTED.datamodels.unbuilt)}/sql?query=${enc('SELECT COUNT(*) FROM [Targets]')}`);
      expect(unbuilt.status).toBe(400);
    });

    it('Q1: JAQL over one table: dims group, agg count aggregates', async () => {
      const r = await call(source, 'POST', `/api/datasources/${enc(PLANTED.manyToMany.model)}/jaql`, {
        body: { datasource: { title: PLANTED.manyToMany.model }, metadata: [{ jaql: { dim: '[Promotions.Promo Code]' } }, { jaql: { dim: '[Promotions.Region]', agg: 'count' } }] },
      });
      expect(r.status).toBe(200);
      expect(r.body.values.map((row: any[]) => row.map((c) => c.data))).toEqual([['SPRING', 2], ['SUMMER', 2], ['WINTER', 1]]);
    });
  });

  describe('the documented recipe works end to end', () => {
    it('migrates a shared dashboard of another owner in nested folders: folders by path, import, shares, owner, publish', async () => {
      const src = await dash(source, 'Regional Performance');
      expect(source.folderPath(src.oid)).toEqual(['Sales', 'Deep Dives', 'Regional']);
      const wanted = source.recipients(src.oid);
      expect(wanted).toEqual(['vic.viewer@acme.test']);

      // Users and groups by email / name (ids differ per deployment).
      const roles = (await call(target, 'GET', '/api/roles')).body as any[];
      const consumer = roles.find((r) => r.name === 'consumer')._id;
      const [emeaGroup] = (await call(target, 'POST', '/api/v1/groups/bulk', { body: [{ name: 'EMEA Analysts' }] })).body;
      const srcUsers = (await call(source, 'GET', '/api/v1/users?expand=groups')).body as any[];
      const missing = wanted.filter((e) => e !== 'dana.designer@acme.test');
      const made = await call(target, 'POST', '/api/v1/users/bulk', {
        body: missing.map((email) => {
          const u = srcUsers.find((x) => x.email === email);
          return { email, firstName: u.firstName, lastName: u.lastName, roleId: consumer, groups: u.groups.some((g: any) => g.name === 'EMEA Analysts') ? [emeaGroup._id] : [] };
        }),
      });
      expect(made.status).toBe(201);
      const tDana = await userBy(target, 'dana.designer@acme.test');
      await call(target, 'PATCH', `/api/v1/users/${tDana._id}`, { body: { groups: [...tDana.groups, emeaGroup._id] } });

      // Folders by path: the root "Sales" exists; the rest are created under it (no null parentId).
      let parent = ((await call(target, 'GET', '/api/v1/folders?name=Sales')).body as any[]).find((f) => f.parentId === null).oid;
      for (const name of ['Deep Dives', 'Regional']) parent = (await call(target, 'POST', '/api/v1/folders', { body: { name, parentId: parent } })).body.oid;

      // Export (one comma-separated parameter), import into that folder, shares by name, owner, publish.
      const [exp] = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${src.oid}&adminAccess=true`)).body;
      const imported = await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip&republish=false', { body: [{ ...exp, parentFolder: parent, previewLayout: exp.previewLayout ?? [] }] });
      expect(imported.body.succeded).toHaveLength(1);
      const srcGroups = (await call(source, 'GET', '/api/v1/groups')).body as any[];
      const tGroups = (await call(target, 'GET', '/api/v1/groups')).body as any[];
      const tUsers = (await call(target, 'GET', '/api/v1/users')).body as any[];
      const sharesTo = (src.shares as any[])
        .filter((x) => x.rule)
        .map((x) => ({
          shareId: x.type === 'group' ? tGroups.find((g) => g.name === srcGroups.find((sg) => sg._id === x.shareId).name)._id : tUsers.find((u) => u.email === srcUsers.find((su) => su._id === x.shareId).email)._id,
          type: x.type,
          rule: x.rule,
          subscribe: false,
        }));
      expect((await call(target, 'POST', `/api/shares/dashboard/${src.oid}`, { body: { sharesTo } })).status).toBe(200);
      expect((await call(target, 'GET', `/api/v1/dashboards/${src.oid}/can_be_owned?email=${enc('dana.designer@acme.test')}`)).body.canBeOwned).toBe(true);
      expect((await call(target, 'POST', `/api/v1/dashboards/${src.oid}/change_owner`, { body: { ownerId: tDana._id, originalOwnerRule: 'edit' } })).status).toBe(200);
      expect((await call(target, 'POST', `/api/v1/dashboards/${src.oid}/publish?adminAccess=true`)).status).toBe(204);

      expect(target.folderPath(src.oid)).toEqual(['Sales', 'Deep Dives', 'Regional']);
      expect((await call(target, 'GET', `/api/v1/dashboards/${src.oid}`, { token: target.tokens.designer })).body.owner).toBe(tDana._id);
      // The migrating admin kept an edit share (change_owner's originalOwnerRule); everyone else is as on the source.
      expect(target.recipients(src.oid).filter((e) => e !== 'admin@acme.test')).toEqual(wanted.filter((e) => e !== 'dana.designer@acme.test'));
    });
  });

  describe('seed', () => {
    it('plants what PLANTED says: 30 dashboards, 20 shared, most not the admin\'s, nested folders, drill targets, column uses', async () => {
      const owners = (await call(source, 'GET', '/api/v1/dashboards/admin?dashboardType=owner')).body as any[];
      const admin = await userBy(source, 'admin@acme.test');
      expect(owners).toHaveLength(PLANTED.counts.dashboards);
      expect(owners.filter((d) => d.shares.some((s: any) => s.shareId !== d.owner))).toHaveLength(PLANTED.counts.shared);
      expect(owners.filter((d) => d.owner !== admin._id)).toHaveLength(PLANTED.counts.notAdminOwned);
      const folders = (await call(source, 'GET', '/api/v1/folders')).body as any[];
      const byOid = new Map(folders.map((f) => [f.oid, f]));
      const pathOf = (oid: string | undefined): string[] => (oid ? [...pathOf(byOid.get(oid).parentId ?? undefined), byOid.get(oid).name] : []);
      for (const [title, path] of Object.entries(PLANTED.dashboards.nested)) expect(pathOf(owners.find((d) => d.title === title).parentFolder)).toEqual(path);
      expect(folders.filter((f) => f.parentId === null).map((f) => f.name)).toEqual(PLANTED.folders.roots);

      const byTitle = new Map(owners.map((d) => [d.title, d]));
      const jumps = (await call(source, 'GET', `/api/v1/dashboards/${byTitle.get(PLANTED.dashboards.scriptJumps).oid}/widgets?adminAccess=true`)).body as any[];
      const script = jumps.map((w) => w.script ?? '').join('\n');
      expect(script).toContain(byTitle.get(PLANTED.dashboards.scriptJumpTarget).oid);
      const commented = byTitle.get(PLANTED.dashboards.commentedJumpTarget).oid;
      expect(script.split('\n').filter((l) => l.includes(commented)).every((l) => /^\s*(\/\/|\/\*)/.test(l))).toBe(true);

      const full = (await call(source, 'GET', `/api/dashboards/${byTitle.get(PLANTED.dashboards.scriptJumps).oid}?adminAccess=true`)).body;
      const text = JSON.stringify(full);
      const u = PLANTED.usedOnlyIn;
      expect(text).toContain(`[${u.dashboardFilter.table}.${u.dashboardFilter.column} (Calendar)]`);
      for (const c of u.cascadingLevels) expect(full.filters.flatMap((f: any) => f.levels ?? []).map((l: any) => l.dim)).toContain(`[${c.table}.${c.column}]`);
      expect(text).toContain(`"dim":"[${u.formulaContext.table}.${u.formulaContext.column}]"`);
      expect(full.widgets.flatMap((w: any) => w.metadata.panels).find((p: any) => p.name === 'filters').items[0].jaql.dim).toBe(`[${u.widgetFilterPanel.table}.${u.widgetFilterPanel.column}]`);

      for (const title of PLANTED.dashboards.sharedWithInactive) {
        const d = byTitle.get(title);
        const inactive = (await call(source, 'GET', '/api/v1/users?active=false')).body.map((x: any) => x._id);
        expect(d.shares.some((s: any) => inactive.includes(s.shareId))).toBe(true);
      }
      const widgetsOf = async (title: string) => (await call(source, 'GET', `/api/v1/dashboards/${byTitle.get(title).oid}/widgets?adminAccess=true`)).body as any[];
      const pivot = (await widgetsOf(PLANTED.dashboards.widePivot)).find((w) => w.type === 'pivot2');
      expect(pivot.metadata.panels.reduce((n: number, p: any) => n + p.items.length, 0)).toBeGreaterThan(20);
      expect(await widgetsOf(PLANTED.dashboards.manyWidgets)).toHaveLength(22);
      const jump = (await widgetsOf(PLANTED.dashboards.missingJumpTarget)).find((w) => w.drillToDashboardConfig);
      expect(owners.map((d) => d.oid)).not.toContain(jump.drillToDashboardConfig.dashboardIds[0].id);

      const rules = (await call(source, 'GET', `/api/elasticubes/localhost/${enc(PLANTED.dataSecurity.extractUserRule.model)}/datasecurity`)).body as any[];
      expect(rules[0].shares.map((s: any) => s.type)).toEqual(['user', 'group']);
    });
  });
});
