/**
 * A small shop database with real discovery work in it, written by us for the sandbox, the tests and the bench:
 * - shop.order_items has no primary key, and no declared foreign keys: its order_id → shop.orders.id and
 *   product_id → shop.products.id joins are there to be inferred (names, types and values agree);
 * - shop.orders.customer_id is a declared foreign key without an index, and nullable;
 * - shop.customers.email and birth_date look like personal data and have no comment (phone has one);
 * - shop.orders.status and shop.customers.country are skewed (one value holds most rows);
 * - shop.order_items has two identical indexes; shop.events is a wide table (64 columns).
 * Deterministic: the same rows every time. `exec` runs a script of several statements (PGlite's exec, pg's query).
 */
export async function seedDemo(exec: (sql: string) => Promise<unknown>, scale = 1): Promise<void> {
  const customers = 200 * scale;
  const orders = 2000 * scale;
  const items = 5000 * scale;
  await exec(`
    CREATE SCHEMA shop;
    COMMENT ON SCHEMA shop IS 'A small web shop';
    CREATE TABLE shop.customers (
      id serial PRIMARY KEY,
      name text NOT NULL,
      email text,
      phone text,
      birth_date date,
      country text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
    );
    COMMENT ON TABLE shop.customers IS 'People who ordered at least once';
    COMMENT ON COLUMN shop.customers.phone IS 'Contact phone, as typed by the customer';
    CREATE TABLE shop.products (
      id integer PRIMARY KEY,
      sku text NOT NULL UNIQUE,
      name text NOT NULL,
      category text NOT NULL,
      price numeric(10, 2) NOT NULL CHECK (price >= 0)
    );
    CREATE TABLE shop.orders (
      id bigserial PRIMARY KEY,
      customer_id integer REFERENCES shop.customers (id),
      ordered_at timestamp NOT NULL,
      status text NOT NULL,
      total numeric(12, 2)
    );
    CREATE TABLE shop.order_items (
      order_id bigint NOT NULL,
      product_id integer NOT NULL,
      quantity integer NOT NULL,
      unit_price numeric(10, 2) NOT NULL
    );
    CREATE INDEX order_items_order_id_idx ON shop.order_items (order_id);
    CREATE INDEX order_items_order_id_idx1 ON shop.order_items (order_id);
    CREATE TABLE shop.events (id bigint PRIMARY KEY, ${Array.from({ length: 63 }, (_, i) => `attr_${String(i + 1).padStart(2, '0')} text`).join(', ')});

    INSERT INTO shop.customers (name, email, phone, birth_date, country, created_at)
      SELECT 'Customer ' || g,
             CASE WHEN g % 10 = 0 THEN NULL ELSE 'customer' || g || '@example.com' END,
             '+49 30 ' || lpad((g * 7919 % 1000000)::text, 6, '0'),
             DATE '1950-01-01' + (g * 97 % 18000),
             CASE WHEN g % 10 < 8 THEN 'DE' WHEN g % 10 = 8 THEN 'FR' ELSE 'NL' END,
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 hour'
        FROM generate_series(1, ${customers}) g;
    INSERT INTO shop.products (id, sku, name, category, price)
      SELECT g, 'SKU-' || lpad(g::text, 5, '0'), 'Product ' || g, (ARRAY['books', 'games', 'tools', 'garden'])[1 + g % 4], round((5 + (g * 37 % 200))::numeric, 2)
        FROM generate_series(1, 50) g;
    INSERT INTO shop.orders (customer_id, ordered_at, status, total)
      SELECT CASE WHEN g % 50 = 0 THEN NULL ELSE 1 + (g * 31 % ${customers}) END,
             TIMESTAMP '2024-01-01 08:00:00' + g * INTERVAL '37 minutes',
             CASE WHEN g % 20 = 0 THEN 'cancelled' WHEN g % 20 = 1 THEN 'pending' ELSE 'shipped' END,
             round(((g * 53 % 500) + 9.99)::numeric, 2)
        FROM generate_series(1, ${orders}) g;
    INSERT INTO shop.order_items (order_id, product_id, quantity, unit_price)
      SELECT 1 + (g * 7 % ${orders}), 1 + (g * 13 % 50), 1 + g % 3, round((5 + (g * 11 % 200))::numeric, 2)
        FROM generate_series(1, ${items}) g;
    INSERT INTO shop.events (id) SELECT g FROM generate_series(1, 10) g;
    ANALYZE;
  `);
}
