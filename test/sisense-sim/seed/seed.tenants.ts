import type { IdSource } from '../ids.js';
import type { SimState } from '../sim.types.js';
import { SeedBuilder } from './seed.builder.js';
import { addDashboard, drillToDashboardConfig, jaql, jaqlFormula, memberFilter } from './seed.dashboards.js';
import { MODELS, draftModel, ecommerceModel, liveModel, retailModel, snowflakeConnection, warehouseConnection } from './seed.models.js';

export type SeedName = 'source' | 'target' | 'empty';
/** A custom seed: gets a builder that already has the roles and system groups; returns the tokens by label. */
export type SeedFn = (b: SeedBuilder) => Record<string, string>;

export interface Seeded {
  state: SimState;
  tokens: Record<string, string>;
}

export function seedTenant(ids: IdSource, tenant: string, seed: SeedName | SeedFn): Seeded {
  const b = new SeedBuilder(ids, tenant);
  const fn: SeedFn = typeof seed === 'function' ? seed : { source: seedSource, target: seedTarget, empty: seedEmpty }[seed];
  const tokens = fn(b);
  return { state: b.state, tokens };
}

/** Only the roles, the system groups and one administrator. */
export function seedEmpty(b: SeedBuilder): Record<string, string> {
  const admin = b.user({ email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'super', groups: ['Admins'] });
  return { admin: b.token('admin', admin) };
}

/**
 * The migration source: users, groups, folders, four data models and six dashboards with the planted problems
 * listed in the simulator's README.
 */
