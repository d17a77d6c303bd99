import { join, relative } from 'node:path';
import { pino, type Logger } from 'pino';
import { packageRoot } from '../common/paths.js';
import type { PluginSettings, PluginsConfig } from '../config/config.types.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import { loadPlugins } from '../plugins/plugin.loader.js';
import { checkRegistry, describeDiff, writeRegistry } from './registry.builder.js';
import type { RegistryDiff } from './registry.types.js';

/** What `steward registry build` / `check` take. Everything is optional: the defaults cover the repository. */
export interface RegistryCommandOptions {
  /** Default: <packageRoot>/registry/tools.registry.json. */
  file?: string;
  /**
   * `plugins` from steward.yaml: its `dirs` and each plugin's `settings` are used; `enabled` and the allow-lists
   * are ignored, since the registry lists every tool the plugins offer.
   */
  plugins?: PluginsConfig;
  baseDir?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Tests only: another built-in plugins folder (null: none). */
  builtinDir?: string | null;
}

export interface RegistryCommandResult {
  ok: boolean;
  /** One paragraph for the terminal. */
  message: string;
  diff?: RegistryDiff;
}

export const defaultRegistryFile = (): string => join(packageRoot(), 'registry', 'tools.registry.json');

/** `steward registry build`: regenerates the file. Not ok (nothing written) when a plugin fails to load. */
export async function buildRegistryFile(opts: RegistryCommandOptions = {}): Promise<RegistryCommandResult> {
  const file = opts.file ?? defaultRegistryFile();
  const loaded = await loadAll(opts);
  if ('message' in loaded) return loaded;
  const result = writeRegistry(file, loaded.catalogue);
  await loaded.catalogue.dispose();
  const count = loaded.catalogue.tools().length;
  const where = display(file);
  if (result.upToDate) return { ok: true, message: `${where} is up to date (${count} tools)`, diff: result.diff };
  return { ok: true, message: `wrote ${where} (${count} tools): ${describeDiff(result.diff)}`, diff: result.diff };
}

/** `steward registry check`: not ok when the file is missing, stale or a plugin fails to load (exit non-zero). */
export async function checkRegistryFile(opts: RegistryCommandOptions = {}): Promise<RegistryCommandResult> {
  const file = opts.file ?? defaultRegistryFile();
  const loaded = await loadAll(opts);
  if ('message' in loaded) return loaded;
  const result = checkRegistry(file, loaded.catalogue);
  await loaded.catalogue.dispose();
  const where = display(file);
  if (result.upToDate) return { ok: true, message: `${where} is up to date (${loaded.catalogue.tools().length} tools)`, diff: result.diff };
  const why = result.problem ?? `stale: ${describeDiff(result.diff)}`;
  return { ok: false, message: `${where}: ${why}. Run \`steward registry build\` and commit the result.`, diff: result.diff };
}

async function loadAll(opts: RegistryCommandOptions): Promise<{ catalogue: PluginCatalogue } | RegistryCommandResult> {
  const given = opts.plugins ?? { dirs: [] };
  const config: PluginsConfig = { dirs: given.dirs };
  for (const [id, entry] of Object.entries(given)) {
    if (id !== 'dirs') config[id] = { settings: (entry as PluginSettings).settings };
  }
  const logger = opts.logger ?? pino({ level: 'silent' });
  // External MCP servers (plugins.mcp) depend on the local config and on what runs: never in the committed registry.
  const catalogue = await loadPlugins({ config, baseDir: opts.baseDir, logger, builtinDir: opts.builtinDir, external: false });
  const failed = catalogue.plugins().filter((p) => p.status === 'failed');
  if (failed.length === 0) return { catalogue };
  await catalogue.dispose();
  return { ok: false, message: `cannot build the registry: ${failed.map((p) => `plugin ${p.id} (${p.dir}) failed: ${p.reason}`).join('\n')}` };
}

const display = (file: string): string => {
  const rel = relative(packageRoot(), file);
  return rel.startsWith('..') ? file : rel;
};
