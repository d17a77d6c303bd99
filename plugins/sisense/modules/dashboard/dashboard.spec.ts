import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestHost } from '../../../../src/plugins/test-host.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { SimDashboard } from '../../../../test/sisense-sim/sim.types.js';
import { hostOn, outputOf as output, planOf, target } from '../../sisense.test-kit.js';

describe('sisense.dashboard', () => {
  let sim: SisenseSim;
  let host: TestHost;
  const run = (id: string, input: object, h = host) => h.invoker.invoke(`sisense.dashboard.${id}`, input, target);
  const plan = (id: string, input: object) => planOf(host, sim, `sisense.dashboard.${id}`, input);
  const hostWith = (token: string, settings: Record<string, unknown> = {}) =>
    hostOn(sim, { retryBaseMs: 5, retryMaxMs: 10 }, settings, token);
  const dash = (title: string) => sim.state.dashboards.find((d) => d.title === title) as SimDashboard;
  const userId = (email: string) => sim.state.users.find((u) => u.email === email)?._id;
  const groupId = (name: string) => sim.state.groups.find((g) => g.name === name)?._id;
  /** A second dashboard with an existing title: references by title become ambiguous. */
  const twin = (title: string) => {
    const copy = { ...JSON.parse(JSON.stringify(dash(title))), oid: 'aaaaaaaaaaaaaaaaaaaaaaaa', _id: 'bbbbbbbbbbbbbbbbbbbbbbbb' } as SimDashboard;
    delete copy.parentFolder;
    sim.state.dashboards.push(copy);
    sim.state.widgets[copy.oid] = [];
    return copy;
  };
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await hostWith(sim.token);
  });
  afterEach(() => sim.close());

  it('list: every dashboard with owner email, folder path and data source; filters; a viewer falls back to visible', async () => {
    const all = output(await run('list', {}));
    expect(all).toMatchObject({ scope: 'all', count: sim.state.dashboards.length });
    expect(all.dashboards.find((d: { title: string }) => d.title === '_drill Order Detail')).toEqual({
      oid: dash('_drill Order Detail').oid,
      title: '_drill Order Detail',
      ownerId: userId('dana.designer@acme.test'),
      ownerEmail: 'dana.designer@acme.test',
      folderId: dash('_drill Order Detail').parentFolder,
      folderPath: 'Sales/Deep Dives',
      datasource: 'Retail Sales',
      live: false,
      lastUpdated: expect.any(String),
    });
    const titles = async (input: object, h = host) => output(await run('list', input, h)).dashboards.map((d: { title: string }) => d.title);
    const sorted = (xs: string[]) => [...xs].sort((a, b) => a.localeCompare(b));
    const where = (f: (d: (typeof sim.state.dashboards)[number]) => boolean) => sorted(sim.state.dashboards.filter(f).map((d) => d.title));
    const folderIds = new Set(sim.state.folders.map((f) => f.oid));
    expect(sorted(await titles({ datasource: 'sample ecommerce' }))).toEqual(where((d) => (d.datasource as { title?: string } | undefined)?.title === 'Sample ECommerce'));
    expect(sorted(await titles({ folder: '/' }))).toEqual(where((d) => !d.parentFolder || !folderIds.has(d.parentFolder as string)));
    expect(sorted(await titles({ folder: 'Sales/Deep Dives' }))).toEqual(where((d) => d.parentFolder === sim.state.folders.find((f) => f.name === 'Deep Dives')!.oid));
    expect(await titles({ owner: 'FRED.finance@acme.test', search: 'kpi' })).toEqual(['Finance KPIs']);
    const viewer = await hostWith(sim.tokens.viewer);
    const vic = sim.state.users.find((u) => u.email === 'vic.viewer@acme.test')!;
    expect(output(await run('list', {}, viewer))).toMatchObject({ scope: 'visible', count: sim.state.dashboards.filter((d) => sim.visibleTo(vic._id, d.oid)).length });
  });

  it('get / resolve: by oid or title (any case); NOT_FOUND; AMBIGUOUS lists the candidates', async () => {
    const overview = dash('ECommerce Overview');
    expect(output(await run('get', { dashboard: 'ecommerce overview' }))).toMatchObject({ dashboard: { oid: overview.oid, ownerEmail: 'admin@acme.test', filters: 2, shares: 2 }, widgets: expect.arrayContaining([{ oid: expect.any(String), title: 'Brands', type: 'tablewidget' }]) });
    expect(output(await run('resolve', { ref: overview.oid }))).toEqual({ oid: overview.oid, title: 'ECommerce Overview', ownerId: userId('admin@acme.test'), folderId: null, datasource: 'Sample ECommerce', adminAccess: true });
    expect(await run('get', { dashboard: 'No Such Board' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'no dashboard matches "No Such Board"' } });
    expect(await run('get', { dashboard: '0123456789abcdef01234567' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const copy = twin('Sales Deep Dive');
    const error = await run('resolve', { ref: 'Sales Deep Dive' });
    expect(error).toMatchObject({ ok: false, error: { code: 'AMBIGUOUS', detail: { kind: 'dashboard', ref: 'Sales Deep Dive', candidates: [{ id: dash('Sales Deep Dive').oid, folder: expect.any(String) }, { id: copy.oid, folder: null }] } } });
    expect(!error.ok && error.error.message).toMatch(/^2 dashboards match "Sales Deep Dive": [0-9a-f]{24} "Sales Deep Dive", a{24} "Sales Deep Dive"; use an id$/);
    expect(await plan('rename', { dashboard: 'Sales Deep Dive', title: 'X' })).toMatchObject({ wouldFail: true, changes: [{ action: 'fail', detail: expect.stringMatching(/^AMBIGUOUS: /) }] });
    expect(output(await run('resolve', { ref: copy.oid }))).toMatchObject({ oid: copy.oid });
  });

  it('get / widgets of another user\'s dashboard: an admin reads it over documented routes only (admin listing ?id=, export), never GET /api/v1/dashboards/{oid}?adminAccess=true', async () => {
    const budget = dash('Fred Budget');
    sim.requests.length = 0;
    expect(output(await run('get', { dashboard: budget.oid }))).toMatchObject({ dashboard: { oid: budget.oid, ownerEmail: 'fred.finance@acme.test' }, widgets: sim.state.widgets[budget.oid].map((w) => ({ oid: w.oid, title: w.title, type: w.type })) });
    expect(output(await run('widgets', { dashboard: budget.oid })).count).toBe(sim.state.widgets[budget.oid].length);
    const byOid = sim.requests.filter((q) => q.path.startsWith(`/api/v1/dashboards/${budget.oid}`));
    expect(byOid).toEqual([]);
    expect(sim.requests.filter((q) => q.path === '/api/v1/dashboards/admin' && q.query.id === budget.oid)).not.toHaveLength(0);
    expect(sim.requests.filter((q) => q.path === '/api/v1/dashboards/export').map((q) => [q.query.dashboardIds, q.query.adminAccess])).toEqual([[budget.oid, 'true'], [budget.oid, 'true']]);
  });

  it('widgets and columns: what each panel shows, and the model columns used with where', async () => {
    const w = output(await run('widgets', { dashboard: 'ECommerce Overview' }));
    expect(w.count).toBe(8);
    expect(w.widgets.find((x: { title: string }) => x.title === 'Avg Order Value')).toMatchObject({ type: 'indicator', datasource: 'Sample ECommerce', panels: [{ name: 'value', items: ['Avg Order Value = SUM([r])/COUNT([v])'] }, { name: 'min', items: [] }, { name: 'max', items: [] }] });
    expect(w.raw).toBeUndefined();
    expect(output(await run('widgets', { dashboard: 'ECommerce Overview', raw: true })).raw).toHaveLength(8);
    const c = output(await run('columns', { dashboard: 'ECommerce Overview' }));
    expect(c.datasource).toBe('Sample ECommerce');
    expect(c.columns.map((x: { table: string; column: string }) => `${x.table}.${x.column}`)).toEqual(['Brand.Brand', 'Category.Category', 'Commerce.Date', 'Commerce.Gender', 'Commerce.Quantity', 'Commerce.Revenue', 'Commerce.Visit ID', 'Country.Country']);
    expect(c.columns.find((x: { column: string }) => x.column === 'Gender').usedBy).toEqual(['dashboard filter', 'widget "Pivot: Category x Gender"']);
  });

  it('export: the export format; EXPORT_TOO_LARGE past maxExportBytes', async () => {
    const e = output(await run('export', { dashboards: ['ECommerce Overview', dash('Finance KPIs').oid] }));
    expect(e).toMatchObject({ count: 2, dashboards: [{ title: 'ECommerce Overview', widgets: expect.any(Array) }, { title: 'Finance KPIs' }] });
    expect(e.dashboards[0].shares).toBeUndefined();
    const small = await hostWith(sim.token, { maxExportBytes: 1024 });
    expect(await run('export', { dashboards: ['ECommerce Overview'] }, small)).toMatchObject({ ok: false, error: { code: 'EXPORT_TOO_LARGE', detail: { limit: 1024 } } });
  });

  it('shares and share-add: merges into the whole list (create, rule update, skip), never dropping an existing share', async () => {
    const d = dash('Sales Deep Dive');
    expect(output(await run('shares', { dashboard: 'Sales Deep Dive' })).shares).toEqual([
      { type: 'user', id: userId('dana.designer@acme.test'), name: 'dana.designer@acme.test', rule: 'owner', subscribe: false },
      { type: 'group', id: groupId('Sales'), name: 'Sales', rule: 'view', subscribe: false },
      { type: 'group', id: groupId('EMEA Analysts'), name: 'EMEA Analysts', rule: 'edit', subscribe: false },
      { type: 'user', id: userId('vic.viewer@acme.test'), name: 'vic.viewer@acme.test', rule: 'view', subscribe: false },
    ]);
    const input = { dashboard: 'Sales Deep Dive', shares: [{ group: 'Finance' }, { user: 'vic.viewer@acme.test', rule: 'edit' }, { group: 'sales' }, { user: 'dana.designer@acme.test' }] };
    const p = await plan('share-add', input);
    expect(p.changes.map((c) => [c.action, c.target.replace(`dashboard ${d.oid} "Sales Deep Dive" share with `, ''), c.detail])).toEqual([
      ['create', 'group "Finance"', 'view'],
      ['update', 'user vic.viewer@acme.test', 'view → edit'],
      ['skip', 'group "Sales"', 'already view'],
      ['skip', 'user dana.designer@acme.test', 'is the owner'],
    ]);
    expect(p.changes.map((c) => c.kind)).toEqual(['share', 'share', 'share', 'share']);
    expect(p.changes[1].fields).toEqual([{ field: 'rule', before: 'view', after: 'edit' }]);
    expect(p.changes[3].reason).toBe('is the owner');
    expect(output(await run('share-add', input))).toMatchObject({ created: 1, updated: 1, unchanged: 2, total: 4 });
    const after = (d.shares as unknown as Array<{ shareId: string; rule?: string }>).map((s) => [s.shareId, s.rule ?? 'owner']);
    expect(after).toEqual([
      [userId('dana.designer@acme.test'), 'owner'],
      [groupId('Sales'), 'view'],
      [groupId('EMEA Analysts'), 'edit'],
      [userId('vic.viewer@acme.test'), 'edit'],
      [groupId('Finance'), 'view'],
    ]);
    const posts = sim.requests.filter((r) => r.method === 'POST').length;
    expect(output(await run('share-add', input))).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
  });

  it('share-add: an unknown party fails the plan entry and the whole call, writing nothing; both user and group in one entry is invalid', async () => {
    const input = { dashboard: 'Sales Deep Dive', shares: [{ group: 'Finance' }, { group: 'Nobody Group' }] };
    expect(await plan('share-add', input)).toMatchObject({ wouldFail: true, changes: [{ action: 'create' }, { action: 'fail', detail: 'no group matches "Nobody Group"' }] });
    const before = sim.snapshot();
    expect(await run('share-add', input)).toMatchObject({ ok: false, error: { code: 'SHARE_FAILED' } });
    expect(sim.snapshot()).toBe(before);
    expect(await run('share-add', { dashboard: 'x', shares: [{ user: 'a@b.c', group: 'Sales' }] })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID' } });
  });

  it('publish, rename, move, change-owner: plan, apply, then skip', async () => {
    const d = dash('Finance KPIs');
    const published = sim.state.published[d.oid];
    const recipients = (d.shares as Array<{ rule?: string }>).filter((x) => x.rule).length;
    expect(await plan('publish', { dashboard: 'Finance KPIs' })).toMatchObject({ changes: [{ action: 'update', detail: `publish to ${recipients} share recipient(s)` }] });
    expect(output(await run('publish', { dashboard: 'Finance KPIs' }))).toEqual({ dashboard: { oid: d.oid, title: 'Finance KPIs' }, recipients });
    expect(sim.state.published[d.oid]).not.toBe(published);

    twin('Empty Dashboard');
    expect(await plan('rename', { dashboard: d.oid, title: 'Empty Dashboard' })).toMatchObject({ changes: [{ action: 'update', detail: expect.stringContaining('2 other dashboard(s) already have this title') }] });
    expect(output(await run('rename', { dashboard: 'Finance KPIs', title: 'Finance KPIs 2026' }))).toEqual({ dashboard: { oid: d.oid, title: 'Finance KPIs 2026' }, previousTitle: 'Finance KPIs', changed: true });
    expect(d.title).toBe('Finance KPIs 2026');
    expect(await plan('rename', { dashboard: d.oid, title: 'Finance KPIs 2026' })).toMatchObject({ wouldChange: false });

    expect(await plan('move', { dashboard: d.oid, folder: 'Sales/Deep Dives' })).toMatchObject({ changes: [{ action: 'update', kind: 'dashboard', detail: 'Finance → Sales/Deep Dives', fields: [{ field: 'folder', before: 'Finance', after: 'Sales/Deep Dives' }] }] });
    expect(output(await run('move', { dashboard: d.oid, folder: 'Deep Dives' }))).toMatchObject({ folderPath: 'Sales/Deep Dives', changed: true });
    expect(await run('move', { dashboard: d.oid, folder: null })).toMatchObject({ ok: false, error: { code: 'TOOL_INPUT_INVALID', message: expect.stringContaining('folder: must be a string') } });
    expect(output(await run('move', { dashboard: d.oid, folder: '/' }))).toMatchObject({ folderId: null, changed: true });
    expect(d.parentFolder).toBeUndefined();
    expect(await plan('move', { dashboard: d.oid, folder: '/' })).toMatchObject({ wouldChange: false, changes: [{ action: 'skip', detail: 'already in (no folder)', reason: 'already in (no folder)' }] });
    expect(await plan('move', { dashboard: d.oid, folder: 'Nowhere' })).toMatchObject({ wouldFail: true, changes: [{ action: 'fail', detail: 'NOT_FOUND: no folder matches "Nowhere"', reason: 'NOT_FOUND: no folder matches "Nowhere"' }] });

    const orphan = dash('Orphaned Report');
    expect(await plan('change-owner', { dashboard: 'Orphaned Report', owner: 'dana.designer@acme.test', previousOwnerRule: 'view' })).toMatchObject({
      changes: [{ action: 'update', detail: 'owner olga.orphan@acme.test → dana.designer@acme.test; olga.orphan@acme.test keeps view access', fields: [{ field: 'owner', before: 'olga.orphan@acme.test', after: 'dana.designer@acme.test' }, { field: 'share with olga.orphan@acme.test', after: 'view' }] }],
    });
    expect(output(await run('change-owner', { dashboard: 'Orphaned Report', owner: 'dana.designer@acme.test', previousOwnerRule: 'view' }))).toMatchObject({ previousOwner: 'olga.orphan@acme.test', owner: 'dana.designer@acme.test', changed: true });
    expect(orphan.owner).toBe(userId('dana.designer@acme.test'));
    expect(output(await run('change-owner', { dashboard: 'Orphaned Report', owner: 'dana.designer@acme.test' }))).toMatchObject({ changed: false });
  });

  it('a viewer editing a dashboard shared to them for viewing gets SISENSE_FORBIDDEN', async () => {
    const viewer = await hostWith(sim.tokens.viewer);
    expect(await run('rename', { dashboard: 'ECommerce Overview', title: 'Mine now' }, viewer)).toMatchObject({ ok: false, error: { code: 'SISENSE_FORBIDDEN', detail: { status: 403, method: 'PATCH' } } });
    expect(dash('ECommerce Overview')).toBeDefined();
  });
});

