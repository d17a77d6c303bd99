import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ToolResult } from '../../../../src/plugins/tool.result.js';
import { createTestHost, type TestHost } from '../../../../src/plugins/test-host.js';
import { PLANTED } from '../../../../test/sisense-sim/seed/planted.js';
import { startSisenseSim, type SisenseSim } from '../../../../test/sisense-sim/sisense-sim.js';
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

describe('sisense.wellcheck (a simulated deployment with planted problems)', () => {
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

  it('checks every dashboard when none is named and finds the planted dashboard problems', () => {
    const d = PLANTED.dashboards;
    expect(dashboards.checked).toEqual({ dashboards: 6, datamodels: 0 });
    expect(keys(dashboards)).toEqual(
      expect.arrayContaining([
        `warning dashboard.empty ${oid(d.empty)}`,
        `error dashboard.datasource-missing ${oid(d.brokenDatasource)}`,
        `warning dashboard.scripts ${oid(d.plugins)}`,
        `info dashboard.structure ${oid(d.plugins)}`,
        `info dashboard.structure ${oid(d.overview)}`,
      ]),
    );
    expect(dashboards.findings.find((f) => f.check === 'dashboard.datasource-missing')).toMatchObject({ message: 'dashboard "Orphaned Report" uses "Legacy Cube", which the deployment does not have', detail: { datamodels: ['Legacy Cube'] } });
    expect(dashboards.dashboards!.find((x) => x.title === d.plugins)).toEqual({ oid: oid(d.plugins), title: d.plugins, widgets: 5, pivots: 1, tabbers: 1, accordions: 1, jumpToDashboards: 1, scripts: 2 });
    expect(dashboards.findings.map((f) => f.severity)).toEqual([...dashboards.findings.map((f) => f.severity)].sort((a, b) => ['critical', 'error', 'warning', 'info'].indexOf(a) - ['critical', 'error', 'warning', 'info'].indexOf(b)));
  });

  it('checks every data model when none is named and finds the planted model problems', () => {
    const m = PLANTED.datamodels.retail;
    expect(models.checked).toEqual({ dashboards: 6, datamodels: 4 });
    expect(keys(models)).toEqual(
      expect.arrayContaining([
        `warning datamodel.island-table ${m}/${PLANTED.islandTable.table}`,
        `error datamodel.many-to-many ${m}/${PLANTED.manyToMany.left[0]}-${PLANTED.manyToMany.right[0]}`,
        `warning datamodel.custom-table-union ${m}/${PLANTED.customUnionTable.table}`,
        `warning datamodel.import-query ${m}/${PLANTED.importQuery.table}`,
        `warning datamodel.rls-datatype ${m}/${PLANTED.rlsTextColumn.table}.${PLANTED.rlsTextColumn.column}`,
        ...PLANTED.unusedColumns.map((c) => `info datamodel.unused-column ${c.model}/${c.table}.${c.column}`),
        `warning datamodel.never-built ${PLANTED.datamodels.unbuilt}`,
      ]),
    );
    // Only the planted join is many-to-many; every join was checked.
    expect(models.findings.filter((f) => f.check.startsWith('datamodel.many-to-many'))).toHaveLength(1);
    // Join keys, secured columns and used columns are not "unused".
    const unused = models.findings.filter((f) => f.check === 'datamodel.unused-column').map((f) => f.asset);
    for (const used of ['Retail Sales/Orders.Promo Code', 'Retail Sales/Customers.Region', 'Retail Sales/Orders.Amount', 'Sample ECommerce/Commerce.Date', 'Live Sales/SALES.ORDER_ID']) expect(unused).not.toContain(used);
    expect(models.findings.find((f) => f.check === 'datamodel.many-to-many')).toMatchObject({ detail: { left: { table: 'Orders', columns: ['Promo Code'] }, right: { table: 'Promotions', columns: ['Promo Code'] } } });
  });

  it('takes explicit assets and thresholds', async () => {
    const some = output(await host.invoker.invoke('sisense.wellcheck.dashboards', { dashboards: ['ECommerce Overview'], maxWidgets: 6, maxPivotFields: 3 }, target));
    expect(some.checked.dashboards).toBe(1);
    expect(keys(some)).toEqual([`warning dashboard.pivot-fields ${oid('ECommerce Overview')}/${sim.state.widgets[oid('ECommerce Overview')].find((w) => w.type === 'pivot2')!.oid}`, `warning dashboard.widget-count ${oid('ECommerce Overview')}`, `info dashboard.structure ${oid('ECommerce Overview')}`]);
    const one = output(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: ['Live Sales'], checks: ['many-to-many', 'rls-datatypes'] }, target));
    expect(one).toMatchObject({ findings: [], checked: { dashboards: 0, datamodels: 1 } });
    expect(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: ['No Such Model'] }, target)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('says what it could not check when the query engine fails', async () => {
    sim.faults.push({ method: 'GET', path: /^\/api\/datasources\//, status: 400, body: { error: { code: 400, message: 'engine unavailable', status: 400, httpMessage: 'Bad Request' } } });
    try {
      const r = output(await host.invoker.invoke('sisense.wellcheck.datamodels', { datamodels: ['Retail Sales'], checks: ['many-to-many'] }, target));
      expect(r.findings).toEqual([expect.objectContaining({ check: 'datamodel.many-to-many-unchecked', severity: 'info', asset: 'Retail Sales', message: expect.stringContaining('4 join(s) of "Retail Sales" could not be checked') })]);
    } finally {
      sim.faults.length = 0;
    }
  });
});
