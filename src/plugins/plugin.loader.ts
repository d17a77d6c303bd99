import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { packageRoot, readPackageJson } from '../common/paths.js';
import { EXTERNAL_PLUGIN_ID, mountExternalServers } from '../mcp/external/external.plugin.js';
import type { Backoff } from '../mcp/external/external.server.js';
import type { PluginSettings, PluginsConfig } from '../config/config.types.js';
import { entryPath, MANIFEST_FILE, readManifest } from './manifest.js';
import { isPluginDefinition } from './plugin-api.js';
import { PluginCatalogue } from './plugin.catalogue.js';
import { instantiatePlugin } from './plugin.instantiate.js';
import { PluginLoadError, type LoadedTool, type PluginManifest, type PluginRecord } from './plugin.types.js';
import semver from 'semver';

export interface LoadPluginsOptions {
  /** `plugins` from steward.yaml (default: no extra dirs; every plugin enabled, default settings). */
  config?: PluginsConfig;
  /** What relative `plugins.dirs` resolve against (LoadedConfig.baseDir; default the cwd). */
  baseDir?: string;
  /** The built-in plugins folder (default <packageRoot>/plugins); null skips it. */
  builtinDir?: string | null;
  logger: Logger;
  /** The version checked against each manifest's `host` range (default: package.json's). */
  hostVersion?: string;
  factoryTimeoutMs?: number;
  /** Mount the external MCP servers of `plugins.mcp` (default true; the registry build leaves them out). */
  external?: boolean;
  /** Tests: restart delays for external stdio servers. */
  externalBackoff?: Partial<Backoff>;
}

/**
 * Discovers, validates and loads every plugin, each in isolation: a broken one is logged and recorded as `failed`
 * with its reason, never thrown. Order is deterministic (folders sorted), so a duplicate id always loses the same way.
 */
export async function loadPlugins(opts: LoadPluginsOptions): Promise<PluginCatalogue> {
  const config = opts.config ?? { dirs: [] };
  const hostVersion = opts.hostVersion ?? readPackageJson().version;
  const roots = [
    ...(opts.builtinDir === null ? [] : [opts.builtinDir ?? join(packageRoot(), 'plugins')]),
    ...config.dirs.map((d) => resolve(opts.baseDir ?? process.cwd(), d)),
  ];
  const records: PluginRecord[] = [];
  const tools = new Map<string, LoadedTool>();
  const wireNames = new Map<string, string>();
  const disposers: (() => Promise<void>)[] = [];

  for (const dir of discover(roots, opts.logger)) {
    const log = opts.logger.child({ plugin: basename(dir) });
    const record: PluginRecord = { id: basename(dir), dir, status: 'failed', kinds: [], modules: [], tools: [], filteredTools: [] };
    records.push(record);
    try {
      const manifest = readManifest(dir);
      Object.assign(record, { id: manifest.id, version: manifest.version, description: manifest.description, kinds: manifest.kinds, modules: manifest.modules.map((m) => m.id) });
      checkHost(manifest, hostVersion);
      if (manifest.id === EXTERNAL_PLUGIN_ID) throw new PluginLoadError(`plugin id "${EXTERNAL_PLUGIN_ID}" is reserved for the external MCP servers of plugins.${EXTERNAL_PLUGIN_ID} in steward.yaml`);
      const twin = records.find((r) => r !== record && r.id === manifest.id && r.version !== undefined);
      if (twin) throw new PluginLoadError(`plugin id "${manifest.id}" is already taken by ${twin.dir}`);
      const pluginConfig = config[manifest.id] as PluginSettings | undefined;
      if (pluginConfig?.enabled === false) {
        Object.assign(record, { status: 'disabled', reason: `plugins.${manifest.id}.enabled is false` });
        log.info({ dir }, 'plugin disabled by config');
        continue;
      }
      const definition = await importEntry(dir, manifest);
      const instance = await instantiatePlugin({ manifest, definition, config: pluginConfig, logger: log, factoryTimeoutMs: opts.factoryTimeoutMs });
      const clash = instance.tools.find((t) => tools.has(t.id) || wireNames.has(t.wireName));
      if (clash) {
        await instance.dispose();
        throw new PluginLoadError(`tool "${clash.id}": its id or MCP wire name "${clash.wireName}" is already used by ${wireNames.get(clash.wireName) ?? clash.id}`);
      }
      for (const t of instance.tools) {
        tools.set(t.id, t);
        wireNames.set(t.wireName, t.id);
      }
      disposers.push(instance.dispose);
      Object.assign(record, { status: 'loaded', tools: instance.tools.map((t) => t.id).sort(), filteredTools: instance.filtered.sort() });
      log.info({ version: manifest.version, tools: instance.tools.length, filtered: instance.filtered.length }, 'plugin loaded');
    } catch (e) {
      record.reason = e instanceof PluginLoadError ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
      if (e instanceof PluginLoadError && e.errors) record.errors = e.errors;
      log.error({ dir, reason: record.reason }, 'plugin failed to load; skipped');
    }
  }
  if (opts.external !== false && config[EXTERNAL_PLUGIN_ID] !== undefined) {
    const mounted = await mountExternalServers({
      config: config[EXTERNAL_PLUGIN_ID] as PluginSettings,
      baseDir: opts.baseDir ?? process.cwd(),
      logger: opts.logger.child({ plugin: EXTERNAL_PLUGIN_ID }),
      hostVersion,
      backoff: opts.externalBackoff,
    });
    records.push(mounted.record);
    for (const t of mounted.tools) tools.set(t.id, t);
    disposers.push(mounted.dispose);
  }
  for (const key of Object.keys(config)) {
    if (key !== 'dirs' && key !== EXTERNAL_PLUGIN_ID && !records.some((r) => r.id === key)) opts.logger.warn({ plugin: key }, `plugins.${key} is configured but no such plugin was found`);
  }
  return new PluginCatalogue(records, [...tools.values()], disposers);
}

