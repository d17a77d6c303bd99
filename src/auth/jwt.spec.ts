import { tmpdir } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, StewardError as Err, type StewardError } from '../common/errors.js';
import { fromText } from '../config/config.loader.js';
import type { JwtAuthConfig } from '../config/config.types.js';
import { claimAt, claimValues, mappedRole, principalOf } from './jwt.claims.js';
import { challenge, metadataUrl, protectedResourceMetadata } from './oauth-metadata.js';

const load = (yaml: string) => fromText('steward.yaml', yaml, tmpdir(), {});
function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).errors!.map((x) => `${x.line ?? '-'}: ${x.path}: ${x.message}`);
  }
  throw new Error('expected the config to be rejected');
}

const CFG: JwtAuthConfig = {
  issuer: 'https://idp.example.com/realms/bi',
  audience: 'steward',
  algorithms: ['RS256'],
  clockTolerance: '30s',
  jwksCooldown: '30s',
  roles: { claim: 'groups', map: { 'bi-viewers': 'viewer', 'bi-ops': 'operator', 'bi-admins': 'admin' }, default: 'none' },
};

describe('auth.jwt in steward.yaml', () => {
  it('takes the defaults: RS256 and ES256, 30s tolerance and cooldown, roles claim, no default role', () => {
    const { config } = load('auth:\n  jwt:\n    issuer: https://idp.example.com/realms/bi\n    audience: steward\n    roles: { map: { bi-ops: operator } }\n');
    expect(config.auth.jwt).toEqual({
      issuer: 'https://idp.example.com/realms/bi',
      audience: 'steward',
      algorithms: ['RS256', 'ES256'],
      clockTolerance: '30s',
      jwksCooldown: '30s',
      roles: { claim: 'roles', map: { 'bi-ops': 'operator' }, default: 'none' },
    });
    expect(config.auth.tokens).toEqual([]);
  });

  it('names the path of every mistake', () => {
    const out = problems(
      [
        'auth:',
        '  jwt:',
        '    issuer: http://idp.example.com',
        '    audience: []',
        '    jwksUri: ftp://idp.example.com/keys',
        '    algorithms: [HS256]',
        '    clockTolerance: soon',
        '    roles: { claim: groups, map: { bi-ops: superuser }, default: admin }',
      ].join('\n'),
    );
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^4: auth\.jwt\.audience: .*fewer than 1 items/),
        expect.stringMatching(/^5: auth\.jwt\.jwksUri: must be an https URL/),
        expect.stringMatching(/^6: auth\.jwt\.algorithms\[0\]: must be one of/),
        expect.stringMatching(/^7: auth\.jwt\.clockTolerance: must be a duration/),
        expect.stringMatching(/^8: auth\.jwt\.roles\.map\.bi-ops: must be one of/),
        expect.stringMatching(/^8: auth\.jwt\.roles\.default: must be one of/),
      ]),
    );
  });

  it('refuses an http issuer other than localhost, and a map that could give nobody a role', () => {
    expect(problems('auth:\n  jwt: { issuer: "http://idp.example.com", audience: steward, roles: { map: {} } }\n')).toEqual([
      expect.stringMatching(/^2: auth\.jwt\.issuer: must be an https URL \(http only for localhost\)/),
      expect.stringMatching(/^2: auth\.jwt\.roles\.map: maps no claim value to a role and roles\.default is none/),
    ]);
    expect(() => load('auth:\n  jwt: { issuer: "http://127.0.0.1:9000", audience: steward, roles: { map: {}, default: viewer } }\n')).not.toThrow();
  });

  it('requires issuer, audience and roles', () => {
    expect(problems('auth:\n  jwt: {}\n')).toEqual(['2: auth.jwt.issuer: is required', '2: auth.jwt.audience: is required', '2: auth.jwt.roles: is required']);
  });
});

