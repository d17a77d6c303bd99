import { loadConfig } from './config.loader.js';
import type { LoadedConfig } from './config.types.js';

/**
 * Reads the daemon's steward.yaml again through the whole pipeline (references, schema, semantic checks) for a
 * reload. ${env:} references resolve against this process's environment, as they did at start. Throws ConfigError.
 */
export function rereadConfig(file: string, cwd: string): LoadedConfig {
  return loadConfig({ flag: file, env: process.env, cwd });
}
