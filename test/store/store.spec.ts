/**
 * The store contract: the same behaviour from PGlite (always) and PostgreSQL (when STEWARD_TEST_PG_URL names a server
 * where we may create databases; `.ci/postgres.sh` starts one). Then what only one backend has: PGlite's directory
 * checks and lock, PostgreSQL's connection retries and dropped connections.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createAgent, FakeToolCallingModel, HumanMessage } from 'langchain';
import { StoreCheckpointSaver } from '../../src/agent/checkpointer.js';
import { StewardError } from '../../src/common/errors.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { LATEST_MIGRATION_ID, MIGRATIONS } from '../../src/store/migrations.js';
import { migrate } from '../../src/store/migrator.js';
import { LOCK_FILE } from '../../src/store/pglite.store.js';
import { DEFAULT_STORE_PATH, openStore } from '../../src/store/store.factory.js';
import type { Migration, Store } from '../../src/store/store.types.js';
import { until } from '../helpers/wait.js';
import {
  CONNECT,
  ERROR,
  PG_URL,
  WARN,
  adminQuery,
  captureLogger,
  pgliteLeg,
  postgresLeg,
  unusedPort,
  type Leg,
  type Target,
} from './harness.js';

const silent = pino({ level: 'silent' });

/** What this process writes into steward.lock. */
const ownLock = () => ({
  pid: process.pid,
  host: os.hostname(),
  boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
  started: fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19],
});

const EXTRA: Migration[] = [
  { id: 1001, name: 'widgets', sql: 'CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL UNIQUE, n int)' },
  {
    id: 1002,
    name: 'gadgets',
    sql: `CREATE TABLE gadgets (id int PRIMARY KEY);
          INSERT INTO gadgets VALUES (1), (2);`,
  },
];

async function expectStewardError(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<StewardError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(StewardError);
  const err = caught as StewardError;
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}

