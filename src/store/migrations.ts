import type { Migration } from './store.types.js';

/**
 * The schema, as numbered migrations in Postgres dialect (the same SQL runs on PGlite and on PostgreSQL).
 *
 * Rules:
 * - Append only. Never edit, renumber or remove a migration that has shipped: databases in the field have recorded it.
 *   Fix a mistake with a new migration.
 * - Ids strictly increasing (the migrator checks). Each migration runs in its own transaction, so keep to
 *   transactional DDL (no CREATE INDEX CONCURRENTLY, no ALTER TYPE ... ADD VALUE used in the same migration).
 * - Plain statements separated by `;`; no parameters. Several statements per migration are fine.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE steward_meta (
        key        text PRIMARY KEY,
        value      jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  // { id: 2, name: 'runs', sql: `CREATE TABLE runs (...);` },
];

/** The schema version this build brings a database to. */
export const LATEST_MIGRATION_ID = MIGRATIONS.reduce((max, m) => Math.max(max, m.id), 0);
