import type { Queryable, Store } from './store.types.js';

/** PostgreSQL's answers that mean "try the whole transaction again": serialization failure, deadlock detected. */
const RETRYABLE = new Set(['40001', '40P01']);

export const isRetryable = (e: unknown): boolean => RETRYABLE.has((e as { code?: unknown } | null)?.code as string);

/**
 * store.transaction(fn), run again (a bounded number of times, after a short random pause) when PostgreSQL aborted
 * it as a serialization failure or a deadlock victim. fn must only touch the database (and state it resets itself):
 * it may run more than once. Locks are taken in one order everywhere (run, then approval, then steps), so this is a
 * safety net, not the way races are decided.
 */
export async function retryingTransaction<T>(store: Store, fn: (tx: Queryable) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(fn);
    } catch (e) {
      if (attempt >= attempts || !isRetryable(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.round(Math.random() * 20 * attempt)));
    }
  }
}
