import type { ToolContext } from '../../../src/plugins/plugin-api.js';
import { targetOf, type PgTarget, type PostgresSettings } from '../client/pg.config.js';
import { withReadOnly, type PgPools, type ReadOptions, type ReadSession } from '../client/pg.session.js';

/** What every PostgreSQL tool receives: the plugin's settings and the read-only sessions on its pools. */
export interface PgDeps {
  readonly settings: PostgresSettings;
  /** The checked connection settings of `ctx.environments[role]` (default `target`); PG_CONFIG_INVALID otherwise. */
  target(ctx: ToolContext, role?: string): PgTarget;
  /** Runs `fn` in a READ ONLY transaction with the environment's statement timeout, then rolls back. */
  read<T>(ctx: ToolContext, fn: (s: ReadSession) => Promise<T>, opts?: ReadOptions & { role?: string }): Promise<T>;
}

export function createPgDeps(settings: PostgresSettings, pools: PgPools): PgDeps {
  const target = (ctx: ToolContext, role = 'target') => targetOf(ctx.environments[role]!, settings);
  return {
    settings,
    target,
    read: (ctx, fn, opts = {}) => withReadOnly(pools, target(ctx, opts.role), ctx.signal, fn, opts),
  };
}
