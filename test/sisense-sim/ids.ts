import { createHash } from 'node:crypto';

/**
 * Deterministic ids and timestamps for one tenant: the same seed and the same sequence of calls always give the
 * same values, and two tenants never share an id (their seeds differ).
 */
export class IdSource {
  private n = 0;

  constructor(private readonly seed: string) {}

  private digest(kind: string): string {
    this.n += 1;
    return createHash('sha256').update(`${this.seed}/${kind}/${this.n}`).digest('hex');
  }

  /** A MongoDB-style 24-hex id (dashboards, widgets, users, groups, roles, folders). */
  hex24(): string {
    return this.digest('hex').slice(0, 24);
  }

  /** A UUID v4-shaped id (data models, datasets, tables, columns, relations, connections, builds). */
  uuid(): string {
    const h = this.digest('uuid');
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** An opaque API token. */
  token(label: string): string {
    return `sim-${label}-${this.digest('token').slice(0, 32)}`;
  }
}

/** A clock that advances one second per reading, from a fixed start: timestamps are reproducible. */
export class SimClock {
  private t: number;

  constructor(start = '2026-03-01T00:00:00.000Z') {
    this.t = Date.parse(start);
  }

  now(): string {
    this.t += 1000;
    return new Date(this.t).toISOString();
  }
}

export const HEX24 = /^[0-9a-f]{24}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
