/** The store: one Postgres-dialect schema, served by PGlite (embedded, default) or a PostgreSQL server. */

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything that can run SQL: the store itself or an open transaction. Parameters are $1, $2, ... */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, with any password removed (safe to log). */
  readonly location: string;
  /**
   * Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw). Inside fn query through `tx` only: PGlite has a
   * single connection, so awaiting store.query() or store.transaction() from inside fn never returns (PGlite store
   * logs a warning), and on PostgreSQL it would run outside the transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Throws when the database does not answer `SELECT 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  /** Numbered, strictly increasing, never reused. */
  id: number;
  name: string;
  sql: string;
}
