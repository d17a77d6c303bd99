import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
import type { SimDashboard } from '../../../../test/sisense-sim/sim.types.js';
import type { DashboardInventory } from './dashboard.checks.js';
import type { Finding } from './wellcheck.types.js';

const target = { environments: { target: 'prod' } };

interface Output {
  findings: Finding[];
  checked: { dashboards: number; datamodels: number };
  dashboards?: DashboardInventory[];
}
const output = (r: ToolResult): Output => {
  if (r.ok && r.mode === 'execute') return r.output as Output;
  throw new Error(`unexpected result: ${JSON.stringify(r).slice(0, 2000)}`);
};
const keys = (o: Output) => o.findings.map((f) => `${f.severity} ${f.check} ${f.asset}`);
const col = (c: { model: string; table: string; column: string }) => `${c.model}/${c.table}.${c.column}`;

describe('sisense.wellcheck (the strict simulator with planted problems)', () => {
  let sim: SisenseSim;
  let host: TestHost;
  let dashboards: Output;
  let models: Output;
  const oid = (title: string) => sim.state.dashboards.find((d) => d.title === title)!.oid;
  beforeAll(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    host = await createTestHost({ environments: { prod: { kind: 'sisense', url: sim.url, token: sim.token, options: { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 } } } });
    const before = sim.snapshot();
    dashboards = output(await host.invoker.invoke('sisense.wellcheck.dashboards', {}, target));
    models = output(await host.invoker.invoke('sisense.wellcheck.datamodels', {}, target));
    expect(sim.snapshot()).toBe(before);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reads every dashboard through the documented export form (one comma-separated dashboardIds, adminAccess)', () => {
    expect(dashboards.checked).toEqual({ dashboards: PLANTED.counts.dashboards, datamodels: 0 });
    expect(dashboards.dashboards).toHaveLength(PLANTED.counts.dashboards);
    expect(keys(dashboards).filter((k) => k.includes('dashboard.unreadable'))).toEqual([]);
    const exports = sim.requests.filter((q) => q.path === '/api/v1/dashboards/export');
    expect(exports.length).toBeGreaterThan(0);
    for (const q of exports) {
      expect(typeof q.query.dashboardIds).toBe('string');
      expect(q.query.adminAccess).toBe('true');
      expect(q.status).toBe(200);
    }
  });

  it('finds the planted dashboard problems; a commented-out jump is not a jump', () => {
    const d = PLANTED.dashboards;
    expect(keys(dashboards)).toEqual(
      expect.arrayContaining([
        `warning dashboard.empty ${oid(d.empty)}`,
        `error dashboard.datasource-missing ${oid(d.brokenDatasource)}`,
        `warning dashboard.scripts ${oid(d.plugins)}`,
        `info dashboard.structure ${oid(d.plugins)}`,
      ]),
    );
    expect(dashboards.dashboards!.find((x) => x.title === d.plugins)).toMatchObject({ tabbers: 1, accordions: 1, jumpToDashboards: 1 });
    expect(dashboards.dashboards!.find((x) => x.title === d.scriptJumps)).toMatchObject({ jumpToDashboards: 1 });
  });

  it('finds the planted data model problems with the documented many-to-many probe', () => {
    const m = PLANTED.datamodels.retail;
    expect(models.checked).toEqual({ dashboards: PLANTED.counts.dashboards, datamodels: 4 });
    expect(keys(models)).toEqual(
      expect.arrayContaining([
        `warning datamodel.island-table ${m}/${PLANTED.islandTable.table}`,
        `error datamodel.many-to-many ${m}/${PLANTED.manyToMany.left[0]}-${PLANTED.manyToMany.right[0]}`,
        `warning datamodel.custom-table-union ${m}/${PLANTED.customUnionTable.table}`,
        `warning datamodel.import-query ${m}/${PLANTED.importQuery.table}`,
        `warning datamodel.rls-datatype ${m}/${PLANTED.rlsTextColumn.table}.${PLANTED.rlsTextColumn.column}`,
        ...PLANTED.unusedColumns.map((c) => `info datamodel.unused-column ${col(c)}`),
        `warning datamodel.never-built ${PLANTED.datamodels.unbuilt}`,
      ]),
    );
    // Every join of the built models was checked: only the planted one is many-to-many, none is "unchecked".
    expect(models.findings.filter((f) => f.check === 'datamodel.many-to-many')).toHaveLength(1);
    expect(models.findings.filter((f) => f.check === 'datamodel.many-to-many-unchecked' && f.asset !== PLANTED.datamodels.unbuilt)).toEqual([]);
    const probes = sim.requests.filter((q) => q.path.endsWith('/sql'));
    expect(probes.length).toBeGreaterThan(0);
    for (const q of probes) {
      expect(q.query.query).toMatch(/^select \[[^\]]+\], count\(\[[^\]]+\]\) as key_count1 from \[[^\]]+\] group by \[[^\]]+\] having count\(\[[^\]]+\]\) > 1$/);
      expect(q.status).toBe(200);
    }
  });

  it('counts columns used only in dashboard filters, cascading levels, formula contexts and widget filter panels; says what it rests on', () => {
    const unused = models.findings.filter((f) => f.check === 'datamodel.unused-column');
    const u = PLANTED.usedOnlyIn;
    for (const c of [u.dashboardFilter, ...u.cascadingLevels, u.formulaContext, u.widgetFilterPanel]) expect(unused.map((f) => f.asset)).not.toContain(col(c));
    const planted = unused.find((f) => f.asset === col(PLANTED.unusedColumns[0]))!;
    expect(planted.detail).toMatchObject({ dashboardsRead: PLANTED.counts.dashboards, dashboardsUnreadable: 0 });
    expect(planted.detail.dashboardsUsingModel).toBeGreaterThan(0);
    expect(planted.message).toContain(`${PLANTED.counts.dashboards} dashboards read`);
    expect(models.findings.filter((f) => f.check === 'datamodel.unused-columns-incomplete')).toEqual([]);
  });

  it('a dashboard that cannot be read is a warning, and the unused-column check says it rests on fewer dashboards', async () => {
    const copy = JSON.parse(JSON.stringify(sim.state.dashboards.find((d) => d.title === PLANTED.dashboards.overview))) as SimDashboard;
    // A malformed id: Sisense answers an export naming it with 400/422 (api.md §1.2, §1.13).
    Object.assign(copy, { _id: 'broken-id', oid: 'broken-dashboard-id', title: 'Broken Import' });
    sim.state.dashboards.push(copy);
    try {
      const d = output(await host.invoker.invoke('sisense.wellcheck.dashboards', {}, target));
      expect(d.checked.dashboards).toBe(PLANTED.counts.dashboards + 1);
      expect(d.findings.filter((f) => f.check === 'dashboard.unreadable')).toEqual([expect.objectContaining({ severity: 'warning', asset: 'broken-dashboard-id', message: expect.stringContaining('"Broken Import" could not be read') })]);
      expect(d.dashboards).toHaveLength(PLANTED.counts.dashboards);
      const m = output(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: [PLANTED.datamodels.retail], checks: ['unused-columns'] }, target));
      expect(m.checked.dashboards).toBe(PLANTED.counts.dashboards);
      expect(m.findings.find((f) => f.check === 'datamodel.unused-columns-incomplete')).toMatchObject({ severity: 'warning', asset: PLANTED.datamodels.retail, detail: { dashboardsRead: PLANTED.counts.dashboards, dashboardsUnreadable: 1 } });
      expect(m.findings.find((f) => f.asset === col(PLANTED.unusedColumns[0]))!.message).toContain('1 could not be read');
    } finally {
      sim.state.dashboards = sim.state.dashboards.filter((x) => x !== copy);
    }
  });

  it('takes explicit assets and thresholds', async () => {
    const some = output(await host.invoker.invoke('sisense.wellcheck.dashboards', { dashboards: ['ECommerce Overview'], maxWidgets: 6, maxPivotFields: 3 }, target));
    expect(some.checked.dashboards).toBe(1);
    expect(keys(some)).toEqual(expect.arrayContaining([`warning dashboard.widget-count ${oid('ECommerce Overview')}`, `info dashboard.structure ${oid('ECommerce Overview')}`]));
    expect(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: ['No Such Model'] }, target)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('says which joins it could not check when the query engine fails (a warning, not silence)', async () => {
    sim.faults.push({ method: 'GET', path: /^\/api\/datasources\//, status: 400, body: { error: { code: 400, message: 'engine unavailable', status: 400, httpMessage: 'Bad Request' } } });
    try {
      const r = output(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: ['Retail Sales'], checks: ['many-to-many'] }, target));
      expect(r.findings).toEqual([expect.objectContaining({ check: 'datamodel.many-to-many-unchecked', severity: 'warning', asset: 'Retail Sales', message: expect.stringContaining('join(s) of "Retail Sales" could not be checked') })]);
    } finally {
      sim.faults.length = 0;
    }
  });

  it('access: inactive owners and recipients, orphaned owners, too many administrators', async () => {
    const ian = sim.state.users.find((u) => u.email === PLANTED.users.inactive)!;
    const r = output(await host.invoker.invoke('sisense.wellcheck.access', { maxAdmins: 2 }, target));
    expect(keys(r)).toEqual(
      expect.arrayContaining([
        `warning access.inactive-owner ${oid(PLANTED.dashboards.inactiveOwner)}`,
        `warning access.inactive-recipient ${oid('Finance KPIs')}/user:${ian.email}`,
        'warning access.admins admins',
      ]),
    );
    expect(r.findings.find((f) => f.check === 'access.admins')!.detail.admins).toEqual(expect.arrayContaining([...PLANTED.users.superUsers]));
    expect(r.checked).toMatchObject({ dashboards: PLANTED.counts.dashboards, users: PLANTED.counts.users });
    expect(keys(output(await host.invoker.invoke('sisense.wellcheck.access', { checks: ['owners'] }, target))).every((k) => k.includes('-owner '))).toBe(true);
  });
});
