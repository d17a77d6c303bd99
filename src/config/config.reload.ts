import type { Logger } from 'pino';
import type { TokenService } from '../auth/token.service.js';
import { loadConfig } from './config.loader.js';
import type { LoadedConfig } from './config.types.js';

/**
 * Reads the daemon's steward.yaml again through the whole pipeline (references, schema, semantic checks) for a
 * reload. ${env:} references resolve against this process's environment, as they did at start. Throws ConfigError.
 */
export function rereadConfig(file: string, cwd: string): LoadedConfig {
  return loadConfig({ flag: file, env: process.env, cwd });
}

/** What a reload did to auth.tokens (names only, never tokens). */
export interface TokenReload {
  /** false: steward.yaml was invalid and the previous tokens stay in force (the problems say why). */
  applied: boolean;
  /** Tokens accepted from now on. */
  count: number;
  added: string[];
  removed: string[];
}

/**
 * Applies the auth.tokens of a freshly loaded (so validated) steward.yaml: from the next request on a removed token
 * is refused and an added one accepted. A changed role or token counts as removed and added.
 */
export function applyTokens(tokens: TokenService, fresh: LoadedConfig, logger: Logger, by: string): TokenReload {
  const r = tokens.replace(fresh.config.auth.tokens);
  if (r.added.length || r.removed.length) logger.info({ by, added: r.added, removed: r.removed, tokens: r.count }, 'auth.tokens reloaded');
  return { applied: true, ...r };
}
