import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { changesState, type SessionAuthenticator } from '../auth/session.js';
import type { Principal, Role } from '../auth/roles.js';
import { TokenService } from '../auth/token.service.js';
import { StewardError } from '../common/errors.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { LOGGER, STORE } from '../http/tokens.js';
import { parseDuration } from '../playbooks/duration.js';
import type { Store } from '../store/store.types.js';
import { ConsoleSessionRepository, type SessionRow } from './console-session.repository.js';

/** What a signed-in browser learns about its session (never the session id: that stays in the HttpOnly cookie). */
export interface SessionView {
  principal: string;
  role: Role;
  csrfToken: string;
  expiresAt: string;
}

/** A session id as the cookie carries it: 32 random bytes, base64url without padding. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_TTL_MS = 12 * 3_600_000;
const hashHex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** The session's CSRF token, derived from its id (so GET /console/session can give it again to a new tab). */
const csrfOf = (sessionId: string) => createHmac('sha256', Buffer.from(sessionId, 'base64url')).update('steward-console-csrf').digest('base64url');
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

const ended = (detail: string) =>
  new StewardError('AUTH_SESSION_INVALID', `${detail}; sign in again at /console`, { headers: { 'WWW-Authenticate': 'Bearer realm="steward"' } });

/**
 * Console sign-in sessions: a token (checked by the same TokenService as bearer calls) exchanged for a random session
 * id kept in an HttpOnly cookie. The store holds only hashes. A session acts with its token's name and role, and ends
 * at its expiry, at sign-out, or when its token leaves auth.tokens (a /reload, or a restart with another config).
 */
@Injectable()
export class ConsoleSessionService implements SessionAuthenticator, OnModuleInit {
  private readonly repo: ConsoleSessionRepository;
  readonly ttlMs: number;

  constructor(
    @Inject(STORE) store: Store,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(CONFIG) config: StewardConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.repo = new ConsoleSessionRepository(store);
    this.ttlMs = parseDuration(config.console?.sessionTtl ?? '12h') ?? DEFAULT_TTL_MS;
  }

  onModuleInit(): void {
    this.tokens.sessions = this;
    this.tokens.onReplace(() => {
      this.repo.revokeAllBut(this.tokens.refs()).then(
        (n) => n > 0 && this.logger.info({ sessions: n }, 'console sessions of removed tokens ended'),
        (e: unknown) => this.logger.warn({ err: (e as Error).message }, 'could not mark the console sessions of removed tokens revoked (they are refused anyway)'),
      );
    });
  }

  /** Signs in with a token: a new session, its cookie value (`id`) and what the browser may know of it. */
  async signIn(token: string): Promise<{ id: string; view: SessionView }> {
    const who = this.tokens.identify(token);
    if (!who) throw new StewardError('AUTH_INVALID_TOKEN', 'the token is not one this daemon knows');
    const id = randomBytes(32).toString('base64url');
    const csrf = csrfOf(id);
    const row = await this.repo.insert({
      idHash: hashHex(id),
      principal: who.principal.name,
      role: who.principal.role,
      tokenRef: who.ref,
      csrfHash: hashHex(csrf),
      expiresAt: new Date(Date.now() + this.ttlMs),
    });
    this.logger.info({ principal: row.principal, role: row.role, expiresAt: row.expires_at }, 'console sign-in');
    void this.repo.prune().catch(() => undefined);
    return { id, view: this.view(row, csrf) };
  }

  /** The live session behind a cookie value, or AUTH_SESSION_INVALID saying why it is not. */
  async session(sessionId: string): Promise<SessionRow> {
    if (!SESSION_ID.test(sessionId)) throw ended('the console session cookie is not one this daemon issued');
    const row = await this.repo.find(hashHex(sessionId));
    if (!row) throw ended('the console session is not one this daemon knows');
    if (!this.tokens.accepts(row.token_ref)) throw ended(`the token "${row.principal}" signed in with is no longer accepted`);
    if (row.revoked) throw ended('the console session was signed out');
    if (new Date(row.expires_at).getTime() <= Date.now()) throw ended('the console session expired');
    return row;
  }

  async authenticate(sessionId: string, request: { method: string; csrf: string | undefined }): Promise<Principal> {
    const row = await this.session(sessionId);
    if (changesState(request.method)) {
      if (!request.csrf) throw new StewardError('CSRF_REFUSED', `${request.method} with the console session cookie needs the X-Steward-CSRF header (the csrfToken of GET /console/session)`);
      if (!sameHex(hashHex(request.csrf), row.csrf_hash)) throw new StewardError('CSRF_REFUSED', 'the X-Steward-CSRF header is not this session\'s CSRF token');
    }
    return { name: row.principal, role: row.role };
  }

  /** What GET /console/session answers for a live session. */
  async current(sessionId: string): Promise<SessionView> {
    return this.view(await this.session(sessionId), csrfOf(sessionId));
  }

  async signOut(sessionId: string): Promise<void> {
    const row = await this.session(sessionId);
    await this.repo.revoke(row.id);
    this.logger.info({ principal: row.principal }, 'console sign-out');
  }

  private view(row: SessionRow, csrf: string): SessionView {
    return { principal: row.principal, role: row.role, csrfToken: csrf, expiresAt: new Date(row.expires_at).toISOString() };
  }
}
