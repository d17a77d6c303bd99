import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import type { StoreConfig } from '../config/config.types.js';
import { MIGRATIONS } from './migrations.js';
import { migrate } from './migrator.js';
import { PgliteStore } from './pglite.store.js';
import { PostgresStore } from './postgres.store.js';
import type { Migration, Store } from './store.types.js';

/** Where the embedded store lives when the configuration names neither store.path nor store.url. */
export const DEFAULT_STORE_PATH = '.steward/data';

export interface OpenStoreOptions {
  /** store.path resolves against this (the config file's directory). */
  baseDir: string;
  logger: Logger;
  /** The schema to bring the database to; MIGRATIONS unless a test says otherwise. */
  migrations?: readonly Migration[];
}

/**
 * Opens the configured store (PostgreSQL when store.url is set, else PGlite at store.path or .steward/data) and
 * migrates it. The store is closed again when migration fails.
 * @throws StewardError STORE_UNAVAILABLE / STORE_NOT_WRITABLE / STORE_LOCKED / CONFIG_INVALID.
 */
export async function openStore(config: StoreConfig, opts: OpenStoreOptions): Promise<Store> {
  if (config.url !== undefined && config.path !== undefined) {
    const message = 'store.path and store.url are mutually exclusive: set one';
    throw new StewardError('CONFIG_INVALID', message, { errors: [{ path: 'store', message }] });
  }
  const started = Date.now();
  const store: Store =
    config.url !== undefined
      ? await PostgresStore.open(config.url, { poolSize: config.poolSize, connect: config.connect, logger: opts.logger })
      : await PgliteStore.open(config.path ?? DEFAULT_STORE_PATH, { baseDir: opts.baseDir, logger: opts.logger });
  try {
    const { version, applied } = await migrate(store, opts.migrations ?? MIGRATIONS, opts.logger);
    opts.logger.info(
      { store: store.location, kind: store.kind, version, applied: applied.length, ms: Date.now() - started },
      'store open',
    );
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}
