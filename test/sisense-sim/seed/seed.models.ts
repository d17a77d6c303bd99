import type { JsonObject, SimGroup, SimUser } from '../sim.types.js';
import type { SeedBuilder } from './seed.builder.js';
import { addConnection, addDatamodel, addSecurityRule, csvParameters, type TableSpec } from './seed.datamodels.js';

/** The well-known data model titles of the seeds. */
export const MODELS = {
  ecommerce: 'Sample ECommerce',
  retail: 'Retail Sales',
  live: 'Live Sales',
  draft: 'Unbuilt Draft',
} as const;

const ECOMMERCE_TABLES: TableSpec[] = [
  { name: 'Country', file: 'Country.csv', columns: [['Country', 'text'], ['Country ID', 'int']] },
  {
    name: 'Commerce',
    file: 'Commerce.csv',
    columns: [
      ['Age Range', 'text'], ['Cost', 'decimal'], ['Brand ID', 'int'], ['Category ID', 'int'], ['Condition', 'text'], ['Country ID', 'int'],
      ['Date', 'datetime'], ['Gender', 'text'], ['Quantity', 'int'], ['Revenue', 'decimal'], ['Visit ID', 'int'],
    ],
  },
  { name: 'Category', file: 'Category.csv', columns: [['Category', 'text'], ['Category ID', 'int']] },
  { name: 'Brand', file: 'Brand.csv', columns: [['Brand', 'text'], ['Brand ID', 'int']] },
];

/** "Sample ECommerce": an extract model of four CSV datasets joined on Commerce, shaped like the real capture. */
export function ecommerceModel(b: SeedBuilder, creator: SimUser, shares: Array<{ party: SimUser | SimGroup; permission: 'r' | 'w' | 'a' }>): JsonObject {
  const datasets = ECOMMERCE_TABLES.map((t) => ({
    connection: addConnection(b, { name: `Sample ${t.name}`, provider: 'CSV', owner: creator, parameters: csvParameters(`/opt/sisense/storage/samples/Sample ECommerce/${t.name}/${t.file}`) }),
    database: 'null',
    schemaName: 'null',
    tables: [t],
  }));
  return addDatamodel(b, {
    title: MODELS.ecommerce,
    type: 'extract',
    creator,
    datasets,
    relations: [
      [['Category', 'Category ID'], ['Commerce', 'Category ID']],
      [['Country', 'Country ID'], ['Commerce', 'Country ID']],
      [['Brand', 'Brand ID'], ['Commerce', 'Brand ID']],
    ],
    shares,
    built: true,
  });
}

export function warehouseConnection(b: SeedBuilder, owner: SimUser): JsonObject {
  return addConnection(b, {
    name: 'Warehouse (PostgreSQL)',
    provider: 'PostgreSQL',
    owner,
    parameters: { Server: 'warehouse.internal', Port: '5432', Database: 'retail', UserName: 'sisense_reader', Password: '', IsUsingDirectConnection: 'false', EncryptConnection: 'true' },
  });
}

export function snowflakeConnection(b: SeedBuilder, owner: SimUser): JsonObject {
  return addConnection(b, {
    name: 'Snowflake Analytics',
    provider: 'Snowflake',
    owner,
    parameters: { Server: 'acme.snowflakecomputing.com', Database: 'ANALYTICS', Warehouse: 'BI_WH', UserName: 'SISENSE', Password: '', Role: 'BI_READER' },
    supportedModelTypes: ['EXTRACT', 'LIVE'],
  });
}

/**
 * "Retail Sales" (extract, PostgreSQL) carries the planted well-check problems:
 * island table Stores (no relation), many-to-many Orders.[Promo Code] <-> Promotions.[Promo Code] (Promotions has one
 * row per promo code and region), custom table "All Regions" with a UNION, an import query on Orders, unused columns
 * Orders.[Legacy Flag] and Customers.[Fax Number] (no dashboard uses them), and row-level security on the text
 * column Customers.Region.
 */
