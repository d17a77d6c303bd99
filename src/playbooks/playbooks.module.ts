import { type DynamicModule, type InjectionToken, Module, type ModuleMetadata } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { packageRoot } from '../common/paths.js';
import { CONFIG, type LoadedConfig, type StewardConfig } from '../config/config.types.js';
import { PlaybooksController } from './playbooks.controller.js';
import { PlaybooksService, type PlaybooksServiceOptions } from './playbooks.service.js';
import { PLAYBOOKS_OPTIONS, TOOL_LOOKUP } from './playbooks.tokens.js';
import type { ToolLookup } from './tool-lookup.js';

export interface PlaybooksModuleOptions {
  /** What relative `playbooks.dirs` resolve against and files are named relative to (LoadedConfig.baseDir; default the cwd). */
  baseDir?: string;
  /** The playbooks that ship: default <packageRoot>/playbooks (may be absent); null: none (tests). */
  builtinDir?: string | null;
  /** Modules whose exports the tool lookup comes from (e.g. PluginsModule). */
  imports?: ModuleMetadata['imports'];
  /** A token to use as TOOL_LOOKUP (e.g. PLUGIN_CATALOGUE: the catalogue is a ToolLookup). Default: TOOL_LOOKUP from a global provider. */
  lookupToken?: InjectionToken;
}

/** CONFIG holds the StewardConfig (AppModule); a LoadedConfig is accepted too. */
const unwrap = (c: StewardConfig | LoadedConfig): { config: StewardConfig; baseDir?: string } =>
  'config' in c && 'secrets' in c ? { config: c.config, baseDir: c.baseDir } : { config: c as StewardConfig };

/**
 * Loads the playbooks at start-up (the shipped ones plus `playbooks.dirs`; invalid files are logged and left out)
 * and serves GET /playbooks, GET /playbooks/{id}, POST /playbooks/validate. The host provides TOOL_LOOKUP.
 */
@Module({})
export class PlaybooksModule {
  static forRoot(options: PlaybooksModuleOptions = {}): DynamicModule {
    return {
      module: PlaybooksModule,
      global: true,
      imports: options.imports ?? [],
      controllers: [PlaybooksController],
      providers: [
        ...(options.lookupToken !== undefined ? [{ provide: TOOL_LOOKUP, useExisting: options.lookupToken }] : []),
        {
          provide: PLAYBOOKS_OPTIONS,
          inject: [CONFIG, TOOL_LOOKUP],
          useFactory: (given: StewardConfig | LoadedConfig, lookup: ToolLookup): PlaybooksServiceOptions => {
            const { config, baseDir: fromConfig } = unwrap(given);
            const baseDir = options.baseDir ?? fromConfig ?? process.cwd();
            const builtin = options.builtinDir === null ? undefined : (options.builtinDir ?? join(packageRoot(), 'playbooks'));
            const environments = Object.fromEntries(Object.entries(config.environments).map(([name, e]) => [name, { kind: e.kind }]));
            return {
              paths: [...(builtin ? [builtin] : []), ...config.playbooks.dirs.map((d) => resolve(baseDir, d))],
              optional: builtin ? [builtin] : [],
              lookup,
              environments,
              baseDir,
              maxFileBytes: config.playbooks.maxFileBytes,
            };
          },
        },
        PlaybooksService,
      ],
      exports: [PlaybooksService],
    };
  }
}
