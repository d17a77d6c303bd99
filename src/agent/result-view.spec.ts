import { describe, expect, it } from '@jest/globals';
import { privateView, sharedView, summarize } from './result-view.js';

describe('what a model sees of a tool result', () => {
  it('summarises: a list or an object with one list counts items; size is the JSON bytes', () => {
    expect(summarize([1, 2, 3])).toEqual({ count: 3, size: 7 });
    expect(summarize({ dashboards: [{ a: 1 }, { a: 2 }], total: 2 })).toMatchObject({ count: 2 });
    expect(summarize({ a: [1], b: [2] })).toEqual({ size: 17 });
    expect(summarize(null)).toEqual({ size: 4 });
  });

  it('privacy mode shows no content, only the tool, ok and the counts', () => {
    const v = JSON.parse(privateView('sisense.access.users', { users: [{ email: 'ceo@example.com' }] }));
    expect(v).toMatchObject({ tool: 'sisense.access.users', ok: true, count: 1 });
    expect(JSON.stringify(v)).not.toContain('ceo@example.com');
  });

  it('a shared result that fits is shown whole', () => {
    expect(JSON.parse(sharedView('t', { a: [1, 2] }, 1000))).toEqual({ tool: 't', ok: true, result: { a: [1, 2] } });
  });

  it('a long list is cut with a note saying how many items were shown, within the budget', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ id: `dash-${i}`, title: `Dashboard ${i}` }));
    const text = sharedView('t', { items }, 2000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
    const v = JSON.parse(text);
    expect(v.result.items.length).toBeLessThan(500);
    expect(v.result.items[0]).toEqual({ id: 'dash-0', title: 'Dashboard 0' });
    expect(v.truncated).toMatch(/\$\.items: showing \d+ of 500 items/);
  });

  it('long strings are shortened; a result too big in any shape falls back to its beginning', () => {
    const v = JSON.parse(sharedView('t', { text: 'y'.repeat(10_000) }, 800));
    expect(v.result.text.length).toBeLessThan(10_000);
    expect(v.truncated).toContain('string(s) shortened');
    const wide = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`key${i}`, i]));
    const w = sharedView('t', wide, 500);
    expect(Buffer.byteLength(w)).toBeLessThanOrEqual(500);
    expect(JSON.parse(w)).toMatchObject({ resultPrefix: expect.stringMatching(/^\{"key0":0/), truncated: expect.stringContaining('only its beginning') });
  });
});
