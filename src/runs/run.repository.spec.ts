import { describe, expect, it } from '@jest/globals';
import { json, storable } from './run.repository.js';

describe('storable: what PostgreSQL text and jsonb can hold', () => {
  it('replaces NUL and unpaired surrogates (in strings and keys) with U+FFFD, deep inside objects and lists', () => {
    const reply = { 'k\u0000': ['a\u0000b', { deep: 'x\uD800y' }], pair: '\uD83D\uDE00', n: 1, ok: true, none: null };
    expect(storable(reply)).toEqual({ 'k\uFFFD': ['a\uFFFDb', { deep: 'x\uFFFDy' }], pair: '\uD83D\uDE00', n: 1, ok: true, none: null });
    expect(storable('lone \uDC00 low')).toBe('lone \uFFFD low');
    expect(storable({ backslashThenNul: '\\\u0000' })).toEqual({ backslashThenNul: '\\\uFFFD' });
    expect(JSON.parse(json(reply)!)).toEqual(storable(reply));
  });

  it('leaves clean values alone (the same object) and stores them as they are', () => {
    const clean = { message: 'a\\u0000 written out is six characters', emoji: '\uD83D\uDE00' };
    expect(storable(clean)).toBe(clean);
    expect(json(clean)).toBe(JSON.stringify(clean));
    expect(json(undefined)).toBeNull();
  });
});
