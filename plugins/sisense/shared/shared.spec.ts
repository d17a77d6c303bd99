import { describe, expect, it } from '@jest/globals';
import type { ResolvedEnvironment, ToolError } from '../../../src/plugins/plugin-api.js';
import { SisenseApiError } from '../client/sisense.client.js';
import { asArray, scrub, toToolError, whereOf } from './errors.js';
import { columnsOf, parseDim } from './jaql.js';
import { pickOne } from './lookup.js';
import { change, plan } from './plan.js';

const env: ResolvedEnvironment = { name: 'prod', kind: 'sisense', url: 'https://bi.example.com/sisense/?x=1', token: 'tok-SECRET-123', tls: { verify: true }, options: {} };
const apiError = (over: Partial<ConstructorParameters<typeof SisenseApiError>[0]>) =>
  new SisenseApiError({ status: 500, code: 'HTTP_500', title: 'x', detail: 'boom', method: 'GET', path: '/api/v1/users', shape: 'bare', ...over });
const mapped = (e: unknown) => toToolError(e, env) as ToolError;

describe('toToolError', () => {
  it('maps each failure to a code whose message names the URL, never the token', () => {
    expect(whereOf(env)).toBe('https://bi.example.com/sisense');
    expect(mapped(apiError({ status: 401, shape: 'v1', code: '5' }))).toMatchObject({ code: 'SISENSE_UNAUTHORIZED', message: 'token rejected by https://bi.example.com/sisense (environment "prod"): the API token is wrong or expired' });
    expect(mapped(apiError({ status: 403, detail: 'No access' })).code).toBe('SISENSE_FORBIDDEN');
    expect(mapped(apiError({ status: 0, shape: 'transport', code: 'CONNECTION', detail: 'connect ECONNREFUSED 10.0.0.1:443' }))).toMatchObject({ code: 'SISENSE_UNREACHABLE', detail: { environment: 'prod', status: 0, attempts: 1 } });
    expect(mapped(apiError({ status: 0, shape: 'transport', code: 'TLS', detail: 'TLS verification failed' })).code).toBe('SISENSE_TLS');
    expect(mapped(apiError({ status: 0, shape: 'transport', code: 'CONNECTION', detail: 'write EPROTO ... wrong version number' })).code).toBe('SISENSE_TLS');
    expect(mapped(apiError({ status: 0, shape: 'transport', code: 'TIMEOUT' })).code).toBe('SISENSE_TIMEOUT');
    expect(mapped(apiError({ status: 200, shape: 'other', code: 'INVALID_JSON' })).code).toBe('SISENSE_BAD_RESPONSE');
    expect(mapped(apiError({ status: 502 }))).toMatchObject({ code: 'SISENSE_HTTP_502', message: 'https://bi.example.com/sisense answered 502 to GET /api/v1/users: boom' });
    expect(mapped(apiError({ status: 400, detail: 'bad token tok-SECRET-123 echoed' })).message).toBe('https://bi.example.com/sisense answered 400 to GET /api/v1/users: bad token [redacted] echoed');
    const other = new Error('x');
    expect(toToolError(other, env)).toBe(other);
    expect(scrub('a tok-SECRET-123 b', { ...env, token: 'ab' })).toBe('a tok-SECRET-123 b');
  });

  it('asArray refuses a non-array answer with SISENSE_BAD_RESPONSE', () => {
    expect(() => asArray('<html>', 'users')).toThrow(expect.objectContaining({ code: 'SISENSE_BAD_RESPONSE', message: 'unexpected answer for users: expected a JSON array, got text' }));
  });
});

describe('pickOne', () => {
  const items = [{ id: '1', name: 'Sales' }, { id: '2', name: 'sales' }, { id: '3', name: 'Finance' }];
  const pick = (ref: string) => pickOne('group', ref, items, (i) => i.name, (i) => ({ id: i.id, name: i.name }));
  it('prefers an exact match, then a case-insensitive unique one; else NOT_FOUND or AMBIGUOUS with candidates', () => {
    expect(pick('Sales').id).toBe('1');
    expect(pick('finance').id).toBe('3');
    expect(() => pick('SALES')).toThrow(expect.objectContaining({ code: 'AMBIGUOUS', detail: { kind: 'group', ref: 'SALES', candidates: [{ id: '1', name: 'Sales' }, { id: '2', name: 'sales' }] } }));
    expect(() => pick('HR')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'no group matches "HR"' }));
  });
});

describe('jaql', () => {
  it('parses dims, date levels included, and collects columns from filters, panels and formula contexts', () => {
    expect(parseDim('[Commerce.Date (Calendar)]')).toEqual({ table: 'Commerce', column: 'Date' });
    expect(parseDim('[Orders.Promo Code]')).toEqual({ table: 'Orders', column: 'Promo Code' });
    expect(parseDim('Revenue')).toBeUndefined();
    const used = columnsOf({ filters: [{ levels: [{ dim: '[T.A]' }] }] }, [{ title: 'W', metadata: { panels: [{ items: [{ jaql: { formula: 'SUM([x])', context: { '[x]': { dim: '[T.B]' } } } }, { jaql: { dim: '[T.A]' } }] }] } }]);
    expect(used).toEqual([
      { table: 'T', column: 'A', usedBy: ['dashboard filter', 'widget "W"'] },
      { table: 'T', column: 'B', usedBy: ['widget "W"'] },
    ]);
  });
});

describe('plan', () => {
  it('summarises the changes by action', () => {
    expect(plan('share-add', [change('create', 'a'), change('create', 'b'), change('skip', 'c', 'same')]).summary).toBe('share-add: 2 create, 1 skip');
    expect(plan('x', []).summary).toBe('x: nothing to do');
  });
});