describe('JWT claims to a principal', () => {
  it('finds claims by name or dotted path, a dotted name taken whole first', () => {
    const p = { realm_access: { roles: ['a', 'b'] }, 'https://x.example/roles': ['c'], groups: 'one', n: 1 };
    expect(claimAt(p, 'realm_access.roles')).toEqual(['a', 'b']);
    expect(claimAt(p, 'https://x.example/roles')).toEqual(['c']);
    expect(claimAt(p, 'realm_access.nope')).toBeUndefined();
    expect(claimAt(p, 'constructor')).toBeUndefined();
    expect(claimValues('one')).toEqual(['one']);
    expect(claimValues(['a', 2, 'b', null])).toEqual(['a', 'b']);
    expect(claimValues(1)).toEqual([]);
  });

  it('takes the highest mapped role; ignores what is not mapped, prototype names included', () => {
    expect(mappedRole(['bi-viewers', 'bi-admins', 'bi-ops'], CFG.roles.map)).toBe('admin');
    expect(mappedRole(['other', 'bi-ops'], CFG.roles.map)).toBe('operator');
    expect(mappedRole(['toString', '__proto__', 'constructor'], CFG.roles.map)).toBeUndefined();
  });

  it('names the caller jwt:<preferred_username>, else jwt:<sub>, or the configured claim', () => {
    expect(principalOf({ sub: 'u1', preferred_username: 'alice', groups: ['bi-ops'] }, CFG)).toEqual({ principal: { name: 'jwt:alice', role: 'operator' } });
    expect(principalOf({ sub: 'u1', groups: 'bi-viewers' }, CFG)).toEqual({ principal: { name: 'jwt:u1', role: 'viewer' } });
    expect(principalOf({ sub: 'u1', email: 'a@x.example', groups: ['bi-ops'] }, { ...CFG, nameClaim: 'email' })).toEqual({ principal: { name: 'jwt:a@x.example', role: 'operator' } });
    expect(principalOf({ sub: 'u1', preferred_username: 'bad\nname', groups: ['bi-ops'] }, CFG)).toEqual({ principal: { name: 'jwt:u1', role: 'operator' } });
    let err: StewardError | undefined;
    try {
      principalOf({ groups: ['bi-ops'] }, CFG);
    } catch (e) {
      err = e as StewardError;
    }
    expect([err?.code, err?.status, err?.message]).toEqual(['AUTH_TOKEN_INVALID', 401, 'the token names nobody: it has no usable preferred_username or sub claim (a string of 1-200 characters)']);
  });

  it('an unmapped token has no role unless roles.default is viewer', () => {
    expect(principalOf({ sub: 'u1', groups: ['x'] }, CFG)).toEqual({ noRole: { name: 'jwt:u1', values: ['x'] } });
    expect(principalOf({ sub: 'u1' }, { ...CFG, roles: { ...CFG.roles, default: 'viewer' } })).toEqual({ principal: { name: 'jwt:u1', role: 'viewer' } });
  });
});

describe('protected-resource metadata and the 401 challenge', () => {
  const req = (path: string) => ({ protocol: 'http', path, headers: { host: '127.0.0.1:8080' } });

  it('publishes /mcp as the resource and the issuer as its authorization server', () => {
    expect(protectedResourceMetadata({ ...CFG, scopes: ['steward'] }, 'https://steward.example.com')).toEqual({
      resource: 'https://steward.example.com/mcp',
      authorization_servers: ['https://idp.example.com/realms/bi'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['steward'],
      resource_name: 'Steward',
      resource_documentation: 'https://steward.example.com/docs',
    });
  });

  it('points /mcp at the /mcp-suffixed metadata and the API at the root one; publicUrl wins over Host', () => {
    expect(metadataUrl(req('/mcp'))).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp');
    expect(metadataUrl(req('/runs'))).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource');
    expect(metadataUrl(req('/mcpx'), 'https://steward.example.com/')).toBe('https://steward.example.com/.well-known/oauth-protected-resource');
  });

  it('adds resource_metadata to 401s, error= where a credential was given, and leaves other errors alone', () => {
    const missing = challenge(new Err('AUTH_MISSING_TOKEN', 'no header'), req('/mcp'));
    expect(missing.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="steward", resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"' });
    const expired = challenge(new Err('AUTH_TOKEN_INVALID', 'the bearer JWT was rejected: it expired at "x"\\'), req('/runs'));
    expect(expired.headers!['WWW-Authenticate']).toBe(
      'Bearer realm="steward", resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource", error="invalid_token", error_description="the bearer JWT was rejected: it expired at  x  "',
    );
    expect([expired.code, expired.message]).toEqual(['AUTH_TOKEN_INVALID', 'the bearer JWT was rejected: it expired at "x"\\']);
    const forbidden = new Err('AUTH_NO_ROLE', 'no role');
    expect(challenge(forbidden, req('/mcp'))).toBe(forbidden);
  });
});