export function retailModel(b: SeedBuilder, owner: SimUser, emea: SimGroup, sales: SimGroup): JsonObject {
  const model = addDatamodel(b, {
    title: MODELS.retail,
    type: 'extract',
    creator: owner,
    datasets: [
      {
        connection: warehouseConnection(b, owner),
        database: 'retail',
        schemaName: 'sales',
        tables: [
          {
            name: 'Orders',
            columns: [['OrderId', 'int'], ['CustomerId', 'int'], ['ProductId', 'int'], ['Order Date', 'datetime'], ['Amount', 'decimal'], ['Promo Code', 'text'], ['Legacy Flag', 'text']],
            importQuery: "SELECT * FROM sales.orders WHERE order_date >= '2020-01-01'",
          },
          { name: 'Customers', columns: [['CustomerId', 'int'], ['Customer', 'text'], ['Region', 'text'], ['Fax Number', 'text']] },
          { name: 'Products', columns: [['ProductId', 'int'], ['Product', 'text'], ['Category', 'text']] },
          { name: 'Promotions', columns: [['Promo Code', 'text'], ['Region', 'text'], ['Discount', 'decimal']] },
          { name: 'Stores', columns: [['StoreId', 'int'], ['Store', 'text'], ['City', 'text']] },
          { name: 'All Regions', columns: [['Region', 'text']], customSql: 'SELECT DISTINCT Region FROM [Customers] UNION SELECT DISTINCT Region FROM [Promotions]' },
        ],
      },
    ],
    relations: [
      [['Orders', 'CustomerId'], ['Customers', 'CustomerId']],
      [['Orders', 'ProductId'], ['Products', 'ProductId']],
      [['Orders', 'Promo Code'], ['Promotions', 'Promo Code']],
      [['All Regions', 'Region'], ['Customers', 'Region']],
    ],
    shares: [
      { party: owner, permission: 'w' },
      { party: sales, permission: 'r' },
      { party: emea, permission: 'r' },
    ],
    built: true,
  });
  addSecurityRule(b, { model: MODELS.retail, table: 'Customers', column: 'Region', datatype: 'text', members: ['EMEA'], parties: [emea] });
  addSecurityRule(b, { model: MODELS.retail, table: 'Customers', column: 'Region', datatype: 'text', members: [], parties: [] });
  return model;
}

/** "Live Sales": a live Snowflake model (its shares and security live under /api/v1/elasticubes/live/...). */
export function liveModel(b: SeedBuilder, owner: SimUser, finance: SimGroup, analyst?: SimUser): JsonObject {
  const model = addDatamodel(b, {
    title: MODELS.live,
    type: 'live',
    creator: owner,
    datasets: [
      {
        connection: snowflakeConnection(b, owner),
        database: 'ANALYTICS',
        schemaName: 'SALES',
        tables: [
          { name: 'SALES', columns: [['ORDER_ID', 'bigint'], ['REGION', 'text'], ['AMOUNT', 'decimal'], ['ORDER_DATE', 'datetime']] },
          { name: 'REGIONS', columns: [['REGION', 'text'], ['MANAGER', 'text']] },
        ],
      },
    ],
    relations: [[['SALES', 'REGION'], ['REGIONS', 'REGION']]],
    shares: [
      { party: owner, permission: 'w' },
      { party: finance, permission: 'r' },
      ...(analyst ? [{ party: analyst, permission: 'a' as const }] : []),
    ],
    built: true,
  });
  addSecurityRule(b, { model: MODELS.live, table: 'SALES', column: 'ORDER_ID', datatype: 'numeric', members: ['1', '2'], parties: [finance] });
  if (analyst) addSecurityRule(b, { model: MODELS.live, table: 'REGIONS', column: 'REGION', datatype: 'text', members: ['EMEA'], parties: [analyst] });
  return model;
}

/** "Unbuilt Draft": an extract model that was never built (lastBuildTime null). */
export function draftModel(b: SeedBuilder, owner: SimUser): JsonObject {
  const connection = addConnection(b, { name: 'Draft Targets', provider: 'CSV', owner, parameters: csvParameters('/opt/sisense/storage/uploads/targets.csv') });
  return addDatamodel(b, {
    title: MODELS.draft,
    type: 'extract',
    creator: owner,
    datasets: [{ connection, database: 'null', schemaName: 'null', tables: [{ name: 'Targets', file: 'targets.csv', columns: [['Region', 'text'], ['Target', 'decimal']] }] }],
    relations: [],
    shares: [{ party: owner, permission: 'w' }],
    built: false,
  });
}
