import { describe, expect, it } from '@jest/globals';
import { errorFromResponse } from './sisense.errors.js';
import { backoffMs, isIdempotent, isRetryableStatus, parseRetryAfter } from './sisense.retry.js';

describe('errorFromResponse', () => {
  it('reads the v1 shape', () => {
    const e = errorFromResponse('GET', '/api/v1/users', 403, JSON.stringify({ error: { code: 2001, message: 'No access', status: 403, httpMessage: 'Forbidden' } }));
    expect(e).toMatchObject({ shape: 'v1', status: 403, code: '2001', title: 'Forbidden', detail: 'No access' });
    expect(e.message).toBe('Sisense GET /api/v1/users failed: 403 2001: No access');
  });

  it('reads the v2 shape', () => {
    const e = errorFromResponse('POST', '/api/v2/datamodel-imports/schema', 400, JSON.stringify({ type: 'about:blank', title: 'ElasticubeAlreadyExists', status: 400, detail: 'exists' }));
    expect(e).toMatchObject({ shape: 'v2', code: 'ElasticubeAlreadyExists', title: 'ElasticubeAlreadyExists', detail: 'exists' });
  });

  it('reads a bare status, an HTML page, and other JSON bodies', () => {
    expect(errorFromResponse('GET', '/x', 422, '')).toMatchObject({ shape: 'bare', code: 'HTTP_422', title: 'Unprocessable Entity', detail: 'Unprocessable Entity' });
    expect(errorFromResponse('GET', '/x', 502, '<html><body><h1>502 Bad Gateway</h1></body></html>')).toMatchObject({ shape: 'bare', detail: '502 Bad Gateway' });
    expect(errorFromResponse('GET', '/x', 400, JSON.stringify({ message: 'bad input' }))).toMatchObject({ shape: 'other', code: 'HTTP_400', detail: 'bad input' });
    expect(errorFromResponse('GET', '/x', 500, JSON.stringify({ error: 'boom' }))).toMatchObject({ shape: 'other', detail: 'boom' });
    expect(errorFromResponse('GET', '/x', 500, 'x'.repeat(1000)).detail).toHaveLength(301);
  });
});

describe('retry policy', () => {
  it('treats GET, PUT, DELETE as idempotent, POST and PATCH only when flagged', () => {
    expect(['GET', 'PUT', 'DELETE', 'POST', 'PATCH'].map((m) => isIdempotent(m, undefined))).toEqual([true, true, true, false, false]);
    expect(isIdempotent('POST', true)).toBe(true);
    expect(isIdempotent('GET', false)).toBe(false);
  });

  it('retries 5xx and 429 but not 501 or 4xx', () => {
    expect([500, 502, 503, 504, 429, 501, 400, 404].map(isRetryableStatus)).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('backs off exponentially with jitter, lets a longer Retry-After win, and caps it', () => {
    const policy = { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, { ...policy, random: () => 1 }))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(1, { ...policy, random: () => 0 })).toBe(50);
    expect(backoffMs(1, { ...policy, random: () => 0 }, 3000)).toBe(3000);
    expect(backoffMs(1, { ...policy, random: () => 0 }, 60_000)).toBe(5000);
  });
});
