import { describe, expect, it } from '@jest/globals';
import { type StewardError } from '../common/errors.js';
import { TokenService, sha256, tokenDigestLine } from './token.service.js';

const literal = 'viewer-token-0123456789';
const hashed = 'admin-token-0123456789';
const svc = new TokenService([
  { name: 'dash', token: literal, role: 'viewer' },
  { name: 'ops', token: `sha256:${sha256(hashed).toString('hex')}`, role: 'admin' },
]);

function failure(fn: () => unknown): StewardError {
  try {
    fn();
  } catch (e) {
    return e as StewardError;
  }
  throw new Error('expected a failure');
}

describe('TokenService', () => {
  it('accepts literal and sha256-configured tokens', () => {
    expect(svc.authenticate(`Bearer ${literal}`)).toEqual({ name: 'dash', role: 'viewer' });
    expect(svc.authenticate(`Bearer ${hashed}`)).toEqual({ name: 'ops', role: 'admin' });
  });

  it('takes the Bearer scheme in any case (RFC 9110: schemes are case-insensitive)', () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) expect(svc.authenticate(`${scheme} ${literal}`)).toEqual({ name: 'dash', role: 'viewer' });
  });

  it('says what is wrong without echoing the token', () => {
    const missing = failure(() => svc.authenticate(undefined));
    expect([missing.code, missing.status]).toEqual(['AUTH_MISSING_TOKEN', 401]);
    const malformed = failure(() => svc.authenticate('Token abc'));
    expect(malformed.code).toBe('AUTH_MALFORMED_TOKEN');
    expect(malformed.message).not.toContain('abc');
    const unknown = failure(() => svc.authenticate('Bearer not-a-known-token-123'));
    expect(unknown.code).toBe('AUTH_INVALID_TOKEN');
    expect(unknown.message).not.toContain('not-a-known-token-123');
  });

  it('orders roles viewer < operator < approver < admin', () => {
    const viewer = svc.authenticate(`Bearer ${literal}`);
    expect(() => svc.authorize(viewer, 'viewer')).not.toThrow();
    const denied = failure(() => svc.authorize(viewer, 'operator'));
    expect([denied.code, denied.status, denied.message]).toEqual(['AUTH_FORBIDDEN', 403, 'token "dash" has role viewer; this needs operator or higher']);
    expect(() => svc.authorize({ name: 'x', role: 'admin' }, 'approver')).not.toThrow();
  });
});

describe('TokenService.replace (a reload of auth.tokens)', () => {
  it('accepts added tokens and refuses removed ones from the next call; a changed role counts as removed and added', () => {
    const s = new TokenService([{ name: 'a', token: 'token-a-0123456789', role: 'viewer' }]);
    const r = s.replace([
      { name: 'a', token: 'token-a-0123456789', role: 'approver' },
      { name: 'b', token: tokenDigestLine('token-b-0123456789'), role: 'operator' },
    ]);
    expect(r).toEqual({ added: ['a', 'b'], removed: ['a'], count: 2 });
    expect(s.authenticate('Bearer token-a-0123456789')).toEqual({ name: 'a', role: 'approver' });
    expect(s.authenticate('Bearer token-b-0123456789')).toEqual({ name: 'b', role: 'operator' });
    s.replace([{ name: 'b', token: tokenDigestLine('token-b-0123456789'), role: 'operator' }]);
    expect(failure(() => s.authenticate('Bearer token-a-0123456789')).code).toBe('AUTH_INVALID_TOKEN');
  });

  it('an empty list falls back to what the daemon uses without tokens (its local admin token)', () => {
    const s = new TokenService([{ name: 'a', token: 'token-a-0123456789', role: 'viewer' }]);
    s.whenEmpty = () => [{ name: 'local-admin', token: 'local-admin-0123456789', role: 'admin' }];
    expect(s.replace([])).toEqual({ added: ['local-admin'], removed: ['a'], count: 1 });
    expect(s.authenticate('Bearer local-admin-0123456789').name).toBe('local-admin');
  });

  it('tokenDigestLine is the sha256: line auth.tokens accepts', () => {
    expect(tokenDigestLine('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('TokenService for console sessions (identify, refs, onReplace)', () => {
  it('identifies a token given in clear, with a ref that names its entry without revealing the token', () => {
    const s = new TokenService([{ name: 'a', token: 'token-a-0123456789', role: 'viewer' }]);
    const who = s.identify('token-a-0123456789');
    expect(who?.principal).toEqual({ name: 'a', role: 'viewer' });
    expect(who?.ref).toMatch(/^[0-9a-f]{64}$/);
    expect(who?.ref).not.toBe(sha256('token-a-0123456789').toString('hex'));
    expect(s.identify('token-b-0123456789')).toBeUndefined();
    expect(s.accepts(who!.ref)).toBe(true);
    expect(s.refs()).toEqual([who!.ref]);
  });

  it('a ref stops being accepted when its token, name or role changes at a reload; listeners hear every reload', () => {
    const s = new TokenService([{ name: 'a', token: 'token-a-0123456789', role: 'viewer' }]);
    const ref = s.identify('token-a-0123456789')!.ref;
    let heard = 0;
    s.onReplace(() => heard++);
    s.replace([{ name: 'a', token: 'token-a-0123456789', role: 'operator' }]);
    expect(s.accepts(ref)).toBe(false);
    s.replace([{ name: 'b', token: 'token-a-0123456789', role: 'viewer' }]);
    expect(s.accepts(ref)).toBe(false);
    s.replace([{ name: 'a', token: tokenDigestLine('token-a-0123456789'), role: 'viewer' }]);
    expect(s.accepts(ref)).toBe(true); // the same token written as its sha256 line is the same entry
    expect(heard).toBe(3);
  });
});
