import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, type LoadedConfig, type StewardConfig } from '../config/config.types.js';
import { LOGGER, REDACTOR, STORE } from '../http/tokens.js';
import type { Redactor } from '../logging/redactor.js';
import type { Store } from '../store/store.types.js';
import { ToolsController } from '../registry/tools.controller.js';
import { PluginCatalogue } from './plugin.catalogue.js';
import { RecordsBackend } from './plugin-records.js';
import { loadPlugins } from './plugin.loader.js';
import { PluginsController } from './plugins.controller.js';
import { PLUGIN_CATALOGUE, TOOL_INVOKER } from './plugins.tokens.js';
import { ToolInvoker } from './tool.invoker.js';

export interface PluginsModuleOptions {
  /** What relative `plugins.dirs` resolve against: LoadedConfig.baseDir. */
  baseDir?: string;
  /** Default <packageRoot>/plugins; null: none (tests). */
  builtinDir?: string | null;
  /** Largest tool input accepted, JSON-serialised (default 1 MiB). */
  maxInputBytes?: number;
}

/** CONFIG holds the StewardConfig (AppModule); a LoadedConfig is accepted too. */
const unwrap = (c: StewardConfig | LoadedConfig): { config: StewardConfig; baseDir?: string } =>
  'config' in c && 'secrets' in c ? { config: c.config, baseDir: c.baseDir } : { config: c as StewardConfig };

/**
 * Loads the plugins at start-up (a broken plugin is logged and skipped, never fatal), provides the catalogue and the
 * invoker, serves GET /plugins and GET /tools, and disposes plugins on shutdown.
 */
@Module({})
export class PluginsModule implements OnApplicationShutdown {
  constructor(@Inject(PLUGIN_CATALOGUE) private readonly catalogue: PluginCatalogue) {}

  static forRoot(options: PluginsModuleOptions = {}): DynamicModule {
    return {
      module: PluginsModule,
      global: true,
      controllers: [PluginsController, ToolsController],
      providers: [
        {
          provide: PLUGIN_CATALOGUE,
          inject: [CONFIG, LOGGER],
          useFactory: (given: StewardConfig | LoadedConfig, logger: Logger) => {
            const { config, baseDir } = unwrap(given);
            return loadPlugins({ config: config.plugins, baseDir: options.baseDir ?? baseDir, builtinDir: options.builtinDir, logger: logger.child({ component: 'plugins' }) });
          },
        },
        {
          provide: TOOL_INVOKER,
          inject: [PLUGIN_CATALOGUE, CONFIG, LOGGER, { token: REDACTOR, optional: true }, { token: STORE, optional: true }],
          useFactory: (catalogue: PluginCatalogue, given: StewardConfig | LoadedConfig, logger: Logger, redactor?: Redactor, store?: Store) =>
            new ToolInvoker(catalogue, {
              environments: unwrap(given).config.environments,
              logger: logger.child({ component: 'tools' }),
              maxInputBytes: options.maxInputBytes,
              redact: redactor && ((text) => redactor.redactString(text)),
              ...(store && { records: new RecordsBackend(store) }),
            }),
        },
      ],
      exports: [PLUGIN_CATALOGUE, TOOL_INVOKER],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.catalogue.dispose();
  }
}
