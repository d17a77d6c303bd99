import { ToolError, type PluginRecord, type PluginRecords, type PluginRecordVersion } from './plugin-api.js';
import type { Queryable, Store } from '../store/store.types.js';

interface Row {
  collection: string;
  key: string;
  value: unknown;
  version: number;
  updated_at: Date;
  run_id: string | null;
  step_key: string | null;
  deleted?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,199}$/;
const MAX_VALUE_BYTES = 256 * 1024;

const toRecord = (r: Row): PluginRecord => ({ collection: r.collection, key: r.key, value: r.value, version: Number(r.version), updatedAt: new Date(r.updated_at).toISOString(), runId: r.run_id, stepKey: r.step_key });

function checkName(what: string, v: string): void {
  if (typeof v !== 'string' || !NAME.test(v)) throw new ToolError('RECORD_INVALID', `${what} must be 1–200 characters of letters, digits and _ . : / @ - (starting with a letter or digit); got ${JSON.stringify(v)}`);
}

/**
 * The store behind `ctx.records(role)`: documents per plugin and environment (tables plugin_records and
 * plugin_record_history, migration 11), each write a new version with the run and step that made it. Writes and
 * their history row are one transaction; a write racing another on the same key is serialised by the row lock, and
 * `expectVersion` lets a tool refuse to overwrite what it did not read.
 */
export class RecordsBackend {
  constructor(private readonly store: Store) {}

  /** The records of one plugin for one environment; `readOnly` in a dry run. */
  scoped(plugin: string, environment: string, by: { runId?: string; stepKey?: string }, readOnly: boolean): PluginRecords {
    const scope = [plugin, environment] as const;
    const refuse = () => {
      throw new ToolError('RECORDS_READ_ONLY', 'a dry run reads records and never writes them');
    };
    return {
      get: async (collection, key) => {
        checkName('collection', collection);
        checkName('key', key);
        const r = await this.store.query<Row>('SELECT * FROM plugin_records WHERE plugin = $1 AND environment = $2 AND collection = $3 AND key = $4', [...scope, collection, key]);
        return r.rows[0] && toRecord(r.rows[0]);
      },
      list: async (collection, opts = {}) => {
        checkName('collection', collection);
        const limit = Math.min(Math.max(1, opts.limit ?? 100), 1000);
        const r = await this.store.query<Row>(
          `SELECT * FROM plugin_records WHERE plugin = $1 AND environment = $2 AND collection = $3
             AND ($4::text IS NULL OR starts_with(key, $4)) AND ($5::text IS NULL OR value::text ILIKE '%' || $5 || '%')
             AND ($6::text IS NULL OR key > $6)
           ORDER BY key LIMIT $7`,
          [...scope, collection, opts.prefix ?? null, opts.search?.replace(/[\\%_]/g, (c) => `\\${c}`) ?? null, opts.after ?? null, limit],
        );
        return r.rows.map(toRecord);
      },
      put: readOnly
        ? refuse
        : async (collection, key, value, opts = {}) => {
            checkName('collection', collection);
            checkName('key', key);
            const json = JSON.stringify(value ?? null);
            if (Buffer.byteLength(json) > MAX_VALUE_BYTES) throw new ToolError('RECORD_TOO_LARGE', `a record's value is at most ${MAX_VALUE_BYTES} bytes as JSON; ${collection}/${key} is ${Buffer.byteLength(json)}`);
            return this.store.transaction(async (tx) => {
              const current = await lock(tx, scope, collection, key);
              if (opts.expectVersion !== undefined && (current?.version ?? 0) !== opts.expectVersion) {
                throw new ToolError('RECORD_CONFLICT', `${collection}/${key} is at version ${current?.version ?? 0}, not ${opts.expectVersion}: read it again before writing`);
              }
              const r = await tx.query<Row>(
                `INSERT INTO plugin_records (plugin, environment, collection, key, value, version, updated_at, run_id, step_key)
                 VALUES ($1, $2, $3, $4, $5::jsonb, $6, now(), $7, $8)
                 ON CONFLICT (plugin, environment, collection, key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version,
                   updated_at = EXCLUDED.updated_at, run_id = EXCLUDED.run_id, step_key = EXCLUDED.step_key
                 RETURNING *`,
                [...scope, collection, key, json, (current?.version ?? 0) + 1, by.runId ?? null, by.stepKey ?? null],
              );
              await history(tx, scope, r.rows[0]!, false);
              return toRecord(r.rows[0]!);
            });
          },
      delete: readOnly
        ? refuse
        : async (collection, key) => {
            checkName('collection', collection);
            checkName('key', key);
            return this.store.transaction(async (tx) => {
              const current = await lock(tx, scope, collection, key);
              if (!current) return false;
              await tx.query('DELETE FROM plugin_records WHERE plugin = $1 AND environment = $2 AND collection = $3 AND key = $4', [...scope, collection, key]);
              await history(tx, scope, { ...current, value: null, version: current.version + 1, updated_at: new Date(), run_id: by.runId ?? null, step_key: by.stepKey ?? null }, true);
              return true;
            });
          },
      history: async (collection, key, limit = 50) => {
        checkName('collection', collection);
        checkName('key', key);
        const r = await this.store.query<Row>(
          'SELECT * FROM plugin_record_history WHERE plugin = $1 AND environment = $2 AND collection = $3 AND key = $4 ORDER BY version DESC LIMIT $5',
          [...scope, collection, key, Math.min(Math.max(1, limit), 1000)],
        );
        return r.rows.map((row): PluginRecordVersion => ({ ...toRecord(row), deleted: row.deleted === true }));
      },
    };
  }
}

/** Serialises writes of one key, including the first (no row to lock yet), then reads it under its row lock. */
async function lock(tx: Queryable, scope: readonly [string, string], collection: string, key: string): Promise<Row | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [JSON.stringify([...scope, collection, key])]);
  return (await tx.query<Row>('SELECT * FROM plugin_records WHERE plugin = $1 AND environment = $2 AND collection = $3 AND key = $4 FOR UPDATE', [...scope, collection, key])).rows[0];
}

async function history(tx: Queryable, scope: readonly [string, string], r: Row, deleted: boolean): Promise<void> {
  await tx.query(
    `INSERT INTO plugin_record_history (plugin, environment, collection, key, value, version, updated_at, run_id, step_key, deleted)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)`,
    [...scope, r.collection, r.key, JSON.stringify(r.value ?? null), r.version, r.updated_at, r.run_id, r.step_key, deleted],
  );
}
