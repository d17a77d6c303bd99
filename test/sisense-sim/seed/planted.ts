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
  /**
   * Columns used by dashboards only outside widget panels' plain dims (on "Regional Performance"): a dashboard date
   * filter (dim written "[Orders.Order Date (Calendar)]"), a cascading filter's levels, a formula's context, and a
   * widget's own "filters" panel. An unused-column check must count them as used.
   */
  usedOnlyIn: {
    dashboardFilter: { model: 'Retail Sales', table: 'Orders', column: 'Order Date' },
    cascadingLevels: [
      { model: 'Retail Sales', table: 'Stores', column: 'City' },
      { model: 'Retail Sales', table: 'Stores', column: 'Store' },
    ],
    formulaContext: { model: 'Retail Sales', table: 'Customers', column: 'CustomerId' },
    widgetFilterPanel: { model: 'Retail Sales', table: 'Products', column: 'Category' },
  },
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
    /** Widget script jumps to "_drill Customer Detail" and, commented out (// and /* *\/), to "_drill Legacy Detail". */
    scriptJumps: 'Regional Performance',
    scriptJumpTarget: '_drill Customer Detail',
    /** Named only in commented-out prism.jumpToDashboard calls: not a dependency. */
    commentedJumpTarget: '_drill Legacy Detail',
    /** Owned by an inactive user (irene.inactive@). */
    inactiveOwner: 'Irene Pipeline',
    /** Shared with an inactive user (ian.inactive@; Campaign Tracker 01 with ivan.inactive@ too). */
    sharedWithInactive: ['Finance KPIs', 'Campaign Tracker 01'],
    /** Owned by the second super user. */
    superOwned: 'Super Admin Console',
    /** Export with `previewLayout: null`: an import fails (400) unless the client rewrites it to []. */
    nullPreviewLayout: ['Quarterly Report Q2', 'Campaign Tracker 03'],
    /** A pivot widget ("Everything Pivot") with 22 fields. */
    widePivot: 'Data Team Sandbox',
    /** 22 widgets. */
    manyWidgets: 'Mia Ideas',
    /** A widget's Jump-to-Dashboard names a dashboard oid that does not exist. */
    missingJumpTarget: 'Campaign Tracker 04',
    /** Folder paths (root first) of some dashboards. */
    nested: { 'Regional Performance': ['Sales', 'Deep Dives', 'Regional'], 'Quarterly Report Q1': ['Finance', 'Quarterly'], 'Campaign Tracker 01': ['Marketing', 'Campaigns'] },
  },
  counts: {
    /** Dashboards on the source (owner copies). */
    dashboards: 30,
    /** Dashboards shared with someone besides their owner. */
    shared: 20,
    /** Owned by someone other than admin@acme.test. */
    notAdminOwned: 26,
    /** Users (all tenants). */
    users: 14,
  },
  folders: { roots: ['Sales', 'Finance', 'Marketing', 'Archive'], nested: ['Deep Dives', 'Regional', 'Quarterly', 'Campaigns'] },
  users: {
    inactive: 'ian.inactive@acme.test',
    inactiveAll: ['ian.inactive@acme.test', 'irene.inactive@acme.test', 'ivan.inactive@acme.test'],
    /** Role "super" (sysadmin): never migrated. admin@ is the migrating admin. */
    superUsers: ['admin@acme.test', 'sam.super@acme.test'],
    /** No firstName key. */
    noFirstName: 'no.first.name@acme.test',
    /** Of tenant "emea", not the system tenant. */
    otherTenant: 'tina.tenant@emea.acme.test',
    /** Owns "Orphaned Report" and "Olga Draft": deleting her deletes them. */
    owner: 'olga.orphan@acme.test',
  },
  groups: {
    system: ['Admins', 'Everyone', 'All users in system'],
    /** Of tenant "emea". */
    otherTenant: 'EMEA Partners',
    migratable: ['Sales', 'Finance', 'EMEA Analysts', 'Data Team', 'Marketing'],
  },
  tenants: { system: 'system', other: 'emea' },
  /** Data security (rule shares keyed `party`): ECommerce Country.Country for dana@ and Marketing; live REGIONS.REGION for fred@. */
  dataSecurity: {
    extractUserRule: { model: 'Sample ECommerce', table: 'Country', column: 'Country' },
    liveUserRule: { model: 'Live Sales', table: 'REGIONS', column: 'REGION' },
  },
  target: {
    /** Target dashboards whose titles exist on the source under other oids. */
    titleClashes: ['ECommerce Overview', 'Campaign Tracker 01'],
    /** A root folder that exists on both sides. */
    sharedFolder: 'Sales',
  },
} as const;
