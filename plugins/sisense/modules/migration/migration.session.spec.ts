import { describe, expect, it } from '@jest/globals';
import { getMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { SisenseClient } from '../../client/sisense.client.js';
import { allowListeners, limitedClient } from './migration.session.js';

/** A client whose requests take `ms` each, counting how many are in flight at once. */
function fakeClient(ms = 5) {
  const stats = { inFlight: 0, most: 0, sent: 0 };
  const client = {
    async request(_method: string, _path: string) {
      stats.sent++;
      stats.inFlight++;
      stats.most = Math.max(stats.most, stats.inFlight);
      await new Promise((r) => setTimeout(r, ms));
      stats.inFlight--;
      return { status: 200, headers: {}, data: [] };
    },
    get(this: SisenseClient, path: string) {
      return this.request('GET', path).then((r) => r.data);
    },
  } as unknown as SisenseClient;
  return { client, stats };
}

describe('migration session: the cap is per request and per deployment', () => {
  it('each request through the limited client takes its own slot, however the calls are grouped', async () => {
    const { client, stats } = fakeClient();
    const limited = limitedClient(client, pLimit(3));
    // One "tool-level" call firing many requests at once (as loadDirectory does) is held to the cap, not to one slot.
    await Promise.all([Promise.all(Array.from({ length: 10 }, () => limited.get('/a'))), limited.get('/b')]);
    expect(stats).toMatchObject({ sent: 11, most: 3, inFlight: 0 });
  });

  it('two deployments each get the cap', async () => {
    const a = fakeClient();
    const b = fakeClient();
    const [la, lb] = [limitedClient(a.client, pLimit(2)), limitedClient(b.client, pLimit(2))];
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? la : lb).get('/x')));
    expect([a.stats.most, b.stats.most]).toEqual([2, 2]);
  });

  it('raises the abort signal\'s listener threshold to what the requests in flight need, never lowering it', () => {
    const signal = new AbortController().signal;
    allowListeners(signal, 16);
    expect(getMaxListeners(signal)).toBe(26);
    allowListeners(signal, 2);
    expect(getMaxListeners(signal)).toBe(26);
  });
});
