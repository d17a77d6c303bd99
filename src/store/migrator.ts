import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import type { Migration, Queryable, Store } from './store.types.js';

/**
 * Key of the transaction-scoped advisory lock that serialises migrations between daemons sharing one PostgreSQL
 * database ('stew' as a 32-bit integer). PGlite has a single connection per process and needs none.
 */
export const MIGRATION_LOCK_KEY = 0x73746577;

export interface MigrateResult {
  /** Ids applied by this call, in order (empty when the database was up to date). */
  applied: number[];
  /** Highest migration id recorded in the database afterwards. */
  version: number;
}

/**
 * Checks a migrations list: positive integer ids, strictly increasing (hence unique), a name and SQL for each.
 * @throws StewardError INTERNAL: the list is part of the build, so a bad one is a programming error.
 */
export function validateMigrations(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const [i, m] of migrations.entries()) {
    const where = `migration #${i} (id ${String(m.id)}, ${JSON.stringify(m.name)})`;
    if (!Number.isSafeInteger(m.id) || m.id < 1) {
      throw new StewardError('INTERNAL', `invalid migrations list: ${where} must have a positive integer id`);
    }
    if (m.id <= previous) {
      throw new StewardError(
        'INTERNAL',
        `invalid migrations list: ${where} must have an id greater than ${previous} (ids are unique and strictly increasing)`,
      );
    }
    if (typeof m.name !== 'string' || m.name.trim() === '') {
      throw new StewardError('INTERNAL', `invalid migrations list: ${where} has no name`);
    }
    if (typeof m.sql !== 'string' || m.sql.trim() === '') {
      throw new StewardError('INTERNAL', `invalid migrations list: ${where} has no SQL`);
    }
    previous = m.id;
  }
}

interface AppliedRow {
  id: number;
  name: string;
}

/**
 * Brings the database up to the given migrations: creates `schema_migrations` when missing, then applies each
 * migration not yet recorded, in id order, each in its own transaction together with its record. Idempotent; on
 * PostgreSQL concurrent callers (replicas starting at once) are serialised by an advisory lock and each migration is
 * applied once.
 * @throws StewardError STORE_UNAVAILABLE when the database records a migration this build does not know (it was
 *   migrated by a newer Steward), INTERNAL for an invalid list; a failing migration's own error otherwise (its
 *   transaction is rolled back, nothing of it stays).
 */
export async function migrate(store: Store, migrations: readonly Migration[], logger: Logger): Promise<MigrateResult> {
  validateMigrations(migrations);
  const known = new Map(migrations.map((m) => [m.id, m]));
  const latest = migrations.length > 0 ? migrations[migrations.length - 1].id : 0;
  const serialise = async (tx: Queryable) => {
    if (store.kind === 'postgres') await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
  };

  const recorded = await store.transaction(async (tx) => {
    await serialise(tx);
    await tx.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        id         integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    return (await tx.query<AppliedRow>('SELECT id, name FROM schema_migrations ORDER BY id')).rows;
  });

  const unknown = recorded.filter((r) => !known.has(r.id));
  if (unknown.length > 0) {
    const ids = unknown.map((r) => `${r.id} (${r.name})`).join(', ');
    const newer = unknown.some((r) => r.id > latest);
    throw new StewardError(
      'STORE_UNAVAILABLE',
      newer
        ? `the store at ${store.location} has schema migration ${ids}, newer than this build of Steward knows ` +
            `(latest ${latest}): it was upgraded by a newer Steward. Run that version, or a newer one, against it.`
        : `the store at ${store.location} has schema migration ${ids}, which this build of Steward does not know ` +
            `(its migrations: ${migrations.map((m) => m.id).join(', ')}). Refusing to start on a schema from another build.`,
    );
  }
  for (const r of recorded) {
    const m = known.get(r.id);
    if (m && m.name !== r.name) {
      logger.warn({ store: store.location, id: r.id, recorded: r.name, known: m.name }, 'schema migration name differs from the recorded one');
    }
  }

  const done = new Set(recorded.map((r) => r.id));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    const started = Date.now();
    const ran = await store.transaction(async (tx) => {
      await serialise(tx);
      // Another replica may have applied it while we waited for the lock.
      const exists = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (exists.rowCount > 0) return false;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      return true;
    });
    if (ran) {
      applied.push(m.id);
      logger.info({ store: store.location, id: m.id, name: m.name, ms: Date.now() - started }, 'applied schema migration');
    }
  }

  const version = Math.max(0, ...recorded.map((r) => r.id), ...applied);
  if (applied.length === 0) logger.debug({ store: store.location, version }, 'store schema is up to date');
  else logger.info({ store: store.location, version, applied }, 'store schema migrated');
  return { applied, version };
}
