import type { StewardConfig } from '../config/config.types.js';

/** What the schema cannot say about auth.jwt; each problem with its path (the loader adds the YAML line). */
export function jwtConfigProblems(config: StewardConfig): { path: (string | number)[]; message: string }[] {
  const jwt = config.auth.jwt;
  if (!jwt) return [];
  const out: { path: (string | number)[]; message: string }[] = [];
  if (!secureUrl(jwt.issuer)) out.push({ path: ['auth', 'jwt', 'issuer'], message: 'must be an https URL (http only for localhost): its keys are fetched from it' });
  if (jwt.jwksUri !== undefined && !secureUrl(jwt.jwksUri)) out.push({ path: ['auth', 'jwt', 'jwksUri'], message: 'must be an https URL (http only for localhost)' });
  if (Object.keys(jwt.roles.map).length === 0 && jwt.roles.default === 'none') {
    out.push({ path: ['auth', 'jwt', 'roles', 'map'], message: 'maps no claim value to a role and roles.default is none: every token would be refused; map at least one value (e.g. { bi-admins: admin })' });
  }
  return out;
}

/** https, or http to this machine (a local issuer). */
export function secureUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}
