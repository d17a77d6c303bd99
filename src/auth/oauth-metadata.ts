import { StewardError } from '../common/errors.js';
import type { JwtAuthConfig } from '../config/config.types.js';

/** RFC 9728 protected-resource metadata, at the root and in the form suffixed with the MCP endpoint's path. */
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';
export const MCP_PATH = '/mcp';

/** What a challenge needs of a request (an Express request has it). */
export interface ChallengeRequest {
  protocol: string;
  path: string;
  headers: { host?: string };
}

/**
 * This daemon's base URL as its callers reach it: notifications.publicUrl when set (behind a proxy), else the request's
 * origin (its Host header, already checked against the allowed hosts).
 */
export function baseUrl(req: ChallengeRequest, publicUrl?: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

/** The metadata URL a 401 points at: the /mcp-suffixed form for /mcp (RFC 9728 §3.1), the root form for the API. */
export function metadataUrl(req: ChallengeRequest, publicUrl?: string): string {
  const onMcp = req.path === MCP_PATH || req.path.startsWith(`${MCP_PATH}/`);
  return `${baseUrl(req, publicUrl)}${PROTECTED_RESOURCE_PATH}${onMcp ? MCP_PATH : ''}`;
}

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name: string;
  resource_documentation: string;
}

/** The document: the MCP endpoint is the resource, the configured issuer its one authorization server. */
export function protectedResourceMetadata(cfg: JwtAuthConfig, base: string): ProtectedResourceMetadata {
  return {
    resource: `${base}${MCP_PATH}`,
    authorization_servers: [cfg.issuer],
    bearer_methods_supported: ['header'],
    ...(cfg.scopes?.length ? { scopes_supported: cfg.scopes } : {}),
    resource_name: 'Steward',
    resource_documentation: `${base}/docs`,
  };
}

/** RFC 6750 §3.1 error codes for the 401s of the auth middleware. */
const ERROR_PARAM: Partial<Record<string, string>> = {
  AUTH_MALFORMED_TOKEN: 'invalid_request',
  AUTH_INVALID_TOKEN: 'invalid_token',
  AUTH_TOKEN_INVALID: 'invalid_token',
  AUTH_SESSION_INVALID: 'invalid_token',
};

/** error_description is a quoted-string of %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3): anything else becomes a space. */
const descriptionText = (s: string) => s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ').slice(0, 300);

/**
 * A 401 re-issued with `WWW-Authenticate: Bearer realm="steward", resource_metadata="…"` (plus error= and
 * error_description= when a credential was given), so an OAuth client (MCP's authorization spec) finds the issuer.
 * Anything but a 401 is returned as it is.
 */
export function challenge(err: StewardError, req: ChallengeRequest, publicUrl?: string): StewardError {
  if (err.status !== 401) return err;
  const params = [`realm="steward"`, `resource_metadata="${metadataUrl(req, publicUrl).replace(/["\\]/g, '')}"`];
  const error = ERROR_PARAM[err.code];
  if (error) params.push(`error="${error}"`, `error_description="${descriptionText(err.message)}"`);
  return new StewardError(err.code, err.message, { errors: err.errors, cause: err.cause, headers: { ...err.headers, 'WWW-Authenticate': `Bearer ${params.join(', ')}` } });
}
