import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPgKit, type PgKit } from '../../test/pg.test-kit.js';

describe('postgres.relations (PGlite over the wire)', () => {
  let kit: PgKit;
  beforeAll(async () => {
    kit = await startPgKit({
      // A name that fits but whose values do not: ratings.product_id holds ids no product has.
      seed: (db) => db.exec('CREATE TABLE shop.ratings (id int PRIMARY KEY, product_id integer, stars int); INSERT INTO shop.ratings SELECT g, 1000 + g, g % 5 FROM generate_series(1, 40) g;').then(() => undefined),
    });
  }, 60_000);
  afterAll(() => kit?.close());

  it('lists the declared joins, with whether they are indexed and nullable', async () => {
    const out = await kit.ok<{ relations: unknown[] }>('postgres.relations.declared', { schema: 'shop' });
    expect(out.relations).toEqual([
      { constraint: 'orders_customer_id_fkey', from: { schema: 'shop', table: 'orders', columns: ['customer_id'] }, to: { schema: 'shop', table: 'customers', columns: ['id'] }, onUpdate: 'no action', onDelete: 'no action', indexed: false, nullable: true },
    ]);
  });

  it('infers the undeclared joins from names and types, confirmed by values, with a confidence', async () => {
    const out = await kit.ok<{ relations: { from: { table: string; column: string }; to: { table: string; column: string }; confidence: number; declared: boolean; evidence: Record<string, unknown> }[]; checked: { candidates: number } }>(
      'postgres.relations.inferred',
      { schema: 'shop', minConfidence: 0 },
    );
    const byFrom = (table: string, column: string) => out.relations.find((r) => r.from.table === table && r.from.column === column);
    expect(byFrom('order_items', 'order_id')).toMatchObject({ to: { table: 'orders', column: 'id' }, confidence: 1, declared: false, evidence: { sameType: true, overlap: 1, rule: 'order_id → orders.id (the order it names)' } });
    expect(byFrom('order_items', 'product_id')).toMatchObject({ to: { table: 'products', column: 'id' }, confidence: 1, evidence: { sameType: true, overlap: 1 } });
    expect(byFrom('ratings', 'product_id')).toMatchObject({ to: { table: 'products', column: 'id' }, confidence: 0.5, evidence: { overlap: 0, matchedValues: 0, sampledValues: 40 } });
    expect(byFrom('orders', 'customer_id')).toBeUndefined();
    expect(out.relations[0]!.confidence).toBe(1);
    const confident = await kit.ok<{ relations: { from: { table: string } }[] }>('postgres.relations.inferred', { schema: 'shop', minConfidence: 0.9 });
    expect(confident.relations.map((r) => r.from.table).sort()).toEqual(['order_items', 'order_items']);
    const withDeclared = await kit.ok<{ relations: { from: { column: string }; declared: boolean; confidence: number }[] }>('postgres.relations.inferred', { schema: 'shop', includeDeclared: true, minConfidence: 0.9 });
    expect(withDeclared.relations.find((r) => r.from.column === 'customer_id')).toMatchObject({ declared: true, confidence: 1 });
  });
});
