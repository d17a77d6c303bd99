import { describe, expect, it } from '@jest/globals';
import { changesState, sessionCookie } from './session.js';

describe('console session cookie and methods', () => {
  it('finds steward_session among other cookies; the first one when repeated; undefined when absent', () => {
    expect(sessionCookie('a=1; steward_session=abc; b=2')).toBe('abc');
    expect(sessionCookie('steward_session=first; steward_session=second')).toBe('first');
    expect(sessionCookie('steward_sessionx=1; xsteward_session=2')).toBeUndefined();
    expect(sessionCookie('steward_session=')).toBe('');
    expect(sessionCookie(undefined)).toBeUndefined();
    expect(sessionCookie('')).toBeUndefined();
  });

  it('every method but GET, HEAD and OPTIONS changes state (and needs the CSRF header)', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'post', 'PROPFIND']) expect([m, changesState(m)]).toEqual([m, true]);
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'get']) expect([m, changesState(m)]).toEqual([m, false]);
  });
});