export function seedSource(b: SeedBuilder): Record<string, string> {
  const [sales, finance, emea] = ['Sales', 'Finance', 'EMEA Analysts', 'Data Team'].map((n) => b.group(n));
  const admin = b.user({ email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'super', groups: ['Admins'] });
  const dana = b.user({ email: 'dana.designer@acme.test', firstName: 'Dana', lastName: 'Designer', role: 'contributor', groups: ['Sales', 'EMEA Analysts'] });
  const vic = b.user({ email: 'vic.viewer@acme.test', firstName: 'Vic', lastName: 'Viewer', role: 'consumer', groups: ['Sales'] });
  const fred = b.user({ email: 'fred.finance@acme.test', firstName: 'Fred', lastName: 'Finance', role: 'contributor', groups: ['Finance'] });
  const dora = b.user({ email: 'dora.data@acme.test', firstName: 'Dora', lastName: 'Data', role: 'dataDesigner', groups: ['Data Team'] });
  const olga = b.user({ email: 'olga.orphan@acme.test', firstName: 'Olga', lastName: 'Orphan', role: 'contributor' });
  b.user({ email: 'ian.inactive@acme.test', firstName: 'Ian', lastName: 'Inactive', role: 'consumer', groups: ['Finance'], active: false });

  const salesFolder = b.folder('Sales', dana);
  const deepDives = b.folder('Deep Dives', dana, salesFolder);
  const financeFolder = b.folder('Finance', fred);
  b.folder('Archive', admin);

  ecommerceModel(b, admin, [
    { party: admin, permission: 'w' },
    { party: dora, permission: 'w' },
    { party: sales, permission: 'r' },
  ]);
  retailModel(b, dora, emea, sales);
  liveModel(b, dora, finance);
  draftModel(b, dora);

  const ecommerce = { title: MODELS.ecommerce, live: false };
  const retail = { title: MODELS.retail, live: false };
  addDashboard(b, {
    title: 'ECommerce Overview',
    owner: admin,
    datasource: ecommerce,
    filters: [memberFilter('Commerce', 'Gender', 'text', ['Male', 'Female']), memberFilter('Country', 'Country', 'text', ['United States', 'Canada'])],
    widgets: [
      { title: 'Total Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Commerce.Revenue', 'Total Revenue', { agg: 'sum' })]]] },
      { title: 'Avg Order Value', type: 'indicator', subtype: 'indicator/gauge', options: null, panels: [['value', [jaqlFormula('SUM([r])/COUNT([v])', { r: 'Commerce.Revenue', v: 'Commerce.Visit ID' }, 'Avg Order Value')]], ['min', []], ['max', []]] },
      { title: 'Revenue by Category', type: 'chart/column', subtype: 'column/classic', panels: [['categories', [jaql('Category.Category', 'Category', { sort: 'desc' })]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
      {
        title: 'Revenue by Country (Top 10)', type: 'chart/bar', subtype: 'bar/classic',
        panels: [['categories', [jaql('Country.Country', 'Country', { filter: { top: { count: 10, by: { dim: '[Commerce.Revenue]', agg: 'sum' } } } })]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]], ['break by', []]],
      },
      { title: 'Revenue Trend (Monthly)', type: 'chart/line', subtype: 'line/classic', panels: [['x-axis', [jaql('Commerce.Date', 'Months', { level: 'months' })]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
      { title: 'Quantity by Category', type: 'chart/pie', subtype: 'pie/classic', panels: [['categories', [jaql('Category.Category', 'Category')]], ['values', [jaql('Commerce.Quantity', 'Quantity', { agg: 'sum' })]]] },
      { title: 'Pivot: Category x Gender', type: 'pivot2', subtype: '', panels: [['rows', [jaql('Category.Category', 'Category')]], ['columns', [jaql('Commerce.Gender', 'Gender')]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' }), jaql('Commerce.Quantity', 'Quantity', { agg: 'sum' })]]] },
      { title: 'Brands', type: 'tablewidget', subtype: '', options: null, panels: [['columns', [jaql('Brand.Brand', 'Brand'), jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]]] },
    ],
    shares: [
      { to: sales, rule: 'view' },
      { to: dana, rule: 'edit' },
    ],
  });
  const drill = addDashboard(b, {
    title: '_drill Order Detail',
    owner: dana,
    datasource: retail,
    folder: deepDives,
    widgets: [{ title: 'Orders', type: 'tablewidget', subtype: '', panels: [['columns', [jaql('Orders.OrderId', 'Order'), jaql('Customers.Customer', 'Customer'), jaql('Orders.Amount', 'Amount', { agg: 'sum' })]]] }],
    shares: [{ to: sales, rule: 'view' }],
  });
  addDashboard(b, {
    title: 'Sales Deep Dive',
    owner: dana,
    datasource: retail,
    folder: salesFolder,
    script: "dashboard.on('initialized', function (d) { d.title = d.title.trim(); });",
    widgets: [
      { title: 'Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Orders.Amount', 'Revenue', { agg: 'sum' })]]] },
      {
        title: 'Revenue by Region', type: 'chart/column', subtype: 'column/classic',
        panels: [['categories', [jaql('Customers.Region', 'Region')]], ['values', [jaql('Orders.Amount', 'Revenue', { agg: 'sum' })]], ['break by', []]],
        extra: () => ({ drillToDashboardConfig: drillToDashboardConfig(drill, 'Order detail'), script: "widget.on('processresult', function (w, args) { args.result.series.forEach(function (s) { s.name = s.name.toUpperCase(); }); });" }),
      },
      { title: 'Revenue by Product', type: 'chart/bar', subtype: 'bar/classic', panels: [['categories', [jaql('Products.Product', 'Product')]], ['values', [jaql('Orders.Amount', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
      {
        title: 'Tabs', type: 'WidgetsTabber', subtype: 'WidgetsTabber', options: null, panels: [],
        style: (o) => ({ activeTab: '0', showTitle: false, tabs: [
          { title: 'By region', displayWidgetIds: [o['Revenue by Region']], hideWidgetIds: [o['Revenue by Product']] },
          { title: 'By product', displayWidgetIds: [o['Revenue by Product']], hideWidgetIds: [o['Revenue by Region']] },
        ] }),
      },
      {
        title: 'Promotions by Region', type: 'pivot2', subtype: '',
        panels: [['rows', [jaql('Promotions.Region', 'Region'), jaql('Promotions.Promo Code', 'Promo')]], ['columns', []], ['values', [jaql('Promotions.Discount', 'Discount', { agg: 'avg' })]]],
        extra: (o) => ({ accordionConfig: { enabled: true, expanded: false, targetWidgetIds: [o.Revenue] } }),
      },
    ],
    shares: [
      { to: sales, rule: 'view' },
      { to: emea, rule: 'edit' },
      { to: vic, rule: 'view' },
    ],
  });
  addDashboard(b, {
    title: 'Finance KPIs',
    owner: fred,
    datasource: { title: MODELS.live, live: true },
    folder: financeFolder,
    widgets: [
      { title: 'Sales Amount', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('SALES.AMOUNT', 'Amount', { agg: 'sum' })]]] },
      { title: 'Amount by Month', type: 'chart/line', subtype: 'line/classic', panels: [['x-axis', [jaql('SALES.ORDER_DATE', 'Months', { level: 'months' })]], ['values', [jaql('SALES.AMOUNT', 'Amount', { agg: 'sum' })]], ['break by', [jaql('REGIONS.MANAGER', 'Manager')]]] },
    ],
    shares: [{ to: finance, rule: 'view' }],
  });
  addDashboard(b, {
    title: 'Orphaned Report',
    owner: olga,
    datasource: { title: 'Legacy Cube', live: false },
    widgets: [{ title: 'Legacy Total', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Facts.Total', 'Total', { agg: 'sum' })]]] }],
  });
  addDashboard(b, { title: 'Empty Dashboard', owner: admin, datasource: ecommerce, widgets: [] });

  return { admin: b.token('admin', admin), designer: b.token('designer', dana), viewer: b.token('viewer', vic) };
}

/**
 * The migration target: the same role names, the system groups, "Sales" (a different id), two users matching the
 * source by email, a "Sample ECommerce" model (a title clash for imports), the same connection names, a folder and
 * one dashboard of its own.
 */
export function seedTarget(b: SeedBuilder): Record<string, string> {
  const sales = b.group('Sales');
  const admin = b.user({ email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'super', groups: ['Admins'] });
  const dana = b.user({ email: 'dana.designer@acme.test', firstName: 'Dana', lastName: 'Designer', role: 'contributor', groups: ['Sales'] });
  b.folder('Sales', admin);
  ecommerceModel(b, admin, [
    { party: admin, permission: 'w' },
    { party: sales, permission: 'r' },
  ]);
  warehouseConnection(b, admin);
  snowflakeConnection(b, admin);
  addDashboard(b, {
    title: 'Target Home',
    owner: admin,
    datasource: { title: MODELS.ecommerce, live: false },
    widgets: [{ title: 'Total Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Commerce.Revenue', 'Total Revenue', { agg: 'sum' })]]] }],
    shares: [{ to: sales, rule: 'view' }],
  });
  return { admin: b.token('admin', admin), designer: b.token('designer', dana) };
}
