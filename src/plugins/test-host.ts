import { pino, type Logger } from 'pino';
import type { EnvironmentConfig, PluginSettings, PluginsConfig } from '../config/config.types.js';
import type { PluginDefinition } from './plugin-api.js';
import { PluginCatalogue } from './plugin.catalogue.js';
import { RecordsBackend } from './plugin-records.js';
import type { Store } from '../store/store.types.js';
import { instantiatePlugin } from './plugin.instantiate.js';
import { loadPlugins, type LoadPluginsOptions } from './plugin.loader.js';
import type { PluginManifest } from './plugin.types.js';
import { ToolInvoker } from './tool.invoker.js';

/**
 * An in-process host for plugin tests: the real loader, catalogue and invoker, a logger that records its lines,
 * and environments given inline. No daemon or HTTP; a store only when given (for `ctx.records`).
 */
export interface TestHost {
  catalogue: PluginCatalogue;
  invoker: ToolInvoker;
  logger: Logger;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
}

export interface TestHostOptions extends Omit<LoadPluginsOptions, 'logger' | 'config'> {
  /** `plugins` from steward.yaml; `dirs` may be left out. */
  config?: Partial<PluginsConfig>;
  environments?: Record<string, EnvironmentConfig>;
  maxInputBytes?: number;
  /** A store for `ctx.records` (e.g. an in-memory PGlite store, migrated); none: tools see no records. */
  store?: Store;
}

export function captureLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return { logger, logs };
}

/** Loads plugins from folders exactly as the daemon does. */
export async function createTestHost(opts: TestHostOptions = {}): Promise<TestHost> {
  const { logger, logs } = captureLogger();
  const config = { ...opts.config, dirs: opts.config?.dirs ?? [] } as PluginsConfig;
  const catalogue = await loadPlugins({ ...opts, config, logger });
  const invoker = new ToolInvoker(catalogue, { environments: opts.environments ?? {}, logger, maxInputBytes: opts.maxInputBytes, ...(opts.store && { records: new RecordsBackend(opts.store) }) });
  return { catalogue, invoker, logger, logs };
}

/** A host around one plugin defined inline (no folder): for tests of the host itself. */
export async function hostForDefinition(
  manifest: Partial<PluginManifest> & Pick<PluginManifest, 'id'>,
  definition: PluginDefinition,
  opts: { config?: PluginSettings; environments?: Record<string, EnvironmentConfig>; maxInputBytes?: number; store?: Store } = {},
): Promise<TestHost> {
  const { logger, logs } = captureLogger();
  const full: PluginManifest = { version: '0.0.0', description: 'inline test plugin', host: '*', kinds: ['demo'], modules: [{ id: 'util', description: 'util' }], entry: 'index.ts', ...manifest };
  const instance = await instantiatePlugin({ manifest: full, definition, config: opts.config, logger });
  const record = { id: full.id, dir: '(inline)', status: 'loaded' as const, version: full.version, kinds: full.kinds, modules: full.modules.map((m) => m.id), tools: instance.tools.map((t) => t.id), filteredTools: instance.filtered };
  const catalogue = new PluginCatalogue([record], instance.tools, [instance.dispose]);
  const invoker = new ToolInvoker(catalogue, { environments: opts.environments ?? {}, logger, maxInputBytes: opts.maxInputBytes, ...(opts.store && { records: new RecordsBackend(opts.store) }) });
  return { catalogue, invoker, logger, logs };
}
