import { describe, expect, it } from '@jest/globals';
import type { Queryable, Store } from './store.types.js';
import { retryingTransaction } from './transaction-retry.js';

/** A store whose transactions fail with the given PostgreSQL codes, in order, then succeed. */
function failing(codes: string[]): Store & { attempts: number } {
  const store = {
    kind: 'postgres' as const,
    location: 'test',
    attempts: 0,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const code = codes[store.attempts++];
      const result = await fn({ query: async () => ({ rows: [], rowCount: 0 }) as never });
      if (code) throw Object.assign(new Error(`failed with ${code}`), { code });
      return result;
    },
    query: async () => ({ rows: [], rowCount: 0 }) as never,
    ping: async () => undefined,
    close: async () => undefined,
  };
  return store;
}

describe('retryingTransaction', () => {
  it('runs a transaction aborted as a deadlock victim or a serialization failure again', async () => {
    const store = failing(['40P01', '40001']);
    expect(await retryingTransaction(store, async () => 'done')).toBe('done');
    expect(store.attempts).toBe(3);
  });

  it('gives up after the bounded number of attempts, and never retries other errors', async () => {
    const stuck = failing(['40P01', '40P01', '40P01']);
    await expect(retryingTransaction(stuck, async () => 'never', 3)).rejects.toMatchObject({ code: '40P01' });
    expect(stuck.attempts).toBe(3);
    const other = failing(['23505']);
    await expect(retryingTransaction(other, async () => 'never')).rejects.toMatchObject({ code: '23505' });
    expect(other.attempts).toBe(1);
  });
});
