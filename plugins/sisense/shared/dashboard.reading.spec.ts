import { describe, expect, it } from '@jest/globals';
import { columnUsage, readDashboard, scriptTargets, stripComments } from './dashboard.reading.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccccccccccc';
const D = 'dddddddddddddddddddddddd';
const SELF = 'eeeeeeeeeeeeeeeeeeeeeeee';

describe('dashboard reading', () => {
  it('script jump targets: live calls count, commented-out ones do not, a "//" inside a string is not a comment', () => {
    const script = [
      `var url = "https://example.com/x"; prism.jumpToDashboard(widget, { dashboardId: "${A}" });`,
      `// prism.jumpToDashboard(widget, { dashboardId: "${B}" });`,
      `/* prism.jumpToDashboard(widget, {`,
      `   dashboardIds: [{ id: "${C}" }] }); */`,
      `prism.jumpToDashboard(widget, { targetDashboards: ["${D}"] });`,
    ].join('\n');
    expect(scriptTargets(script).sort()).toEqual([A, D]);
    expect(stripComments('a = "x // y"; // gone')).toBe('a = "x // y"; ');
  });

  it('reads widgets, panels, formula contexts, filters with cascading levels, jumps and columns per model', () => {
    const r = readDashboard({
      oid: SELF,
      title: 'T',
      datasource: { title: 'Sales', fullname: 'LocalHost/Sales' },
      script: `prism.jumpToDashboard(null, { dashboardId: "${SELF}" });`,
      filters: [
        { jaql: { dim: '[Orders.Order Date (Calendar)]', datasource: { title: 'Sales' } } },
        { levels: [{ dim: '[Stores.City]' }, { dim: '[Stores.Store]' }] },
        { jaql: { dim: '[Region.Name]', datasource: { title: 'Geo', live: true } } },
      ],
      widgets: [
        {
          oid: 'w1',
          title: 'KPI',
          type: 'indicator',
          metadata: {
            panels: [
              { name: 'value', items: [{ jaql: { formula: 'SUM([a])/COUNT([b])', context: { '[a]': { dim: '[Orders.Amount]' }, '[b]': { dim: '[Customers.Id]' } } } }] },
              { name: 'filters', items: [{ jaql: { dim: '[Products.Category]', filter: { members: ['x'] } } }] },
            ],
          },
          drillToDashboardConfig: { dashboardIds: [{ id: A }] },
        },
        { oid: 'w2', title: 'Pivot', type: 'pivot2', datasource: { title: 'Other' }, metadata: { panels: [{ name: 'rows', items: [{ jaql: { table: 'T', column: 'C' } }] }] }, options: { drillTarget: { oid: B } } },
      ],
    });
    expect(r.datasources.map((d) => d.title)).toEqual(['Geo', 'Other', 'Sales']);
    expect(r.filters).toEqual([
      { dim: '[Orders.Order Date (Calendar)]', levels: [], datasource: 'Sales', disabled: false },
      { dim: '[Stores.City]', levels: ['[Stores.City]', '[Stores.Store]'], datasource: 'Sales', disabled: false },
      { dim: '[Region.Name]', levels: [], datasource: 'Geo', disabled: false },
    ]);
    expect(r.widgets[0]).toMatchObject({ fields: 2, formulaDims: ['[Customers.Id]', '[Orders.Amount]'], jumpTargets: [A], pivot: false });
    expect(r.widgets[1]).toMatchObject({ pivot: true, datasource: 'Other', jumpTargets: [B] });
    expect(r.jumpTargets).toEqual([A, B]);
    const used = columnUsage([r]);
    expect([...used.get('Sales')!].map((k) => k.replace('\u0000', '.')).sort()).toEqual(['Customers.Id', 'Orders.Amount', 'Orders.Order Date', 'Products.Category', 'Stores.City', 'Stores.Store']);
    expect([...used.get('Geo')!]).toEqual(['Region\u0000Name']);
    expect([...used.get('Other')!]).toEqual(['T\u0000C']);
  });
});
