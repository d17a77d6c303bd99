import { secureUrl } from './jwt.checks.js';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { StewardError } from '../common/errors.js';
import type { JwtAuthConfig } from '../config/config.types.js';
import { parseDuration } from '../playbooks/duration.js';
import { noRoleError, principalOf } from './jwt.claims.js';
import { challenge, type ChallengeRequest } from './oauth-metadata.js';
import type { Principal } from './roles.js';

/** `Bearer <header>.<payload>.<signature>` (base64url parts): what is verified as a JWT when auth.jwt is set. */
const BEARER_JWT = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;
/** Longest JWT read (Entra ID access tokens with many groups reach a few KB; Node caps all headers at 16 KB). */
const MAX_JWT = 12 * 1024;
const FETCH_TIMEOUT_MS = 5000;
/** The key set is refetched at least this often even when every kid is known (jose's cacheMaxAge). */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** The issuer's keys could not be read: not the caller's fault, so a 503 rather than a 401. */
class IssuerUnavailable extends Error {}

/** The one rule for finding the keys: the jwks_uri of OpenID Connect Discovery, unless auth.jwt.jwksUri names them. */
export const discoveryUrl = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

/**
 * Verifies JWT access tokens from the issuer in auth.jwt (jose: signature against the issuer's JWKS, cached and
 * refetched with a cooldown when a token names an unknown key; iss, aud, exp, nbf with clock tolerance; allowed
 * algorithms) and maps their claims to a Steward principal `jwt:<name>`. Never logs or repeats the token.
 */
export class JwtAuthenticator {
  private keys?: JWTVerifyGetKey;
  private discovery?: Promise<JWTVerifyGetKey>;
  private failed?: { at: number; reason: string };
  private readonly cooldownMs: number;
  private readonly toleranceS: number;

  constructor(
    readonly config: JwtAuthConfig,
    private readonly opts: { publicUrl?: string; logger?: Logger } = {},
  ) {
    this.cooldownMs = parseDuration(config.jwksCooldown) ?? 30_000;
    this.toleranceS = Math.round((parseDuration(config.clockTolerance) ?? 30_000) / 1000);
  }

  /** The compact JWT of an Authorization header shaped `Bearer <jwt>`, or undefined (then static tokens decide). */
  candidate(header: string | string[] | undefined): string | undefined {
    if (typeof header !== 'string' || header.length > MAX_JWT + 16) return undefined;
    return BEARER_JWT.exec(header.trim())?.[1];
  }

  /** The principal of a valid token; AUTH_TOKEN_INVALID (401), AUTH_NO_ROLE (403) or AUTH_ISSUER_UNAVAILABLE (503). */
  async verify(token: string): Promise<Principal> {
    const keys = await this.keySet();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.toleranceS,
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      throw this.rejection(e);
    }
    const who = principalOf(payload, this.config);
    if ('principal' in who) return who.principal;
    this.opts.logger?.warn({ actor: who.noRole.name, claim: this.config.roles.claim, values: who.noRole.values.slice(0, 20) }, 'jwt valid but no role mapped; refused');
    throw noRoleError(who.noRole.name, who.noRole.values, this.config.roles.claim);
  }

  /** A 401 with the challenge that points OAuth clients at the protected-resource metadata. */
  challenge(err: StewardError, req: ChallengeRequest): StewardError {
    return challenge(err, req, this.opts.publicUrl);
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    if (this.failed && Date.now() - this.failed.at < this.cooldownMs) throw unavailable(this.config.issuer, this.failed.reason);
    this.discovery ??= this.resolveKeys().finally(() => (this.discovery = undefined));
    try {
      return (this.keys = await this.discovery);
    } catch (e) {
      const reason = (e as Error).message;
      this.failed = { at: Date.now(), reason };
      this.opts.logger?.warn({ issuer: this.config.issuer, reason }, 'cannot read the JWT issuer metadata; JWTs are refused until it answers');
      throw unavailable(this.config.issuer, reason);
    }
  }

  private async resolveKeys(): Promise<JWTVerifyGetKey> {
    const uri = this.config.jwksUri ?? (await this.discoverJwksUri());
    const remote = createRemoteJWKSet(new URL(uri), { cooldownDuration: this.cooldownMs, cacheMaxAge: JWKS_MAX_AGE_MS, timeoutDuration: FETCH_TIMEOUT_MS });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (e) {
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JOSENotSupported) throw e;
        throw new IssuerUnavailable(`its key set at ${uri} cannot be read: ${describeFetchError(e)}`);
      }
    };
  }

  private async discoverJwksUri(): Promise<string> {
    const url = discoveryUrl(this.config.issuer);
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (e) {
      throw new Error(`${url} cannot be read: ${describeFetchError(e)}`, { cause: e });
    }
    if (doc.issuer !== this.config.issuer) throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, not auth.jwt.issuer ${this.config.issuer}`);
    if (typeof doc.jwks_uri !== 'string' || !secureUrl(doc.jwks_uri)) throw new Error(`${url} has no usable jwks_uri (an https URL; http only for localhost)`);
    return doc.jwks_uri;
  }

  private rejection(e: unknown): StewardError {
    if (e instanceof IssuerUnavailable) return unavailable(this.config.issuer, e.message);
    if (e instanceof StewardError) return e;
    const reason = rejectionReason(e, this.config);
    this.opts.logger?.debug({ reason }, 'jwt rejected');
    return new StewardError('AUTH_TOKEN_INVALID', `the bearer JWT was rejected: ${reason}`);
  }
}

const unavailable = (issuer: string, reason: string) =>
  new StewardError('AUTH_ISSUER_UNAVAILABLE', `cannot check JWTs from ${issuer}: ${reason}; static tokens still work`);

function describeFetchError(e: unknown): string {
  if (e instanceof errors.JWKSTimeout || (e as Error)?.name === 'TimeoutError') return `no answer within ${FETCH_TIMEOUT_MS / 1000}s`;
  const cause = (e as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (e as Error)?.message ?? String(e);
}

/** Why a token was refused, in words that never quote the token. */
function rejectionReason(e: unknown, cfg: JwtAuthConfig): string {
  if (e instanceof errors.JWTExpired) {
    const exp = typeof e.payload.exp === 'number' ? ` at ${new Date(e.payload.exp * 1000).toISOString()}` : '';
    return `it expired${exp}`;
  }
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return `its audience (aud) is not ${[cfg.audience].flat().join(' or ')}`;
    if (e.claim === 'iss') return `it was not issued by ${cfg.issuer} (iss)`;
    if (e.claim === 'nbf') return 'it is not valid yet (nbf)';
    if (e.claim === 'exp') return 'it has no expiry (exp)';
    return `claim ${e.claim}: ${e.reason}`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify with the issuer's key";
  if (e instanceof errors.JWKSNoMatchingKey) return "no key in the issuer's key set matches it (unknown kid, or a key of another issuer)";
  if (e instanceof errors.JWKSMultipleMatchingKeys) return "several keys of the issuer's key set match it; the token must name its key (kid)";
  if (e instanceof errors.JOSEAlgNotAllowed) return `its algorithm is not one of auth.jwt.algorithms (${cfg.algorithms.join(', ')})`;
  if (e instanceof errors.JWTInvalid || e instanceof errors.JWSInvalid) return `it is not a well-formed JWT (${e.message})`;
  if (e instanceof errors.JOSENotSupported) return `it uses what this daemon does not support (${e.message})`;
  return 'it could not be verified';
}
