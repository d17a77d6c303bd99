import type { Principal } from './roles.js';

/** The console's session cookie: HttpOnly, SameSite=Strict, Path=/; its value is 32 random bytes, base64url. */
export const SESSION_COOKIE = 'steward_session';
/** Header carrying a session's CSRF token on every state-changing request authenticated by the cookie. */
export const CSRF_HEADER = 'x-steward-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const changesState = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/** Authenticates a request by its session cookie instead of a bearer token (implemented by the console module). */
export interface SessionAuthenticator {
  /**
   * The session's principal, or a StewardError: AUTH_SESSION_INVALID (401) for an unknown, forged, expired or revoked
   * session, CSRF_REFUSED (403) when a state-changing method lacks the session's CSRF token.
   */
  authenticate(sessionId: string, request: { method: string; csrf: string | undefined }): Promise<Principal>;
}

/** The value of the session cookie in a Cookie header, or undefined (the first one when repeated: RFC 6265 5.4). */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let value: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    value ??= part.slice(eq + 1).trim();
  }
  return value;
}
