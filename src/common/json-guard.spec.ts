import { describe, expect, it } from '@jest/globals';
import { badText, jsonProblem, MAX_JSON_DEPTH } from './json-guard.js';

describe('badText', () => {
  it('names U+0000 and a lone surrogate of either half; paired surrogates (emoji) and other text pass', () => {
    expect(badText('a\u0000b')).toBe('contains U+0000 (a NUL character), which cannot be stored');
    expect(badText('a\ud800b')).toBe('contains a lone UTF-16 surrogate (U+D800), which is not valid Unicode');
    expect(badText('a\udc00')).toBe('contains a lone UTF-16 surrogate (U+DC00), which is not valid Unicode');
    expect(badText('ok \u{1F600} \uFFFD \\u0000')).toBeUndefined();
  });
});

describe('jsonProblem', () => {
  it('finds the first bad string or key with its path under the given root', () => {
    expect(jsonProblem({ a: [1, { 'b c': 'x\u0000' }] }, 'input')).toEqual({ path: 'input.a[1]["b c"]', message: expect.stringContaining('U+0000') });
    expect(jsonProblem({ ['k\ud800']: 1 })).toEqual({ path: '(body)', message: expect.stringMatching(/^a key contains a lone UTF-16 surrogate/) });
    expect(jsonProblem({ a: 'fine', b: [null, true, 1.5] })).toBeUndefined();
  });

  it(`refuses nesting past ${MAX_JSON_DEPTH} levels without recursing (100,000 deep does not overflow)`, () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonProblem(deep)).toEqual({ path: expect.stringMatching(/^\[0\]/), message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
    let ok: unknown = 'x';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = [ok];
    expect(jsonProblem(ok)).toBeUndefined();
  });
});
