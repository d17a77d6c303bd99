/**
 * The problems planted in the `source` seed, by name, for governance checks and their tests to assert on.
 * (Ids are deterministic per tenant seed but not meant to be hard-coded: look them up by these names.)
 */
export const PLANTED = {
  datamodels: {
    /** Extract, PostgreSQL "Warehouse (PostgreSQL)"; holds most model problems. */
    retail: 'Retail Sales',
    /** Extract, CSV, shaped like the real capture (the contract test compares it). */
    ecommerce: 'Sample ECommerce',
    live: 'Live Sales',
    /** Never built: lastBuildTime null. */
    unbuilt: 'Unbuilt Draft',
  },
  /** In Retail Sales: a table with no relation. */
  islandTable: { model: 'Retail Sales', table: 'Stores' },
  /** In Retail Sales: Promotions has one row per promo code and region, so this join is many-to-many. */
  manyToMany: { model: 'Retail Sales', left: ['Orders', 'Promo Code'], right: ['Promotions', 'Promo Code'] },
  /** In Retail Sales: a custom table (type "custom") whose SQL has a UNION. */
  customUnionTable: { model: 'Retail Sales', table: 'All Regions' },
  /** In Retail Sales: configOptions.importQuery on Orders. */
  importQuery: { model: 'Retail Sales', table: 'Orders' },
  /** Columns no widget or filter uses. */
  unusedColumns: [
    { model: 'Retail Sales', table: 'Orders', column: 'Legacy Flag' },
    { model: 'Retail Sales', table: 'Customers', column: 'Fax Number' },
  ],
  /** Row-level security on a text column (group EMEA Analysts, plus the default rule). */
  rlsTextColumn: { model: 'Retail Sales', table: 'Customers', column: 'Region' },
  dashboards: {
    /** No widgets. */
    empty: 'Empty Dashboard',
    /** Datasource "Legacy Cube" does not exist; owned by olga.orphan@acme.test. */
    brokenDatasource: 'Orphaned Report',
    /** Dashboard script, widget script, WidgetsTabber, accordionConfig, Jump-to-Dashboard to "_drill Order Detail". */
    plugins: 'Sales Deep Dive',
    jumpTarget: '_drill Order Detail',
    /** Pivot, gauge with a formula, top-10 filter, monthly line, dashboard filters. */
    overview: 'ECommerce Overview',
    live: 'Finance KPIs',
  },
  users: {
    inactive: 'ian.inactive@acme.test',
    /** Owns only "Orphaned Report": deleting her deletes it. */
    owner: 'olga.orphan@acme.test',
  },
} as const;