function contract(leg: Leg): void {
  const open: Store[] = [];
  const openTarget = async (t: Target, migrations?: readonly Migration[], logger = silent) => {
    const s = await openStore(t.config, { baseDir: t.baseDir, logger, migrations });
    open.push(s);
    return s;
  };

  beforeAll(() => leg.setup(), 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => leg.teardown(), 60_000);

  describe('migrations', () => {
    it('applies every migration to a fresh database and records each in schema_migrations', async () => {
      const t = await leg.fresh();
      const { logger, lines } = captureLogger();
      const store = await openTarget(t, undefined, logger);
      expect(store.kind).toBe(leg.kind);
      const rows = (await store.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id'))
        .rows;
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id, name: m.name })));
      expect(rows[rows.length - 1].id).toBe(LATEST_MIGRATION_ID);
      const cols = await store.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'steward_meta' ORDER BY ordinal_position`,
      );
      expect(cols.rows.map((c) => c.column_name)).toEqual(['key', 'value', 'updated_at']);
      expect(lines.some((l) => l.msg === 'applied schema migration' && l.name === 'foundation')).toBe(true);
    });

    it('is idempotent: migrating again applies nothing and changes nothing', async () => {
      const store = await openTarget(await leg.fresh());
      const before = (await store.query('SELECT id, name, applied_at FROM schema_migrations ORDER BY id')).rows;
      expect(await migrate(store, MIGRATIONS, silent)).toEqual({ applied: [], version: LATEST_MIGRATION_ID });
      expect(await migrate(store, MIGRATIONS, silent)).toEqual({ applied: [], version: LATEST_MIGRATION_ID });
      expect((await store.query('SELECT id, name, applied_at FROM schema_migrations ORDER BY id')).rows).toEqual(before);
    });

    it('applies only the pending migrations, in id order, multi-statement SQL included', async () => {
      const store = await openTarget(await leg.fresh());
      expect(await migrate(store, [...MIGRATIONS, EXTRA[0]], silent)).toEqual({ applied: [1001], version: 1001 });
      expect(await migrate(store, [...MIGRATIONS, ...EXTRA], silent)).toEqual({ applied: [1002], version: 1002 });
      expect((await store.query('SELECT count(*) AS n FROM gadgets')).rows).toEqual([{ n: 2 }]);
      const ids = (await store.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY applied_at, id')).rows;
      expect(ids.map((r) => r.id)).toEqual([...MIGRATIONS.map((m) => m.id), 1001, 1002]);
    });

    it('rolls a failing migration back whole and records nothing of it', async () => {
      const store = await openTarget(await leg.fresh());
      const bad: Migration = { id: 1001, name: 'bad', sql: 'CREATE TABLE half (id int); SELECT no_such_column FROM half;' };
      await expect(migrate(store, [...MIGRATIONS, bad], silent)).rejects.toThrow(/no_such_column/);
      const half = await store.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half'`);
      expect(half.rowCount).toBe(0);
      expect((await store.query('SELECT 1 FROM schema_migrations WHERE id = 1001')).rowCount).toBe(0);
      // and the store is still usable, the fixed migration applies
      expect((await migrate(store, [...MIGRATIONS, EXTRA[0]], silent)).applied).toEqual([1001]);
    });

    it('survives concurrent migrate calls on one store', async () => {
      const store = await openTarget(await leg.fresh());
      const all = [...MIGRATIONS, ...EXTRA];
      const results = await Promise.all([migrate(store, all, silent), migrate(store, all, silent), migrate(store, all, silent)]);
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual([1001, 1002]);
      expect((await store.query('SELECT count(*) AS n FROM schema_migrations')).rows[0]).toEqual({ n: all.length });
    });

    it('refuses a database migrated by a newer build, and leaves the store closed', async () => {
      const t = await leg.fresh();
      const newer = await openTarget(t, [...MIGRATIONS, ...EXTRA]);
      await newer.close();
      const err = await expectStewardError(openTarget(t), 'STORE_UNAVAILABLE');
      expect(err.message).toContain('schema migration 1001 (widgets), 1002 (gadgets), newer than this build of Steward knows');
      expect(err.message).toContain(`(latest ${LATEST_MIGRATION_ID})`);
      // the failed open released everything: the newer build can still open it
      const again = await openTarget(t, [...MIGRATIONS, ...EXTRA]);
      await again.ping();
    });

    it('refuses a recorded migration id this build does not know even when it is not newer', async () => {
      const t = await leg.fresh();
      const s = await openTarget(t, [...MIGRATIONS, ...EXTRA]);
      await s.close();
      await expectStewardError(openTarget(t, [...MIGRATIONS, EXTRA[1]]), 'STORE_UNAVAILABLE', /1001 \(widgets\), which this build/);
    });

    it('rejects an invalid migrations list before touching the database', async () => {
      const store = await openTarget(await leg.fresh());
      await expectStewardError(migrate(store, [...MIGRATIONS, EXTRA[1], EXTRA[0]], silent), 'INTERNAL', /greater than 1002/);
      await expectStewardError(migrate(store, [...MIGRATIONS, EXTRA[0], EXTRA[0]], silent), 'INTERNAL', /greater than 1001/);
      expect((await store.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'widgets'`)).rowCount).toBe(0);
    });
  });

  describe('queries and transactions', () => {
    let store: Store;
    beforeAll(async () => {
      const t = await leg.fresh();
      store = await openStore(t.config, { baseDir: t.baseDir, logger: silent, migrations: [...MIGRATIONS, ...EXTRA] });
    }, 60_000);
    afterAll(() => store?.close());

    it('binds $n parameters of several types and returns the same JS types on every backend', async () => {
      const at = new Date('2024-05-06T07:08:09.123Z');
      const r = await store.query(
        `SELECT $1::text AS t, $2::int AS i, $3::boolean AS b, $4::text AS nul, $5::jsonb AS j, $6::int[] AS arr,
                $7::timestamptz AS at, 12345678901::bigint AS big, 1.50::numeric AS num, count(*) AS cnt
           FROM (VALUES (1), (2)) v(x)`,
        ["it's", 42, true, null, JSON.stringify({ a: [1, 'x'], b: null }), [1, 2, 3], at],
      );
      expect(r.rowCount).toBe(1);
      expect(r.rows).toEqual([
        { t: "it's", i: 42, b: true, nul: null, j: { a: [1, 'x'], b: null }, arr: [1, 2, 3], at, big: 12345678901, num: '1.50', cnt: 2 },
      ]);
      expect(r.rows[0].at).toBeInstanceOf(Date);
    });

    it('returns a bigint beyond 2^53 as a BigInt', async () => {
      const r = await store.query('SELECT 9007199254740993::bigint AS v');
      expect(r.rows[0].v).toBe(9007199254740993n);
    });

    it('treats parameters as data, never as SQL', async () => {
      const evil = "x'); DROP TABLE widgets; --";
      await store.query('INSERT INTO widgets (name) VALUES ($1)', [evil]);
      const r = await store.query<{ name: string }>('SELECT name FROM widgets WHERE name = $1', [evil]);
      expect(r.rows).toEqual([{ name: evil }]);
      await store.query('DELETE FROM widgets');
    });

    it('reports rowCount for writes and runs every statement of parameterless multi-statement SQL', async () => {
      const ins = await store.query('INSERT INTO widgets (name, n) VALUES ($1, 1), ($2, 2), ($3, 3)', ['a', 'b', 'c']);
      expect(ins.rowCount).toBe(3);
      expect((await store.query('UPDATE widgets SET n = n + 10 WHERE n >= $1', [2])).rowCount).toBe(2);
      const multi = await store.query<{ name: string; n: number }>(
        "UPDATE widgets SET n = 0 WHERE name = 'a'; SELECT name, n FROM widgets ORDER BY name",
      );
      expect(multi.rows).toEqual([
        { name: 'a', n: 0 },
        { name: 'b', n: 12 },
        { name: 'c', n: 13 },
      ]);
      expect((await store.query('DELETE FROM widgets')).rowCount).toBe(3);
    });

    it('commits a transaction and returns its result', async () => {
      const result = await store.transaction(async (tx) => {
        await tx.query('INSERT INTO widgets (name) VALUES ($1)', ['committed-1']);
        await tx.query('INSERT INTO widgets (name) VALUES ($1)', ['committed-2']);
        const inside = await tx.query<{ n: number }>("SELECT count(*) AS n FROM widgets WHERE name LIKE 'committed-%'");
        return inside.rows[0].n;
      });
      expect(result).toBe(2);
      expect((await store.query("SELECT 1 FROM widgets WHERE name LIKE 'committed-%'")).rowCount).toBe(2);
    });

    it('rolls back when the callback throws and rethrows the same error', async () => {
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.query('INSERT INTO widgets (name) VALUES ($1)', ['rolled-back']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await store.query('SELECT 1 FROM widgets WHERE name = $1', ['rolled-back'])).rowCount).toBe(0);
    });

    it('rolls back when a statement fails and stays usable afterwards', async () => {
      await store.query('INSERT INTO widgets (name) VALUES ($1)', ['unique-1']);
      await expect(
        store.transaction(async (tx) => {
          await tx.query('INSERT INTO widgets (name) VALUES ($1)', ['before-the-error']);
          await tx.query('INSERT INTO widgets (name) VALUES ($1)', ['unique-1']);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect((await store.query('SELECT 1 FROM widgets WHERE name = $1', ['before-the-error'])).rowCount).toBe(0);
      await store.transaction((tx) => tx.query('INSERT INTO widgets (name) VALUES ($1)', ['after-the-error']));
      expect((await store.query('SELECT 1 FROM widgets WHERE name = $1', ['after-the-error'])).rowCount).toBe(1);
    });

    it('runs concurrent transactions without losing updates', async () => {
      await store.query("INSERT INTO widgets (name, n) VALUES ('counter', 0)");
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            const r = await tx.query<{ n: number }>("SELECT n FROM widgets WHERE name = 'counter' FOR UPDATE");
            await tx.query("UPDATE widgets SET n = $1 WHERE name = 'counter'", [r.rows[0].n + 1]);
          }),
        ),
      );
      expect((await store.query("SELECT n FROM widgets WHERE name = 'counter'")).rows).toEqual([{ n: 10 }]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('agent checkpoints (StoreCheckpointSaver)', () => {
    let store: Store;
    beforeAll(async () => {
      const t = await leg.fresh();
      store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    }, 60_000);
    afterAll(() => store?.close());

    // Ten (empty) tool-call slots so the fake's message ids count up: with one slot every answer has id "0" and the
    // messages reducer would replace the earlier answer.
    const model = new FakeToolCallingModel({ toolCalls: Array.from({ length: 10 }, () => []) });
    const agentWith = (saver: StoreCheckpointSaver) => createAgent({ model, tools: [], checkpointer: saver });
    const thread = { configurable: { thread_id: 'thr_store_1' } };

    it('keeps a conversation across savers (a restart) and continues it', async () => {
      const first = new StoreCheckpointSaver(store);
      await agentWith(first).invoke({ messages: [new HumanMessage('one')] }, thread);
      const second = new StoreCheckpointSaver(store); // nothing in memory: reads the store
      const state = await agentWith(second).invoke({ messages: [new HumanMessage('two')] }, thread);
      const texts = state.messages.map((m) => String(m.content));
      // The fake model answers with every message it was sent, joined: the second answer proves the history was read.
      expect(texts).toEqual(['one', 'one', 'two', 'one-one-two']);
      const third = new StoreCheckpointSaver(store);
      const tuple = await third.getTuple(thread);
      expect((tuple?.checkpoint.channel_values as { messages: unknown[] }).messages).toHaveLength(4);
    });

    it('stores only the latest checkpoints of a conversation, and forgets it in memory on evict', async () => {
      const saver = new StoreCheckpointSaver(store);
      for (const text of ['a', 'b', 'c']) await agentWith(saver).invoke({ messages: [new HumanMessage(text)] }, { configurable: { thread_id: 'thr_store_2' } });
      const row = await store.query<{ data: { storage: Record<string, Record<string, unknown>> } }>('SELECT data FROM agent_checkpoints WHERE thread_id = $1', ['thr_store_2']);
      expect(Object.keys(row.rows[0].data.storage['']).length).toBeLessThanOrEqual(3);
      saver.evict('thr_store_2');
      expect(saver.storage['thr_store_2']).toBeUndefined();
      expect((await saver.getTuple({ configurable: { thread_id: 'thr_store_2' } }))?.checkpoint).toBeDefined();
      await saver.deleteThread('thr_store_2');
      expect((await new StoreCheckpointSaver(store).getTuple({ configurable: { thread_id: 'thr_store_2' } }))).toBeUndefined();
    });
  });

  describe('MetaRepository', () => {
    let store: Store;
    let meta: MetaRepository;
    beforeAll(async () => {
      const t = await leg.fresh();
      store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
      meta = new MetaRepository(store);
    }, 60_000);
    afterAll(() => store?.close());

    it('get of an absent key is undefined', async () => {
      expect(await meta.get('absent')).toBeUndefined();
    });

    it('set then get round-trips any JSON value, null included', async () => {
      for (const [key, value] of [
        ['obj', { a: 1, nested: { b: [true, null, 'x'] } }],
        ['arr', [1, 'two', { three: 3 }]],
        ['str', 'plain string'],
        ['num', 12.5],
        ['bool', false],
        ['nul', null],
      ] as const) {
        await meta.set(key, value);
        expect(await meta.get(key)).toEqual(value);
      }
    });

    it('set replaces the value (upsert) and moves updated_at', async () => {
      await meta.set('upsert', 1);
      // Dated an hour back, so the comparison below does not depend on the clock moving between two statements.
      const first = (await store.query<{ updated_at: Date }>("UPDATE steward_meta SET updated_at = updated_at - interval '1 hour' WHERE key = 'upsert' RETURNING updated_at")).rows[0];
      await meta.set('upsert', { v: 2 });
      expect(await meta.get('upsert')).toEqual({ v: 2 });
      const rows = (await store.query<{ updated_at: Date }>("SELECT updated_at FROM steward_meta WHERE key = 'upsert'")).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0].updated_at.getTime()).toBeGreaterThan(first.updated_at.getTime());
    });

    it('refuses a value that is not JSON', async () => {
      await expect(meta.set('undef', undefined)).rejects.toThrow(TypeError);
    });

    it('getOrCreate creates once and returns the stored value afterwards', async () => {
      let calls = 0;
      const factory = () => {
        calls++;
        return { id: `instance-${calls}` };
      };
      expect(await meta.getOrCreate('instance', factory)).toEqual({ id: 'instance-1' });
      expect(await meta.getOrCreate('instance', factory)).toEqual({ id: 'instance-1' });
      expect(calls).toBe(1);
      await meta.set('existing', 'kept');
      expect(await meta.getOrCreate('existing', () => 'replaced')).toBe('kept');
    });

    it('getOrCreate from concurrent callers stores one value and every caller gets it', async () => {
      const got = await Promise.all(
        Array.from({ length: 8 }, (_, i) => meta.getOrCreate('race', async () => {
          await new Promise((r) => setTimeout(r, 5));
          return `value-${i}`;
        })),
      );
      expect(new Set(got).size).toBe(1);
      expect(await meta.get('race')).toBe(got[0]);
    });

    it('works inside a transaction and rolls back with it', async () => {
      await expect(
        store.transaction(async (tx) => {
          const txMeta = new MetaRepository(tx);
          await txMeta.set('tx-key', 'inside');
          expect(await txMeta.get('tx-key')).toBe('inside');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await meta.get('tx-key')).toBeUndefined();
    });
  });

  describe('lifecycle', () => {
    it('keeps data across close and reopen (a restart) without re-running migrations', async () => {
      const t = await leg.fresh();
      const first = await openTarget(t);
      const id = await new MetaRepository(first).getOrCreate('instance_id', () => 'abc-123');
      await first.close();

      const { logger, lines } = captureLogger();
      const second = await openTarget(t, undefined, logger);
      expect(await new MetaRepository(second).getOrCreate('instance_id', () => 'other')).toBe(id);
      expect(lines.filter((l) => l.msg === 'applied schema migration')).toEqual([]);
      expect(second.location).toBe(first.location);
    });

    it('ping fails with STORE_UNAVAILABLE once closed; close is idempotent', async () => {
      const store = await openTarget(await leg.fresh());
      await store.ping();
      await store.close();
      await store.close();
      await expectStewardError(store.ping(), 'STORE_UNAVAILABLE', /did not answer/);
    });
  });
}

const LEGS: Leg[] = [pgliteLeg(), ...(PG_URL ? [postgresLeg(PG_URL)] : [])];

describe.each(LEGS)('store contract: $name', (leg) => contract(leg));

if (!PG_URL) {
  // Registered so the skipped leg shows up in the run's counts and names.
  describe.skip('store contract: postgres (SKIPPED: set STEWARD_TEST_PG_URL, e.g. eval "$(.ci/postgres.sh)")', () =>
    contract(postgresLeg(undefined)),
  );
}

describe('pglite store: directory, lock', () => {
  // Most tests start from a copy of an initdb'd directory (initdb takes seconds); the first one runs initdb for real.
  const leg = pgliteLeg();
  let root: string;
  const open: Store[] = [];
  const children: number[] = [];
  beforeAll(async () => {
    await leg.setup();
    root = (await leg.fresh()).baseDir;
  }, 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    for (const pid of children.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  afterAll(() => leg.teardown());

  const cfg = (p?: string) => ({ ...(p === undefined ? {} : { path: p }), poolSize: 1, connect: CONNECT });
  const openAt = async (baseDir: string, p?: string, logger = silent) => {
    const s = await openStore(cfg(p), { baseDir, logger });
    open.push(s);
    return s;
  };
  /** Absolute path of a fresh, initdb'd data directory. */
  const freshDir = async () => {
    const t = await leg.fresh();
    return path.join(t.baseDir, t.config.path!);
  };

  it(`creates the default ${DEFAULT_STORE_PATH} under baseDir (initdb), holds the lock while open, releases it on close`, async () => {
    const base = path.join(root, 'default');
    const store = await openAt(base);
    const dir = path.join(base, DEFAULT_STORE_PATH);
    expect(store.kind).toBe('pglite');
    expect(store.location).toBe(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toEqual(ownLock());
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.steward-write-probe'))).toEqual([]);
    await store.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it('resolves a relative store.path against baseDir and accepts an absolute one as is', async () => {
    const dir = await freshDir();
    const rel = path.relative(root, dir);
    const s1 = await openAt(root, `nested/../${rel}`);
    expect(s1.location).toBe(dir);
    await s1.close();
    const s2 = await openAt('/somewhere/else', dir);
    expect(s2.location).toBe(dir);
  });

  it('fails with STORE_NOT_WRITABLE when the path cannot be a directory', async () => {
    const file = path.join(root, 'a-regular-file');
    fs.writeFileSync(file, 'not a directory');
    const dir = path.join(file, 'data');
    const expected = `store.path ${dir} is not writable: ENOTDIR: not a directory, mkdir '${dir}'`;
    await expectStewardError(openAt(root, dir), 'STORE_NOT_WRITABLE', expected);
    await expectStewardError(openAt(root, 'a-regular-file/data'), 'STORE_NOT_WRITABLE', expected);
  });

  it('refuses a second open of the same directory with STORE_LOCKED while the first is open', async () => {
    const dir = await freshDir();
    const first = await openAt(root, dir);
    await expectStewardError(
      openAt(root, dir),
      'STORE_LOCKED',
      `store.path ${dir} is in use by another Steward process (pid ${process.pid})`,
    );
    // the refused open touched nothing: the first store still works and still holds the lock
    await first.ping();
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toEqual(ownLock());
    await first.close();
    const second = await openAt(root, dir);
    await second.ping();
  });

  it('refuses a directory locked by another live process, leaving its lock alone', async () => {
    const dir = await freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child.pid!);
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${child.pid}\n`);
    await expectStewardError(
      openAt(root, dir),
      'STORE_LOCKED',
      `store.path ${dir} is in use by another Steward process (pid ${child.pid})`,
    );
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${child.pid}\n`);
  });

  it('replaces a stale lock left by a process that is gone', async () => {
    const dir = await freshDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(deadPid).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${deadPid}\n`);
    const { logger, lines } = captureLogger();
    const store = await openAt(root, dir, logger);
    await store.ping();
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toEqual(ownLock());
    expect(lines.some((l) => l.level === WARN && l.stalePid === deadPid)).toBe(true);
    await store.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('a lock naming a live process that is not Steward (pid 1 after a container restart) is stale', async () => {
    const dir = await freshDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), '1\n');
    const store = await openAt(root, dir);
    await store.ping();
  });

  it('a bare-pid lock written before that live Node process started (a restarted container reusing the pid) is stale', async () => {
    const dir = await freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child.pid!);
    const lock = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lock, `${child.pid}\n`);
    // Written while the child ran: held (the test above). Dated a minute before the child existed: not its lock.
    const before = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, before, before);
    const { logger, lines } = captureLogger();
    const store = await openAt(root, dir, logger);
    await store.ping();
    expect(lines.some((l) => l.level === WARN && l.stalePid === child.pid)).toBe(true);
  });

  it('a lock naming a live pid with another start time (the pid was reused) is stale; the same start time is held', async () => {
    const dir = await freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child.pid!);
    const lock = path.join(dir, LOCK_FILE);
    const started = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    const owner = { ...ownLock(), pid: child.pid };
    fs.writeFileSync(lock, `${JSON.stringify({ ...owner, started })}\n`);
    await expectStewardError(openAt(root, dir), 'STORE_LOCKED', `store.path ${dir} is in use by another Steward process (pid ${child.pid})`);
    fs.writeFileSync(lock, `${JSON.stringify({ ...owner, started: '1' })}\n`);
    const store = await openAt(root, dir);
    await store.ping();
  });

  it('a lock from another host whose heartbeat moves is held; one silent for a minute is stale', async () => {
    const dir = await freshDir();
    const lock = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lock, `${JSON.stringify({ pid: 4242, host: 'elsewhere', started: '99' })}\n`);
    const beat = setInterval(() => fs.utimesSync(lock, new Date(), new Date()), 200); // the holder's heartbeat
    try {
      const err = await expectStewardError(openAt(root, dir), 'STORE_LOCKED');
      expect(err.message).toMatch(/pid 4242 on host elsewhere, alive \d+ s ago; taken over after 60 s of silence/);
    } finally {
      clearInterval(beat);
    }
    const old = new Date(Date.now() - 61_000);
    fs.utimesSync(lock, old, old);
    const store = await openAt(root, dir);
    await store.ping();
  });

  it('a lock from another host that falls silent (a recreated container has a new host name) is waited out, not refused', async () => {
    const dir = await freshDir();
    const lock = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lock, `${JSON.stringify({ pid: 4242, host: 'old-container', started: '99' })}\n`);
    const lastBeat = new Date(Date.now() - 57_000); // three seconds from stale
    fs.utimesSync(lock, lastBeat, lastBeat);
    const { logger, lines } = captureLogger();
    const store = await openAt(root, dir, logger);
    await store.ping();
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^the store lock is held from another host: watching its heartbeat/), 'replacing a stale store lock left by a process that is gone']));
    expect(JSON.parse(fs.readFileSync(lock, 'utf8'))).toEqual(ownLock());
  }, 60_000);

  it('a store.path under /proc fails at once with STORE_NOT_WRITABLE (Node\'s recursive mkdir spins forever there)', async () => {
    await expectStewardError(openAt(root, '/proc/steward-test/data'), 'STORE_NOT_WRITABLE', "store.path /proc/steward-test/data is not writable: ENOENT: no such file or directory, mkdir '/proc/steward-test'");
  });

  it('treats a lock without a pid as held while fresh (its owner may be writing it) and as stale once old', async () => {
    const dir = await freshDir();
    const lock = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lock, '');
    await expectStewardError(
      openAt(root, dir),
      'STORE_LOCKED',
      `store.path ${dir} is in use by another Steward process (pid unknown)`,
    );
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const store = await openAt(root, dir);
    await store.ping();
  });

  it('warns when store.query() is issued inside a transaction callback (awaiting it there would deadlock)', async () => {
    const { logger, lines } = captureLogger();
    const store = await openAt(root, await freshDir(), logger);
    let later: Promise<unknown> | undefined;
    await store.transaction(async (tx) => {
      later = store.query('SELECT 1 AS one'); // not awaited here: it runs once the transaction is over
      await tx.query('SELECT 1');
    });
    expect(await later).toEqual({ rows: [{ one: 1 }], rowCount: 1 });
    expect(lines.filter((l) => l.level === WARN).map((l) => l.msg)).toEqual([
      "store.query() called inside store.transaction(): use the transaction's tx; awaiting this there deadlocks on PGlite",
    ]);
  });

  it('releases the lock when PGlite cannot start on the directory', async () => {
    const dir = await freshDir();
    fs.writeFileSync(path.join(dir, 'PG_VERSION'), '9\n'); // a data directory from an incompatible PostgreSQL
    const err = await expectStewardError(openAt(root, dir), 'STORE_UNAVAILABLE');
    expect(err.message).toContain(`cannot start the embedded database in ${dir}: `);
    expect(err.message).toContain('FATAL: database files are incompatible with server');
    expect(err.message).toContain('DETAIL: The data directory was initialized by PostgreSQL version 9');
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('postgres store: connecting (needs no server)', () => {
  it('gives up with STORE_UNAVAILABLE after 1 + retries attempts, logging each, never showing the password', async () => {
    const port = await unusedPort();
    const password = 'pa55-w0rd-SECRET';
    const url = `postgres://steward:${password}@127.0.0.1:${port}/steward`;
    const { logger, lines, text } = captureLogger();
    const started = Date.now();
    const err = await expectStewardError(
      openStore(
        { url, poolSize: 2, connect: { retries: 2, initialDelayMs: 20, maxDelayMs: 30, timeoutMs: 2000 } },
        { baseDir: os.tmpdir(), logger },
      ),
      'STORE_UNAVAILABLE',
      `cannot connect to PostgreSQL at postgres://steward:***@127.0.0.1:${port}/steward after 3 attempts: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 30 - 5);
    expect(err.message).not.toContain(password);
    const warns = lines.filter((l) => l.level === WARN);
    expect(warns.map((l) => l.attempt)).toEqual([1, 2, 3]);
    expect(warns.map((l) => l.retryInMs)).toEqual([20, 30, undefined]);
    expect(warns.every((l) => l.store === `postgres://steward:***@127.0.0.1:${port}/steward`)).toBe(true);
    expect(text()).not.toContain(password);
  });
});

(PG_URL ? describe : describe.skip)('postgres store: server behaviour (STEWARD_TEST_PG_URL)', () => {
  const leg = postgresLeg(PG_URL);
  const open: Store[] = [];
  beforeAll(() => leg.setup(), 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => leg.teardown(), 60_000);

  it('lets several daemons start at once on one empty database: each migration is applied exactly once', async () => {
    const t = await leg.fresh();
    const migrations = [...MIGRATIONS, ...EXTRA];
    const captures = Array.from({ length: 6 }, () => captureLogger());
    const stores = await Promise.all(
      captures.map((c) => openStore(t.config, { baseDir: t.baseDir, logger: c.logger, migrations })),
    );
    open.push(...stores);
    const applied = captures.flatMap((c) => c.lines.filter((l) => l.msg === 'applied schema migration').map((l) => l.id));
    expect(applied.sort((a, b) => Number(a) - Number(b))).toEqual(migrations.map((m) => m.id));
    expect((await stores[0].query('SELECT count(*) AS n FROM schema_migrations')).rows[0]).toEqual({ n: migrations.length });
  });

  it('hides the password from location, errors and logs when authentication fails', async () => {
    const t = await leg.fresh();
    const u = new URL(t.config.url!);
    u.password = 'definitely-wrong-pw';
    const { logger, text } = captureLogger();
    const err = await expectStewardError(
      openStore({ ...t.config, url: u.toString(), connect: { ...CONNECT, retries: 1, initialDelayMs: 10 } }, {
        baseDir: t.baseDir,
        logger,
      }),
      'STORE_UNAVAILABLE',
      /^cannot connect to PostgreSQL at postgres:\/\/steward:\*\*\*@127\.0\.0\.1:\d+\/steward_test_\w+ after 2 attempts: password authentication failed/,
    );
    expect(err.message).not.toContain('definitely-wrong-pw');
    expect(text()).not.toContain('definitely-wrong-pw');
  });

  it('reports location without the password', async () => {
    const t = await leg.fresh();
    const store = await openStore(t.config, { baseDir: t.baseDir, logger: silent });
    open.push(store);
    const password = new URL(t.config.url!).password;
    expect(store.location).toContain(':***@');
    if (password) expect(store.location).not.toContain(password);
  });

  it('logs, and survives, the server dropping idle pooled connections', async () => {
    const t = await leg.fresh();
    const { logger, lines } = captureLogger();
    const store = await openStore(t.config, { baseDir: t.baseDir, logger });
    open.push(store);
    await Promise.all([store.query('SELECT pg_sleep(0.05)'), store.query('SELECT pg_sleep(0.05)')]);
    const db = new URL(t.config.url!).pathname.slice(1);
    const killed = await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
    expect(killed.rowCount).toBeGreaterThan(0);
    const idleErrors = () => lines.filter((l) => l.level === ERROR && /idle client/.test(l.msg)).length;
    await until('an error logged per dropped connection', () => (idleErrors() >= killed.rowCount! ? true : undefined), 30_000);
    // one logged error per dropped connection, and the process is still here
    expect(idleErrors()).toBe(killed.rowCount);
    await store.ping();
    expect((await store.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a transaction whose connection is killed fails and the pool recovers', async () => {
    const t = await leg.fresh();
    const { logger } = captureLogger();
    const store = await openStore(t.config, { baseDir: t.baseDir, logger });
    open.push(store);
    await expect(
      store.transaction(async (tx) => {
        const me = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await adminQuery('SELECT pg_terminate_backend($1)', [me.rows[0].pid]);
        await tx.query('SELECT 1');
      }),
    ).rejects.toThrow();
    await store.ping();
  });
});
