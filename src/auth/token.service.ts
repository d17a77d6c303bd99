import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StewardError } from '../common/errors.js';
import type { TokenConfig } from '../config/config.types.js';
import { hasRole, type Principal, type Role } from './roles.js';
import type { SessionAuthenticator } from './session.js';
import type { JwtAuthenticator } from './jwt.authenticator.js';

interface TokenEntry {
  name: string;
  role: Role;
  digest: Buffer;
}

/** The scheme is case-insensitive (RFC 9110 §11.1): `bearer`, `BEARER` and `Bearer` all name it. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})$/i;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="steward"' };

export const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A fresh random token for the local admin (when the config names none). */
export const generateToken = (): string => `stw_${randomBytes(32).toString('base64url')}`;

const toEntries = (tokens: TokenConfig[]): TokenEntry[] =>
  tokens.map((t) => ({
    name: t.name,
    role: t.role,
    digest: t.token.startsWith('sha256:') ? Buffer.from(t.token.slice(7), 'hex') : sha256(t.token),
  }));

const refOf = (e: TokenEntry): string => createHmac('sha256', e.digest).update(`steward-session\u0000${e.name}\u0000${e.role}`).digest('hex');

/** The line to paste into auth.tokens for a token: `sha256:<64 hex>`. */
export const tokenDigestLine = (token: string): string => `sha256:${sha256(token).toString('hex')}`;

/**
 * Checks bearer tokens against the configured ones. Only SHA-256 digests are kept in memory after start, compared in
 * constant time against every entry, and no error message ever repeats what the caller sent.
 */
export class TokenService {
  private entries: TokenEntry[];
  /** What an empty auth.tokens means at a reload (the daemon's local admin token); set by the daemon. */
  whenEmpty: () => TokenConfig[] = () => [];
  /** Console sessions (a cookie instead of the bearer header); set by the console module when it is loaded. */
  sessions?: SessionAuthenticator;
  /** JWT access tokens from auth.jwt's issuer (single sign-on); set by the daemon when auth.jwt is configured. */
  jwt?: JwtAuthenticator;
  private readonly replaced: Array<() => void> = [];

  constructor(tokens: TokenConfig[]) {
    this.entries = toEntries(tokens);
  }

  /**
   * Swaps the accepted tokens at once (a reload of auth.tokens, already validated by the config loader): a removed
   * token is refused from the next request on, an added one accepted. Returns the names added and removed.
   */
  replace(tokens: TokenConfig[]): { added: string[]; removed: string[]; count: number } {
    const next = toEntries(tokens.length ? tokens : this.whenEmpty());
    const key = (e: TokenEntry) => `${e.name}\u0000${e.role}\u0000${e.digest.toString('hex')}`;
    const before = new Set(this.entries.map(key));
    const after = new Set(next.map(key));
    const added = next.filter((e) => !before.has(key(e))).map((e) => e.name);
    const removed = this.entries.filter((e) => !after.has(key(e))).map((e) => e.name);
    this.entries = next;
    for (const fn of this.replaced) fn();
    return { added, removed, count: next.length };
  }

  /** Called after every replace() (a reload of auth.tokens), e.g. to end the sessions of removed tokens. */
  onReplace(fn: () => void): void {
    this.replaced.push(fn);
  }

  /**
   * The principal of a token given in clear (a console sign-in), with its `ref`: a keyed hash of the token's entry
   * (name, role, digest) that names the entry without revealing the token. undefined when the token is unknown.
   */
  identify(token: string): { principal: Principal; ref: string } | undefined {
    const presented = sha256(token);
    let found: TokenEntry | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, presented) && !found) found = e;
    return found && { principal: { name: found.name, role: found.role }, ref: refOf(found) };
  }

  /** Whether a ref from identify() still names an accepted token (same token, name and role). */
  accepts(ref: string): boolean {
    return this.entries.some((e) => refOf(e) === ref);
  }

  /** The refs of every accepted token. */
  refs(): string[] {
    return this.entries.map(refOf);
  }

  /** The configured token names and roles (never the tokens). */
  names(): { name: string; role: Role }[] {
    return this.entries.map((e) => ({ name: e.name, role: e.role }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal for an Authorization header value, or a 401 StewardError saying what is wrong with it. */
  authenticate(header: string | string[] | undefined): Principal {
    if (header === undefined || header === '') {
      throw new StewardError('AUTH_MISSING_TOKEN', 'this route needs an Authorization: Bearer <token> header', { headers: CHALLENGE });
    }
    const m = BEARER.exec(Array.isArray(header) ? '' : header.trim());
    if (!m) {
      throw new StewardError('AUTH_MALFORMED_TOKEN', 'the Authorization header must be exactly "Bearer <token>" (token characters: A-Z a-z 0-9 . _ ~ + / = -)', {
        headers: { 'WWW-Authenticate': 'Bearer realm="steward", error="invalid_request"' },
      });
    }
    const presented = sha256(m[1]);
    let found: TokenEntry | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, presented) && !found) found = e;
    if (!found) {
      throw new StewardError('AUTH_INVALID_TOKEN', 'the bearer token is not one this daemon knows', {
        headers: { 'WWW-Authenticate': 'Bearer realm="steward", error="invalid_token"' },
      });
    }
    return { name: found.name, role: found.role };
  }

  /** 403 unless the principal holds at least `min`. */
  authorize(p: Principal, min: Role): void {
    if (!hasRole(p, min)) {
      throw new StewardError('AUTH_FORBIDDEN', `token "${p.name}" has role ${p.role}; this needs ${min} or higher`);
    }
  }
}
