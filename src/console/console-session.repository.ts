import type { Queryable } from '../store/store.types.js';
import type { Role } from '../auth/roles.js';

export interface SessionRow {
  id: string;
  principal: string;
  role: Role;
  token_ref: string;
  csrf_hash: string;
  created_at: Date;
  expires_at: Date;
  revoked: boolean;
}

/** console_sessions: rows keyed by the SHA-256 of the session id (the id itself lives only in the cookie). */
export class ConsoleSessionRepository {
  constructor(private readonly db: Queryable) {}

  async insert(s: { idHash: string; principal: string; role: Role; tokenRef: string; csrfHash: string; expiresAt: Date }): Promise<SessionRow> {
    const r = await this.db.query<SessionRow>(
      `INSERT INTO console_sessions (id, principal, role, token_ref, csrf_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [s.idHash, s.principal, s.role, s.tokenRef, s.csrfHash, s.expiresAt.toISOString()],
    );
    return r.rows[0];
  }

  async find(idHash: string): Promise<SessionRow | undefined> {
    return (await this.db.query<SessionRow>('SELECT * FROM console_sessions WHERE id = $1', [idHash])).rows[0];
  }

  /** Marks the session revoked; true when it was active. */
  async revoke(idHash: string): Promise<boolean> {
    const r = await this.db.query('UPDATE console_sessions SET revoked = true, revoked_at = now() WHERE id = $1 AND NOT revoked', [idHash]);
    return r.rowCount > 0;
  }

  /** Revokes every active session made from a token no longer accepted; returns how many. */
  async revokeAllBut(tokenRefs: string[]): Promise<number> {
    const r = await this.db.query(
      'UPDATE console_sessions SET revoked = true, revoked_at = now() WHERE NOT revoked AND NOT (token_ref = ANY($1::text[]))',
      [`{${tokenRefs.filter((t) => /^[0-9a-f]+$/.test(t)).join(',')}}`], // hex only: a safe array literal on PGlite and pg alike
    );
    return r.rowCount;
  }

  /** Forgets sessions that ended (expired or revoked) more than a day ago. */
  async prune(): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM console_sessions WHERE expires_at < now() - interval '1 day' OR (revoked AND revoked_at < now() - interval '1 day')`,
    );
    return r.rowCount;
  }
}
