import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HEX24, UUID } from '../sisense-sim/ids.js';
import { PLANTED } from '../sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../sisense-sim/sisense-sim.js';
import { call } from '../sisense-sim/sim.http.js';

const V1_ERROR = { error: { code: expect.any(Number), message: expect.any(String), status: expect.any(Number), httpMessage: expect.any(String) } };
const v2Error = (status: number, title: string) => ({ type: expect.any(String), title, status, sub: expect.any(Number), detail: expect.any(String) });

describe('Sisense simulator: the real API shapes and quirks', () => {
  let source: SisenseSim;
  let target: SisenseSim;
  beforeAll(async () => {
    [source, target] = await Promise.all([startSisenseSim({ seed: 'source' }), startSisenseSim({ seed: 'target' })]);
  });
  afterAll(async () => {
    await Promise.all([source.close(), target.close()]);
  });

  it('answers 401 in the v1 shape for a missing or unknown token', async () => {
    for (const token of [null, 'not-a-token']) {
      const r = await call(source, 'GET', '/api/v1/dashboards', { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual(V1_ERROR);
    }
  });

  it('uses 24-hex ids for users, groups, folders, dashboards and widgets, UUIDs for data models; per tenant', async () => {
    const users = (await call(source, 'GET', '/api/v1/users')).body as Array<{ _id: string }>;
    const groups = (await call(source, 'GET', '/api/v1/groups')).body as Array<{ _id: string }>;
    const folders = (await call(source, 'GET', '/api/v1/folders')).body as Array<{ oid: string }>;
    const dashboards = (await call(source, 'GET', '/api/v1/dashboards/admin?dashboardType=owner')).body as Array<{ oid: string }>;
    const widgets = (await call(source, 'GET', `/api/v1/dashboards/${dashboards[0].oid}/widgets`)).body as Array<{ oid: string }>;
    const models = (await call(source, 'GET', '/api/v2/datamodels/schema?fields=oid,title')).body as Array<{ oid: string }>;
    for (const id of [...users.map((u) => u._id), ...groups.map((g) => g._id), ...folders.map((f) => f.oid), ...dashboards.map((d) => d.oid), ...widgets.map((w) => w.oid)]) expect(id).toMatch(HEX24);
    for (const m of models) expect(m.oid).toMatch(UUID);
    const targetUsers = (await call(target, 'GET', '/api/v1/users')).body as Array<{ _id: string; email: string }>;
    const sourceAdmin = (users as Array<{ _id: string; email: string }>).find((u) => u.email === 'admin@acme.test');
    expect(targetUsers.find((u) => u.email === 'admin@acme.test')?._id).not.toBe(sourceAdmin?._id);
  });

  it('answers a malformed dashboard id with a bare 422, an unknown one with a v1 404, an unknown model with a v2 404', async () => {
    const bad = await call(source, 'GET', '/api/v1/dashboards/not-an-id');
    expect([bad.status, bad.text]).toEqual([422, '']);
    const missing = await call(source, 'GET', '/api/v1/dashboards/0123456789abcdef01234567');
    expect([missing.status, missing.body]).toEqual([404, V1_ERROR]);
    const model = await call(source, 'GET', '/api/v2/datamodels/schema?title=Nope');
    expect([model.status, model.body]).toEqual([404, v2Error(404, 'DatamodelNotFound')]);
  });

  it('lists users with role and group names (expand), by email, and the token own user', async () => {
    const [dana] = (await call(source, 'GET', '/api/v1/users?email=dana.designer%40acme.test&expand=groups,role')).body;
    expect(dana).toMatchObject({ email: 'dana.designer@acme.test', role: { name: 'contributor' }, groups: [{ name: 'Sales' }, { name: 'EMEA Analysts' }] });
    const me = (await call(source, 'GET', '/api/users/loggedin', { token: source.tokens.viewer })).body;
    expect(me).toMatchObject({ email: 'vic.viewer@acme.test', roleName: 'consumer' });
    const roles = (await call(source, 'GET', '/api/roles')).body as Array<{ name: string }>;
    expect(roles.map((r) => r.name)).toEqual(['super', 'admin', 'dataAdmin', 'contributor', 'dataDesigner', 'consumer']);
  });

  it('shows a user the dashboards they own or that were published to them; the admin listing shows all; adminAccess needs an admin', async () => {
    const titles = async (token: string, path = '/api/v1/dashboards') => ((await call(source, 'GET', path, { token })).body as Array<{ title: string }>).map((d) => d.title).sort();
    expect(await titles(source.tokens.viewer)).toEqual(['Campaign Tracker 02', 'ECommerce Overview', 'Irene Pipeline', 'Regional Performance', 'Retail Weekly', 'Sales Deep Dive', '_drill Order Detail']);
    expect(await titles(source.token)).toEqual(['Admin Scratchpad', 'Archive 2024', 'ECommerce Overview', 'Empty Dashboard', 'Super Admin Console']);
    expect(await titles(source.token, '/api/v1/dashboards/admin?dashboardType=owner')).toHaveLength(PLANTED.counts.dashboards);
    const refused = await call(source, 'GET', '/api/v1/dashboards/admin', { token: source.tokens.viewer });
    expect([refused.status, refused.body]).toEqual([403, V1_ERROR]);
    expect((await call(source, 'GET', '/api/v1/dashboards?adminAccess=true', { token: source.tokens.viewer })).status).toBe(403);
  });

  it('replaces the whole share list on POST and keeps the owner entry without a rule', async () => {
    const [deep] = (await call(source, 'GET', '/api/v1/dashboards/admin?name=Sales%20Deep%20Dive')).body;
    const before = (await call(source, 'GET', `/api/shares/dashboard/${deep.oid}?adminAccess=true`)).body;
    expect(before.sharesTo).toHaveLength(4);
    expect(before.sharesTo[0]).toEqual({ shareId: deep.owner, type: 'user', userName: 'dana.designer@acme.test', email: 'dana.designer@acme.test' });
    const vic = before.sharesTo.find((s: any) => s.userName === 'vic.viewer@acme.test');
    const posted = await call(source, 'POST', `/api/shares/dashboard/${deep.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: vic.shareId, type: 'user', rule: 'edit', subscribe: false }] } });
    expect(posted.status).toBe(200);
    const after = (await call(source, 'GET', `/api/shares/dashboard/${deep.oid}?adminAccess=true`)).body;
    expect(after.sharesTo.map((s: any) => [s.shareId, s.rule])).toEqual([[deep.owner, undefined], [vic.shareId, 'edit']]);
    const unknown = await call(source, 'POST', `/api/shares/dashboard/${deep.oid}?adminAccess=true`, { body: { sharesTo: [{ shareId: '0123456789abcdef01234567', type: 'group', rule: 'view' }] } });
    expect(unknown.status).toBe(400);
  });

  it('migrates dashboards with export + bulk import: "succeded", owned by the importer, skip / overwrite / duplicate, failures by category', async () => {
    const [overview] = (await call(source, 'GET', '/api/v1/dashboards/admin?name=ECommerce%20Overview')).body;
    const exported = (await call(source, 'GET', `/api/v1/dashboards/export?dashboardIds=${overview.oid}&adminAccess=true`)).body;
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({ oid: overview.oid, title: 'ECommerce Overview', widgets: expect.any(Array) });
    expect(exported[0]).not.toHaveProperty('shares');

    const first = await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip&republish=true', { body: [...exported, { title: 'broken' }] });
    expect(first.status).toBe(201);
    const me = (await call(target, 'GET', '/api/users/loggedin')).body;
    expect(first.body).toEqual({ succeded: [{ oid: overview.oid, title: 'ECommerce Overview', owner: me._id, shares: [{ shareId: me._id, type: 'user' }] }], skipped: [], failed: { validation: [{ oid: null, title: 'broken', error: { message: expect.any(String) } }] } });
    const imported = (await call(target, 'GET', `/api/v1/dashboards/${overview.oid}`)).body;
    expect(imported).toMatchObject({ owner: me._id, userId: me._id, shares: [{ shareId: me._id, type: 'user' }] });
    expect(imported).not.toHaveProperty('parentFolder');
    expect(target.state.published[overview.oid]).toBeDefined();

    const skipped = (await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=skip', { body: exported })).body;
    expect(skipped).toEqual({ succeded: [], skipped: [{ oid: overview.oid, title: 'ECommerce Overview' }], failed: {} });
    const overwritten = (await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=overwrite', { body: [{ ...exported[0], title: 'ECommerce Overview v2' }] })).body;
    expect(overwritten.succeded).toEqual([expect.objectContaining({ oid: overview.oid, title: 'ECommerce Overview v2' })]);
    const duplicated = (await call(target, 'POST', '/api/v1/dashboards/import/bulk?action=duplicate', { body: exported })).body;
    expect(duplicated.succeded[0].oid).toMatch(HEX24);
    expect(duplicated.succeded[0].oid).not.toBe(overview.oid);
    const copyWidgets = (await call(target, 'GET', `/api/v1/dashboards/${duplicated.succeded[0].oid}/widgets`)).body as Array<{ oid: string }>;
    expect(copyWidgets.map((w) => w.oid)).not.toContain(exported[0].widgets[0].oid);
  });

  it('changes a dashboard owner: the old owner keeps the given rule', async () => {
    const [fin] = (await call(source, 'GET', '/api/v1/dashboards/admin?name=Finance%20KPIs')).body;
    const [dora] = (await call(source, 'GET', '/api/v1/users?email=dora.data%40acme.test')).body;
    const r = await call(source, 'POST', `/api/v1/dashboards/${fin.oid}/change_owner?adminAccess=true`, { body: { ownerId: dora._id, originalOwnerRule: 'view' } });
    expect([r.status, r.text]).toEqual([200, '']);
    const after = (await call(source, 'GET', `/api/v1/dashboards/${fin.oid}?adminAccess=true`)).body;
    expect(after.owner).toBe(dora._id);
    expect(after.shares.slice(0, 2)).toEqual([{ shareId: dora._id, type: 'user' }, { shareId: fin.owner, type: 'user', rule: 'view', subscribe: false }]);
  });

  it('deletes the dashboards a user owns with the user', async () => {
    const [olga] = (await call(source, 'GET', '/api/v1/users?email=olga.orphan%40acme.test')).body;
    const [orphan] = (await call(source, 'GET', '/api/v1/dashboards/admin?name=Orphaned%20Report')).body;
    expect((await call(source, 'DELETE', `/api/v1/users/${olga._id}`)).status).toBe(204);
    expect((await call(source, 'GET', `/api/v1/dashboards/${orphan.oid}?adminAccess=true`)).status).toBe(404);
    expect(source.state.widgets[orphan.oid]).toBeUndefined();
  });

  it('creates users and groups in bulk with 201, refusing duplicates', async () => {
    const roles = (await call(target, 'GET', '/api/roles')).body as Array<{ _id: string; name: string }>;
    const groups = await call(target, 'POST', '/api/v1/groups/bulk', { body: [{ name: 'Finance' }, { name: 'EMEA Analysts' }] });
    expect(groups.status).toBe(201);
    const viewer = roles.find((r) => r.name === 'consumer')!._id;
    const users = await call(target, 'POST', '/api/v1/users/bulk', { body: [{ email: 'vic.viewer@acme.test', firstName: 'Vic', roleId: viewer, groups: [groups.body[0]._id] }] });
    expect(users.status).toBe(201);
    expect(users.body[0]).toMatchObject({ email: 'vic.viewer@acme.test', groups: [groups.body[0]._id], roleId: viewer });
    expect((await call(target, 'POST', '/api/v1/groups/bulk', { body: [{ name: 'Finance' }] })).status).toBe(400);
  });

  it('imports data models: 400 ElasticubeAlreadyExists on a title clash, 201 unbuilt otherwise, built by POST /api/v2/builds', async () => {
    const models = (await call(source, 'GET', '/api/v2/datamodels/schema?fields=oid,title')).body as Array<{ oid: string; title: string }>;
    const id = (t: string) => models.find((m) => m.title === t)!.oid;
    const ecommerce = (await call(source, 'GET', `/api/v2/datamodel-exports/schema?datamodelId=${id('Sample ECommerce')}&type=schema-latest`)).body;
    const clash = await call(target, 'POST', '/api/v2/datamodel-imports/schema', { body: ecommerce });
    expect([clash.status, clash.body]).toEqual([400, v2Error(400, 'ElasticubeAlreadyExists')]);
    const copy = await call(target, 'POST', '/api/v2/datamodel-imports/schema?newTitle=ECommerce%20Copy', { body: ecommerce });
    expect(copy.status).toBe(201);
    expect(copy.body.oid).not.toBe(ecommerce.oid);
    expect((await call(target, 'POST', '/api/v2/datamodel-imports/schema?datamodelId=00000000-0000-4000-8000-000000000000', { body: ecommerce })).status).toBe(404);

    const retail = (await call(source, 'GET', `/api/v2/datamodel-exports/schema?datamodelId=${id('Retail Sales')}&type=schema-latest`)).body;
    const imported = await call(target, 'POST', '/api/v2/datamodel-imports/schema', { body: retail });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ oid: id('Retail Sales'), title: 'Retail Sales', lastBuildTime: null, lastSuccessfulBuildTime: null });
    const build = await call(target, 'POST', '/api/v2/builds', { body: { datamodelId: imported.body.oid, buildType: 'full', rowLimit: 0, schemaOrigin: 'latest' } });
    expect(build.status).toBe(201);
    expect(build.body).toMatchObject({ oid: expect.stringMatching(UUID), status: 'building' });
    expect((await call(target, 'GET', `/api/v2/builds/${build.body.oid}`)).body.status).toBe('done');
    const built = (await call(target, 'GET', `/api/v2/datamodels/${imported.body.oid}/schema`)).body;
    expect(built.lastSuccessfulBuildTime).toEqual(expect.any(String));
  });

  it('serves connections, model shares and data security (RLS on a text column) on the elasticube paths', async () => {
    const connections = (await call(source, 'GET', '/api/v2/connections')).body as Array<{ name: string; provider: string }>;
    expect(connections.map((c) => c.name)).toEqual(expect.arrayContaining(['Warehouse (PostgreSQL)', 'Snowflake Analytics', 'Sample Country']));
    const rules = (await call(source, 'GET', '/api/elasticubes/localhost/Retail%20Sales/datasecurity')).body;
    expect(rules[0]).toMatchObject({ table: 'Customers', column: 'Region', datatype: 'text', members: ['EMEA'], shares: [{ type: 'group', partyName: 'EMEA Analysts' }] });
    const perms = (await call(source, 'GET', '/api/elasticubes/localhost/Retail%20Sales/permissions')).body;
    expect(perms.shares).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'group', permission: 'r' })]));
    const [live] = (await call(source, 'GET', '/api/v2/datamodels/schema?fields=oid,title,type')).body.filter((m: any) => m.type === 'live');
    expect((await call(source, 'GET', `/api/v1/elasticubes/live/${live.oid}/permissions`)).body).toHaveLength(3);
    expect((await call(source, 'GET', '/api/v1/elasticubes/live/Live%20Sales/datasecurity')).body).toHaveLength(2);
  });

  it('serves the data model sub-resources, connections by name and id, the cube listing and the navigation tree', async () => {
    const retail = (await call(source, 'GET', `/api/v2/datamodels/schema?title=${encodeURIComponent(PLANTED.datamodels.retail)}`)).body;
    const datasets = (await call(source, 'GET', `/api/v2/datamodels/${retail.oid}/schema/datasets`)).body as any[];
    expect(datasets.map((d) => d.oid)).toEqual(retail.datasets.map((d: any) => d.oid));
    const tables = (await call(source, 'GET', `/api/v2/datamodels/${retail.oid}/schema/datasets/${datasets[0].oid}/tables`)).body as any[];
    expect(tables.map((t) => t.name)).toContain('Orders');
    const orders = (await call(source, 'GET', `/api/v2/datamodels/${retail.oid}/schema/datasets/${datasets[0].oid}/tables/${tables[0].oid}`)).body;
    expect(orders.columns.length).toBeGreaterThan(0);
    expect((await call(source, 'GET', `/api/v2/datamodels/${retail.oid}/schema/relations`)).body).toEqual(retail.relations);
    expect((await call(source, 'GET', `/api/v2/datamodels/${retail.oid}/schema/datasets/nope/tables`)).status).toBe(404);
    const [warehouse] = (await call(source, 'GET', '/api/v2/connections?name=Warehouse%20(PostgreSQL)')).body;
    expect((await call(source, 'GET', `/api/v2/connections/${warehouse.oid}`)).body.name).toBe('Warehouse (PostgreSQL)');
    const cubes = (await call(source, 'GET', '/api/v1/elasticubes/getElasticubes')).body as any[];
    expect(cubes.find((c) => c.title === PLANTED.datamodels.live).buildDestination).toEqual({ destination: 'live' });
    const nav = (await call(source, 'GET', '/api/v1/navver')).body;
    expect(nav.folders.map((f: any) => f.name)).toEqual(PLANTED.folders.roots);
  });

  it('creates an empty data model (title clash → 400 ElasticubeAlreadyExists) and projects fields in and out', async () => {
    const made = await call(target, 'POST', '/api/v2/datamodels', { body: { title: 'Scratch', server: 'LocalHost', type: 'extract' } });
    expect([made.status, made.body.title, made.body.lastBuildTime]).toEqual([201, 'Scratch', null]);
    expect((await call(target, 'POST', '/api/v2/datamodels', { body: { title: 'Scratch', server: 'LocalHost', type: 'extract' } })).body).toEqual(v2Error(400, 'ElasticubeAlreadyExists'));
    const [lean] = (await call(source, 'GET', '/api/v1/dashboards?fields=-layout,-style&name=Dana%20Notes', { token: source.tokens.designer })).body;
    expect(lean).toHaveProperty('title');
    expect(lean).not.toHaveProperty('layout');
    const [slim] = (await call(source, 'GET', '/api/v1/dashboards?fields=title&name=Dana%20Notes', { token: source.tokens.designer })).body;
    expect(Object.keys(slim).sort()).toEqual(['_id', 'oid', 'title']);
  });

  it('manages folders: create 201, rename and move, delete with everything inside', async () => {
    const parent = await call(target, 'POST', '/api/v1/folders', { body: { name: 'Migrated' } });
    expect(parent.status).toBe(201);
    const child = (await call(target, 'POST', '/api/v1/folders', { body: { name: 'Child', parentId: parent.body.oid } })).body;
    const renamed = await call(target, 'PATCH', `/api/v1/folders/${child.oid}`, { body: { name: 'Renamed' } });
    expect(renamed.body).toMatchObject({ name: 'Renamed', parentId: parent.body.oid });
    const [home] = (await call(target, 'GET', '/api/v1/dashboards?name=Target%20Home')).body;
    await call(target, 'PATCH', `/api/v1/dashboards/${home.oid}`, { body: { parentFolder: child.oid } });
    const tree = (await call(target, 'GET', '/api/v1/folders?structure=tree')).body as any[];
    expect(tree.find((f) => f.name === 'Migrated').folders[0].dashboards).toEqual([{ oid: home.oid, title: 'Target Home' }]);
    expect((await call(target, 'DELETE', `/api/v1/folders/${parent.body.oid}`)).status).toBe(204);
    expect((await call(target, 'GET', `/api/v1/dashboards/${home.oid}`)).status).toBe(404);
  });
});
