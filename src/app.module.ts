import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { AuthGuard } from './auth/auth.guard.js';
import { TokenService } from './auth/token.service.js';
import { OAuthController } from './auth/oauth.controller.js';
import { CONFIG, type LoadedConfig } from './config/config.types.js';
import { ConsoleModule } from './console/console.module.js';
import { DaemonController } from './http/daemon.controller.js';
import { FindingsModule } from './findings/findings.module.js';
import { HealthController, type DaemonInfo } from './http/health.controller.js';
import { OpenApiController } from './http/openapi.controller.js';
import { McpModule } from './mcp/mcp.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { PlaybooksModule } from './playbooks/playbooks.module.js';
import { QuestionsModule } from './questions/questions.module.js';
import { PLUGIN_CATALOGUE } from './plugins/plugins.tokens.js';
import { ApprovalsModule, RunsModule } from './runs/runs.module.js';
import { PluginsModule } from './plugins/plugins.module.js';
import { ScheduleModule } from './schedule/schedule.module.js';
import { ProblemFilter } from './http/problem.filter.js';
import { DAEMON_INFO, LOGGER, OPENAPI_DOCUMENT, REDACTOR, STORE } from './http/tokens.js';
import type { Redactor } from './logging/redactor.js';
import type { Store } from './store/store.types.js';

/** What bootstrap prepared before Nest starts: config, logging, the opened store, resolved tokens. */
export interface AppContext {
  loaded: LoadedConfig;
  logger: Logger;
  redactor: Redactor;
  store: Store;
  tokens: TokenService;
  info: DaemonInfo;
  openapi: { document?: object };
}

@Module({})
export class AppModule {
  static forRoot(ctx: AppContext): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: ctx.loaded.config },
      { provide: LOGGER, useValue: ctx.logger },
      { provide: REDACTOR, useValue: ctx.redactor },
      { provide: STORE, useValue: ctx.store },
      { provide: TokenService, useValue: ctx.tokens },
      { provide: DAEMON_INFO, useValue: ctx.info },
      { provide: OPENAPI_DOCUMENT, useValue: ctx.openapi },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ];
    return {
      module: AppModule,
      global: true,
      imports: [
        EventEmitterModule.forRoot({ wildcard: false }),
        PluginsModule.forRoot({ baseDir: ctx.loaded.baseDir }),
        PlaybooksModule.forRoot({ baseDir: ctx.loaded.baseDir, lookupToken: PLUGIN_CATALOGUE }),
        ApprovalsModule,
        McpModule,
        RunsModule,
        QuestionsModule,
        FindingsModule,
        NotifyModule,
        ScheduleModule.forRoot({ baseDir: ctx.loaded.baseDir, configFile: ctx.loaded.file }),
        MetricsModule,
        ConsoleModule,
      ],
      controllers: [HealthController, DaemonController, OpenApiController, OAuthController],
      providers,
      exports: [CONFIG, LOGGER, REDACTOR, STORE, TokenService, DAEMON_INFO, OPENAPI_DOCUMENT],
    };
  }
}
