import { describe, expect, it } from '@jest/globals';
import { REDACTED, Redactor } from './redactor.js';

describe('Redactor', () => {
  const r = new Redactor(['hunter2-password', 'tok_0123456789abcdef', 'abc']);

  it('removes every configured secret value from strings, longest first', () => {
    expect(r.redactString('login hunter2-password then tok_0123456789abcdef')).toBe(`login ${REDACTED} then ${REDACTED}`);
  });

  it('ignores values too short to redact safely', () => {
    expect(r.redactString('abc')).toBe('abc');
  });

  it('masks bearer credentials and URL passwords it was never told about', () => {
    expect(r.redactString('Authorization: Bearer zzzzzzzzzzzz')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.redactString('postgres://u:p4ss@db/x')).toBe(`postgres://u:${REDACTED}@db/x`);
  });

  it('deep-redacts objects: secret-named keys blanked, strings scrubbed, errors flattened, input untouched', () => {
    const input = {
      headers: { authorization: 'Bearer x', 'x-request-id': 'r1' },
      nested: [{ password: 'p', note: 'pw is hunter2-password' }],
      err: new Error('connect to tok_0123456789abcdef failed'),
    };
    const out = r.redact(input) as Record<string, any>;
    expect(out.headers).toEqual({ authorization: REDACTED, 'x-request-id': 'r1' });
    expect(out.nested).toEqual([{ password: REDACTED, note: `pw is ${REDACTED}` }]);
    expect(out.err.message).toBe(`connect to ${REDACTED} failed`);
    expect(out.err.stack).not.toContain('tok_0123456789abcdef');
    expect(input.headers.authorization).toBe('Bearer x');
  });

  it('survives cycles and secrets added later', () => {
    const a: Record<string, unknown> = { name: 'late-secret-value' };
    a.self = a;
    const late = new Redactor();
    late.add('late-secret-value');
    expect(late.redact(a)).toEqual({ name: REDACTED, self: '[Circular]' });
  });

  it('a value shared by two branches is redacted in both, not mistaken for a cycle', () => {
    const shared = { code: 'X', message: 'boom' };
    expect(new Redactor().redact({ a: shared, b: [shared] })).toEqual({ a: shared, b: [shared] });
  });

  it('scrub() redacts secrets in stored data but keeps keys, shape and depth (no blanking by key name)', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: { m: { n: 'tok_0123456789abcdef' } } } } } } } } } } } } } };
    const out = r.scrub({ token: 'public-id', list: ['pw hunter2-password', 3, null], deep }) as Record<string, any>;
    expect(out.token).toBe('public-id');
    expect(out.list).toEqual([`pw ${REDACTED}`, 3, null]);
    expect(out.deep.a.b.c.d.e.f.g.h.i.j.k.l.m.n).toBe(REDACTED);
    const clean = { x: 'nothing secret' };
    expect(r.scrub(clean)).toBe(clean);
  });

  it('scrub() leaves secrets under 8 characters (a port, a word from ${env:}) that logs still mask: data and ids stay intact', () => {
    const short = new Redactor(['8080', 'admin', 'a-longer-secret']);
    const served = { id: 'run_0mx6e8080abc', role: 'admin', url: 'http://h:8080/x', note: 'a-longer-secret' };
    expect(short.scrub(served)).toEqual({ ...served, note: REDACTED });
    expect(short.redactString('admin on 8080')).toBe(`${REDACTED} on ${REDACTED}`);
  });
});