/** Plugin folders: each root is itself a plugin folder (has plugin.yaml) or holds plugin folders. */
function discover(roots: string[], logger: Logger): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      logger.warn({ dir: root }, 'plugin directory does not exist; skipped');
      continue;
    }
    const dirs = existsSync(join(root, MANIFEST_FILE))
      ? [root]
      : readdirSync(root, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(root, d.name, MANIFEST_FILE)))
          .map((d) => join(root, d.name))
          .sort();
    for (const dir of dirs) {
      const real = realpathSync(dir);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(dir);
    }
  }
  return out;
}

function checkHost(manifest: PluginManifest, hostVersion: string): void {
  if (semver.validRange(manifest.host) === null) {
    throw new PluginLoadError(`plugin.yaml: host: "${manifest.host}" is not a valid semver range`);
  }
  if (!semver.satisfies(hostVersion, manifest.host, { includePrerelease: true })) throw new PluginLoadError(`requires Steward ${manifest.host} (plugin.yaml host); this is Steward ${hostVersion}`);
}

async function importEntry(dir: string, manifest: PluginManifest) {
  const file = resolveEntry(dir, manifest);
  if (!existsSync(file)) throw new PluginLoadError(`entry module not found: ${file}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new PluginLoadError(`entry ${manifest.entry} failed to import: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!isPluginDefinition(mod.default)) throw new PluginLoadError(`entry ${manifest.entry} must \`export default definePlugin(...)\``);
  return mod.default;
}

/**
 * The file to import. Plugins inside the Steward package may name a .ts entry: it is imported as is under ts-jest,
 * and from dist/ (tsconfig.build.json compiles plugins/ to dist/plugins/) when the daemon runs compiled. Plugins
 * elsewhere must ship JavaScript.
 */
export function resolveEntry(dir: string, manifest: PluginManifest, root = packageRoot(), fromDist = runningFromDist()): string {
  const file = entryPath(dir, manifest);
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    if (!/\.m?js$/.test(file)) throw new PluginLoadError(`entry ${manifest.entry}: plugins outside the Steward package must ship a .js or .mjs entry`);
    return file;
  }
  return fromDist && file.endsWith('.ts') ? join(root, 'dist', rel).replace(/\.ts$/, '.js') : file;
}

const runningFromDist = (): boolean => relative(packageRoot(), fileURLToPath(import.meta.url)).split(sep)[0] === 'dist';
