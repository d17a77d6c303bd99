import type { JWTPayload } from 'jose';
import { StewardError } from '../common/errors.js';
import type { JwtAuthConfig } from '../config/config.types.js';
import { roleRank, type Principal, type Role } from './roles.js';

/** Longest name taken from a claim (a recorded actor, not a document). */
const MAX_NAME = 200;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A claim by name, or by dotted path into nested objects (`realm_access.roles`, `resource_access.steward.roles`). A
 * top-level claim whose whole name contains dots (Auth0's `https://example.com/roles`) is taken as it is.
 */
export function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let at: unknown = payload;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** A claim's values: a string is one value, a list gives its strings; anything else none. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The highest role roles.map gives any of the values, or undefined. */
export function mappedRole(values: string[], map: Record<string, Role>): Role | undefined {
  let best: Role | undefined;
  for (const v of values) {
    const role = Object.hasOwn(map, v) ? map[v] : undefined;
    if (role && (!best || roleRank(role) > roleRank(best))) best = role;
  }
  return best;
}

const usableName = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '' && v.length <= MAX_NAME && !CONTROL.test(v);

/**
 * The principal of a verified token: `jwt:<name>` (the configured name claim, else preferred_username, else sub) with
 * the highest mapped role of the roles claim, or roles.default. AUTH_TOKEN_INVALID (401) when the token names nobody,
 * AUTH_NO_ROLE (403, naming the claim) when it maps to no role and the default is none.
 */
export function principalOf(payload: JWTPayload, cfg: JwtAuthConfig): { principal: Principal } | { noRole: { name: string; values: string[] } } {
  const nameClaims = cfg.nameClaim ? [cfg.nameClaim, 'sub'] : ['preferred_username', 'sub'];
  const raw = nameClaims.map((c) => claimAt(payload, c)).find(usableName);
  if (raw === undefined) {
    throw new StewardError('AUTH_TOKEN_INVALID', `the token names nobody: it has no usable ${nameClaims.join(' or ')} claim (a string of 1-${MAX_NAME} characters)`);
  }
  const name = `jwt:${raw.trim()}`;
  const values = claimValues(claimAt(payload, cfg.roles.claim));
  const role = mappedRole(values, cfg.roles.map) ?? (cfg.roles.default === 'viewer' ? 'viewer' : undefined);
  return role ? { principal: { name, role } } : { noRole: { name, values } };
}

/** The 403 for a verified token without a role: names the claim and how to fix it, never the claim's values. */
export function noRoleError(name: string, values: string[], claim: string): StewardError {
  const holds = values.length === 0 ? 'is absent or holds no strings' : `holds ${values.length} value${values.length === 1 ? '' : 's'}, none of them mapped`;
  return new StewardError(
    'AUTH_NO_ROLE',
    `the token of "${name}" is valid but gives no Steward role: its claim "${claim}" ${holds} in auth.jwt.roles.map (or set auth.jwt.roles.default: viewer)`,
  );
}
