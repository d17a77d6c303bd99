import type { Queryable } from './store.types.js';

/**
 * Small key/value facts about this Steward installation (its instance id, ...), stored as JSON in `steward_meta`.
 * Works on the store or inside a transaction (pass the `tx`).
 */
export class MetaRepository {
  constructor(private readonly db: Queryable) {}

  /** The stored value, or undefined when the key is absent (a stored JSON null comes back as null). */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const r = await this.db.query<{ value: T }>('SELECT value FROM steward_meta WHERE key = $1', [key]);
    return r.rows.length > 0 ? r.rows[0].value : undefined;
  }

  /** Inserts or replaces the value (any JSON-serialisable value). */
  async set(key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO steward_meta (key, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, toJson(key, value)],
    );
  }

  /**
   * The stored value; when absent, stores factory()'s value unless another writer got there first, and returns
   * whichever value ended up stored. Concurrent callers all get the same value (the factory may run in several).
   */
  async getOrCreate<T>(key: string, factory: () => T | Promise<T>): Promise<T> {
    const existing = await this.get<T>(key);
    if (existing !== undefined) return existing;
    const value = await factory();
    const inserted = await this.db.query<{ value: T }>(
      `INSERT INTO steward_meta (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO NOTHING RETURNING value`,
      [key, toJson(key, value)],
    );
    if (inserted.rows.length > 0) return inserted.rows[0].value;
    const winner = await this.get<T>(key);
    if (winner === undefined) throw new Error(`steward_meta key ${JSON.stringify(key)} vanished during getOrCreate`);
    return winner;
  }
}

/**
 * jsonb parameters are passed as JSON text: node-postgres would turn a JS array into a PostgreSQL array literal and
 * PGlite would pass a bare string through unquoted.
 */
function toJson(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`steward_meta ${JSON.stringify(key)}: value is not JSON-serialisable`);
  return json;
}
