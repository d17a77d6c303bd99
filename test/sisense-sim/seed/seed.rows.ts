import type { JsonObject } from '../sim.types.js';

type Rows = Record<string, JsonObject[]>;

const rows = (columns: string[], values: Array<Array<string | number | null>>): JsonObject[] => values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]])));

/**
 * A few rows per table of the seeded models, by model title: what `GET /api/datasources/{title}/sql` answers from.
 * The planted many-to-many join holds here: Promotions has one row per promo code and region, and Orders repeats
 * promo codes, so [Promo Code] is duplicated on both sides; every other join has a unique key on one side.
 */
export const SAMPLE_ROWS: Record<string, Rows> = {
  'Retail Sales': {
    Orders: rows(
      ['OrderId', 'CustomerId', 'ProductId', 'Order Date', 'Amount', 'Promo Code', 'Legacy Flag'],
      [
        [1, 1, 1, '2026-01-03T00:00:00', 120.5, 'SPRING', 'N'],
        [2, 1, 2, '2026-01-04T00:00:00', 80, 'SPRING', 'N'],
        [3, 2, 1, '2026-01-05T00:00:00', 42, 'SUMMER', null],
        [4, 3, 3, '2026-01-05T00:00:00', 310, 'SUMMER', 'Y'],
        [5, 4, 4, '2026-01-06T00:00:00', 99.9, null, null],
        [6, 5, 2, '2026-01-07T00:00:00', 15, 'WINTER', 'N'],
      ],
    ),
    Customers: rows(
      ['CustomerId', 'Customer', 'Region', 'Fax Number'],
      [
        [1, 'Acme GmbH', 'EMEA', null],
        [2, 'Borealis Ltd', 'EMEA', '+44 20 7946 0000'],
        [3, 'Cascade Inc', 'AMER', null],
        [4, 'Dune Pty', 'APAC', null],
        [5, 'Elm LLC', 'AMER', null],
      ],
    ),
    Products: rows(['ProductId', 'Product', 'Category'], [[1, 'Anvil', 'Tools'], [2, 'Bolt', 'Hardware'], [3, 'Crane', 'Machines'], [4, 'Drill', 'Tools']]),
    Promotions: rows(
      ['Promo Code', 'Region', 'Discount'],
      [
        ['SPRING', 'EMEA', 0.1],
        ['SPRING', 'AMER', 0.15],
        ['SUMMER', 'EMEA', 0.05],
        ['SUMMER', 'APAC', 0.2],
        ['WINTER', 'AMER', 0.1],
      ],
    ),
    Stores: rows(['StoreId', 'Store', 'City'], [[1, 'Central', 'Berlin'], [2, 'Harbour', 'Sydney']]),
    'All Regions': rows(['Region'], [['EMEA'], ['AMER'], ['APAC']]),
  },
  'Sample ECommerce': {
    Country: rows(['Country', 'Country ID'], [['United States', 1], ['Canada', 2], ['Germany', 3]]),
    Category: rows(['Category', 'Category ID'], [['Cameras', 1], ['Phones', 2], ['Laptops', 3]]),
    Brand: rows(['Brand', 'Brand ID'], [['Apex', 1], ['Nimbus', 2]]),
    Commerce: rows(
      ['Category ID', 'Country ID', 'Brand ID', 'Gender', 'Revenue', 'Quantity', 'Visit ID'],
      [
        [1, 1, 1, 'Male', 100, 1, 10],
        [1, 2, 2, 'Female', 250, 2, 11],
        [2, 1, 1, 'Female', 90, 1, 12],
        [3, 3, 2, 'Male', 1200, 1, 13],
      ],
    ),
  },
  'Live Sales': {
    SALES: rows(['ORDER_ID', 'REGION', 'AMOUNT', 'ORDER_DATE'], [[1, 'EMEA', 10, '2026-01-01'], [2, 'EMEA', 20, '2026-01-02'], [3, 'AMER', 30, '2026-01-02']]),
    REGIONS: rows(['REGION', 'MANAGER'], [['EMEA', 'Erika'], ['AMER', 'Arturo'], ['APAC', 'Ana']]),
  },
  'Unbuilt Draft': {
    Targets: rows(['Region', 'Target'], [['EMEA', 1000]]),
  },
};
