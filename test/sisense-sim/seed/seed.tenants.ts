import type { IdSource } from '../ids.js';
import type { SimState } from '../sim.types.js';
import { SeedBuilder } from './seed.builder.js';
import { addDashboard, cascadingFilter, dateFilter, drillToDashboardConfig, jaql, jaqlFormula, memberFilter, type WidgetSpec } from './seed.dashboards.js';
import { addSecurityRule } from './seed.datamodels.js';
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

/** Widgets on Sample ECommerce used by the generated dashboards (columns the overview already uses). */
function simpleWidgets(n: number): WidgetSpec[] {
  const all: WidgetSpec[] = [
    { title: 'Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]]] },
    { title: 'Revenue by Category', type: 'chart/column', subtype: 'column/classic', panels: [['categories', [jaql('Category.Category', 'Category')]], ['values', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
    { title: 'Quantity by Brand', type: 'chart/bar', subtype: 'bar/classic', panels: [['categories', [jaql('Brand.Brand', 'Brand')]], ['values', [jaql('Commerce.Quantity', 'Quantity', { agg: 'sum' })]], ['break by', []]] },
  ];
  return all.slice(0, n);
}

/** Widgets whose Jump-to-Dashboard points at a dashboard that does not exist (PLANTED.dashboards.missingJumpTarget). */
function missingJump(b: SeedBuilder): WidgetSpec[] {
  const gone = b.ids.hex24();
  const [first, second] = simpleWidgets(2);
  return [{ ...first, extra: () => ({ drillToDashboardConfig: { drilledDashboardPrefix: '_drill', dashboardIds: [{ id: gone, caption: 'Deleted detail' }] } }) }, second];
}

/**
 * The migration source (see PLANTED in planted.ts for every planted thing by name): 14 users (two super users, three
 * inactive, one without a first name, one of another tenant), groups (one of another tenant), root and nested
 * folders, four data models with shares and data security, and 30 dashboards (20 shared with someone besides the owner).
 */
export function seedSource(b: SeedBuilder): Record<string, string> {
  const emeaTenant = b.tenant('emea');
  const [sales, finance, emea, dataTeam, marketing] = ['Sales', 'Finance', 'EMEA Analysts', 'Data Team', 'Marketing'].map((n) => b.group(n));
  b.group('EMEA Partners', false, emeaTenant);
  const admin = b.user({ email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'super', groups: ['Admins'] });
  const root = b.user({ email: 'sam.super@acme.test', firstName: 'Sam', lastName: 'Super', role: 'super', groups: ['Admins'] });
  b.user({ email: 'alex.admin@acme.test', firstName: 'Alex', lastName: 'Admin', role: 'admin', groups: ['Admins'] });
  const dana = b.user({ email: 'dana.designer@acme.test', firstName: 'Dana', lastName: 'Designer', role: 'contributor', groups: ['Sales', 'EMEA Analysts'] });
  const vic = b.user({ email: 'vic.viewer@acme.test', firstName: 'Vic', lastName: 'Viewer', role: 'consumer', groups: ['Sales'] });
  const fred = b.user({ email: 'fred.finance@acme.test', firstName: 'Fred', lastName: 'Finance', role: 'contributor', groups: ['Finance'] });
  const dora = b.user({ email: 'dora.data@acme.test', firstName: 'Dora', lastName: 'Data', role: 'dataDesigner', groups: ['Data Team'] });
  const olga = b.user({ email: 'olga.orphan@acme.test', firstName: 'Olga', lastName: 'Orphan', role: 'contributor' });
  const mia = b.user({ email: 'mia.marketing@acme.test', firstName: 'Mia', lastName: 'Marketing', role: 'contributor', groups: ['Marketing'] });
  const ian = b.user({ email: 'ian.inactive@acme.test', firstName: 'Ian', lastName: 'Inactive', role: 'consumer', groups: ['Finance'], active: false });
  const irene = b.user({ email: 'irene.inactive@acme.test', firstName: 'Irene', lastName: 'Inactive', role: 'contributor', groups: ['Sales'], active: false });
  const ivan = b.user({ email: 'ivan.inactive@acme.test', firstName: 'Ivan', lastName: 'Inactive', role: 'consumer', groups: ['Marketing'], active: false });
  const nofirst = b.user({ email: 'no.first.name@acme.test', lastName: 'Nameless', role: 'consumer', groups: ['Marketing'] });
  b.user({ email: 'tina.tenant@emea.acme.test', firstName: 'Tina', lastName: 'Tenant', role: 'contributor', tenant: emeaTenant });

  const salesFolder = b.folder('Sales', dana);
  const deepDives = b.folder('Deep Dives', dana, salesFolder);
  const regional = b.folder('Regional', dana, deepDives);
  const financeFolder = b.folder('Finance', fred);
  const quarterly = b.folder('Quarterly', fred, financeFolder);
  const marketingFolder = b.folder('Marketing', mia);
  const campaigns = b.folder('Campaigns', mia, marketingFolder);
  const archive = b.folder('Archive', admin);

  ecommerceModel(b, admin, [
    { party: admin, permission: 'w' },
    { party: dora, permission: 'w' },
    { party: sales, permission: 'r' },
    { party: marketing, permission: 'a' },
  ]);
  addSecurityRule(b, { model: MODELS.ecommerce, table: 'Country', column: 'Country', datatype: 'text', members: ['Canada'], parties: [dana, marketing] });
  retailModel(b, dora, emea, sales);
  liveModel(b, dora, finance, fred);
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
  const customerDrill = addDashboard(b, {
    title: '_drill Customer Detail',
    owner: dana,
    datasource: retail,
    folder: deepDives,
    widgets: [{ title: 'Customers', type: 'tablewidget', subtype: '', panels: [['columns', [jaql('Customers.Customer', 'Customer'), jaql('Orders.Amount', 'Amount', { agg: 'sum' })]]] }],
    shares: [{ to: emea, rule: 'view' }],
  });
  const legacyDrill = addDashboard(b, {
    title: '_drill Legacy Detail',
    owner: dana,
    datasource: retail,
    folder: deepDives,
    widgets: [{ title: 'Legacy', type: 'tablewidget', subtype: '', panels: [['columns', [jaql('Orders.OrderId', 'Order')]]] }],
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
    title: 'Regional Performance',
    owner: dana,
    datasource: retail,
    folder: regional,
    // Columns used only outside widget panels' plain dims: a date dashboard filter, a cascading filter, a formula
    // context and a widget's own filters panel (PLANTED.usedOnlyIn).
    filters: [dateFilter('Orders', 'Order Date'), cascadingFilter([['Stores', 'City'], ['Stores', 'Store']])],
    widgets: [
      {
        title: 'Revenue per Customer', type: 'indicator', subtype: 'indicator/numeric',
        panels: [['value', [jaqlFormula('SUM([a])/COUNT([c])', { a: 'Orders.Amount', c: 'Customers.CustomerId' }, 'Revenue per Customer')]], ['filters', [jaql('Products.Category', 'Category', { filter: { members: ['Tools'] } })]]],
        extra: () => ({
          script: [
            "widget.on('ready', function (w) {",
            `  prism.jumpToDashboard(w, { dashboardId: "${customerDrill.oid}", displayToolbarRow: false });`,
            `  // prism.jumpToDashboard(w, { dashboardId: "${legacyDrill.oid}" });`,
            `  /* prism.jumpToDashboard(w, { dashboardIds: [{ id: "${legacyDrill.oid}", caption: "old" }] }); */`,
            '});',
          ].join('\n'),
        }),
      },
      { title: 'Revenue by Region', type: 'chart/column', subtype: 'column/classic', panels: [['categories', [jaql('Customers.Region', 'Region')]], ['values', [jaql('Orders.Amount', 'Revenue', { agg: 'sum' })]], ['break by', []]] },
    ],
    shares: [{ to: emea, rule: 'view' }, { to: vic, rule: 'view' }],
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
    shares: [{ to: finance, rule: 'view' }, { to: ian, rule: 'view' }],
  });
  addDashboard(b, {
    title: 'Orphaned Report',
    owner: olga,
    datasource: { title: 'Legacy Cube', live: false },
    widgets: [{ title: 'Legacy Total', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaqlFormula('SUM([t])', { t: 'Facts.Total' }, 'Total')]]] }],
  });
  addDashboard(b, { title: 'Empty Dashboard', owner: admin, datasource: ecommerce, widgets: [] });
  addDashboard(b, { title: 'Irene Pipeline', owner: irene, datasource: ecommerce, folder: salesFolder, widgets: simpleWidgets(2), shares: [{ to: sales, rule: 'view' }] });
  addDashboard(b, { title: 'Super Admin Console', owner: root, datasource: ecommerce, widgets: simpleWidgets(1), shares: [{ to: admin, rule: 'edit' }] });

  // Twelve more dashboards: quarterly finance reports and marketing campaigns, in nested folders and at the root.
  for (let i = 1; i <= 4; i++) {
    addDashboard(b, {
      title: `Quarterly Report Q${i}`,
      owner: fred,
      datasource: ecommerce,
      folder: quarterly,
      widgets: simpleWidgets(3),
      shares: i <= 3 ? [{ to: finance, rule: 'view' }, ...(i === 1 ? [{ to: dana, rule: 'edit' as const }] : [])] : [],
      ...(i === 2 ? { previewLayout: null } : {}),
    });
  }
  for (let i = 1; i <= 6; i++) {
    const id = String(i).padStart(2, '0');
    addDashboard(b, {
      title: `Campaign Tracker ${id}`,
      owner: mia,
      datasource: ecommerce,
      folder: i <= 4 ? campaigns : i === 5 ? marketingFolder : undefined,
      widgets: i === 4 ? missingJump(b) : simpleWidgets(2),
      shares: [{ to: marketing, rule: 'view' }, ...(i === 1 ? [{ to: ivan, rule: 'view' as const }, { to: nofirst, rule: 'view' as const }] : []), ...(i === 2 ? [{ to: sales, rule: 'edit' as const }] : [])],
      ...(i === 3 ? { previewLayout: null } : {}),
    });
  }
  addDashboard(b, { title: 'Admin Scratchpad', owner: admin, datasource: ecommerce, folder: undefined, widgets: simpleWidgets(1) });
  // A pivot with 22 fields (PLANTED.dashboards.widePivot).
  const pivotDims = ['Orders.OrderId', 'Customers.Customer', 'Customers.Region', 'Products.Product', 'Promotions.Promo Code', 'Promotions.Region'];
  const aggs = ['sum', 'avg', 'min', 'max'];
  addDashboard(b, {
    title: 'Data Team Sandbox',
    owner: dora,
    datasource: retail,
    widgets: [
      { title: 'Orders', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Orders.Amount', 'Amount', { agg: 'sum' })]]] },
      {
        title: 'Everything Pivot', type: 'pivot2', subtype: '',
        panels: [
          ['rows', pivotDims.map((d) => jaql(d, d.split('.')[1]))],
          ['columns', []],
          ['values', [...aggs.map((a) => jaql('Orders.Amount', `Amount ${a}`, { agg: a })), ...aggs.map((a) => jaql('Promotions.Discount', `Discount ${a}`, { agg: a })), ...Array.from({ length: 8 }, (_, i) => jaql('Orders.Amount', `Amount ${i + 1}`, { agg: 'sum' }))]],
        ],
      },
    ],
  });
  addDashboard(b, { title: 'Dana Notes', owner: dana, datasource: ecommerce, widgets: simpleWidgets(1) });
  addDashboard(b, { title: 'Olga Draft', owner: olga, datasource: ecommerce, widgets: simpleWidgets(1) });
  // 22 widgets (PLANTED.dashboards.manyWidgets).
  addDashboard(b, { title: 'Mia Ideas', owner: mia, datasource: ecommerce, folder: marketingFolder, widgets: Array.from({ length: 22 }, (_, i) => ({ ...simpleWidgets(3)[i % 3], title: `Idea ${i + 1}` })) });
  addDashboard(b, { title: 'Retail Weekly', owner: dora, datasource: retail, widgets: [{ title: 'Amount by Product', type: 'chart/bar', subtype: 'bar/classic', panels: [['categories', [jaql('Products.Product', 'Product')]], ['values', [jaql('Orders.Amount', 'Amount', { agg: 'sum' })]], ['break by', []]] }], shares: [{ to: dataTeam, rule: 'edit' }, { to: sales, rule: 'view' }] });
  addDashboard(b, { title: 'EMEA Scorecard', owner: dana, datasource: retail, folder: regional, widgets: [{ title: 'EMEA Revenue', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Orders.Amount', 'Revenue', { agg: 'sum' })]]] }], shares: [{ to: emea, rule: 'view' }] });
  addDashboard(b, { title: 'Archive 2024', owner: admin, datasource: ecommerce, folder: archive, widgets: simpleWidgets(1) });
  addDashboard(b, { title: 'Fred Budget', owner: fred, datasource: ecommerce, folder: financeFolder, widgets: simpleWidgets(2), shares: [{ to: finance, rule: 'edit' }] });

  return { admin: b.token('admin', admin), designer: b.token('designer', dana), viewer: b.token('viewer', vic), finance: b.token('finance', fred), marketing: b.token('marketing', mia), nofirst: b.token('nofirst', nofirst) };
}

/**
 * The migration target: the same role names, the system groups, "Sales" (a different id), two users matching the
 * source by email, a "Sample ECommerce" model (a title clash for imports), the same connection names, a root folder
 * "Sales", a dashboard of its own and two whose titles exist on the source under other oids.
 */
export function seedTarget(b: SeedBuilder): Record<string, string> {
  const sales = b.group('Sales');
  const admin = b.user({ email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin', role: 'super', groups: ['Admins'] });
  const dana = b.user({ email: 'dana.designer@acme.test', firstName: 'Dana', lastName: 'Designer', role: 'contributor', groups: ['Sales'] });
  const salesFolder = b.folder('Sales', admin);
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
  // Two dashboards whose titles exist on the source under other oids (PLANTED.target.titleClashes).
  addDashboard(b, {
    title: 'ECommerce Overview',
    owner: admin,
    datasource: { title: MODELS.ecommerce, live: false },
    widgets: [{ title: 'Revenue (target copy)', type: 'indicator', subtype: 'indicator/numeric', panels: [['value', [jaql('Commerce.Revenue', 'Revenue', { agg: 'sum' })]]] }],
  });
  addDashboard(b, {
    title: 'Campaign Tracker 01',
    owner: dana,
    datasource: { title: MODELS.ecommerce, live: false },
    folder: salesFolder,
    widgets: [],
    shares: [{ to: sales, rule: 'view' }],
  });
  return { admin: b.token('admin', admin), designer: b.token('designer', dana) };
}
