import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { APPROVAL_SETTLED, ApprovalService } from '../approvals/approval.service.js';
import type { Principal } from '../auth/roles.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { consoleUrl } from '../console/links.js';
import { FindingsService } from '../findings/findings.service.js';
import { DAEMON_INFO, LOGGER, REDACTOR, STORE } from '../http/tokens.js';
import type { DaemonInfo } from '../http/health.controller.js';
import type { Redactor } from '../logging/redactor.js';
import { PlaybooksService, type PlaybooksServiceOptions } from '../playbooks/playbooks.service.js';
import { PLAYBOOKS_OPTIONS } from '../playbooks/playbooks.tokens.js';
import { RunEventsService } from '../runs/run-events.service.js';
import type { Store } from '../store/store.types.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import { PLUGIN_CATALOGUE, TOOL_INVOKER } from '../plugins/plugins.tokens.js';
import type { ToolInvoker } from '../plugins/tool.invoker.js';
import { EngineClient } from './engine.client.js';
import { McpToolSurface } from './mcp-tools.js';
import { McpController } from './mcp.controller.js';
import { McpTasks } from './mcp-tasks.js';
import { createMcpServer, failureResult, toCallResult, type McpServerDeps } from './mcp.server.js';
import { McpSessions } from './mcp.sessions.js';
import { StewardApi } from './steward-api.js';
import { TOOL_GATE, type ToolGate } from './tool-gate.js';

export const MCP_DEPS = Symbol('MCP_DEPS');
export const ENGINE_CLIENT = Symbol('ENGINE_CLIENT');
/** The identity Steward's own engine acts under; the person behind a run is recorded by the runner. */
export const ENGINE_PRINCIPAL: Principal = { name: 'steward-engine', role: 'admin' };

@Module({
  controllers: [McpController],
  providers: [
    {
      provide: McpTasks,
      inject: [STORE, PLUGIN_CATALOGUE, TOOL_INVOKER, TOOL_GATE, LOGGER, StewardApi, ApprovalService, EventEmitter2],
      useFactory: (store: Store, catalogue: PluginCatalogue, invoker: ToolInvoker, gate: ToolGate, logger: Logger, api: StewardApi, approvals: ApprovalService, bus: EventEmitter2) => {
        const tasks = new McpTasks({
          store,
          catalogue,
          invoker,
          gate,
          logger: logger.child({ component: 'mcp-tasks' }),
          decision: (id) => api.approvalDecision(id),
          cancelApproval: async (id, by) => void (await approvals.cancelOutsideCall(id, by)),
          toResult: (tool, result) => toCallResult(tool, result, true),
          failure: failureResult,
        });
        // A decision on this daemon completes its waiting tasks at once; the sweep finds other daemons' decisions.
        bus.on(APPROVAL_SETTLED, () => tasks.kick());
        return tasks;
      },
    },
    {
      provide: MCP_DEPS,
      inject: [PLUGIN_CATALOGUE, TOOL_INVOKER, TOOL_GATE, CONFIG, LOGGER, DAEMON_INFO, StewardApi, McpTasks],
      useFactory: (catalogue: PluginCatalogue, invoker: ToolInvoker, gate: ToolGate, config: StewardConfig, logger: Logger, info: DaemonInfo, api: StewardApi, tasks: McpTasks): McpServerDeps => {
        const publicUrl = config.notifications.publicUrl;
        return {
          catalogue,
          invoker,
          gate,
          surface: new McpToolSurface(config.environments),
          logger,
          version: info.version,
          // The same join as the console's own links; the console page only when it is absolute (publicUrl set).
          approvalsUrl: (id) => consoleUrl(publicUrl, `/approvals/${id}`),
          consoleUrl: (id) => (publicUrl ? consoleUrl(publicUrl, `/console/approvals/${id}`) : undefined),
          api,
          tasks,
        };
      },
    },
    {
      provide: StewardApi,
      inject: [ModuleRef, ApprovalService, FindingsService, PlaybooksService, RunEventsService, STORE, REDACTOR, CONFIG],
      useFactory: (refs: ModuleRef, approvals: ApprovalService, findings: FindingsService, playbooks: PlaybooksService, events: RunEventsService, store: Store, redactor: Redactor, config: StewardConfig) =>
        new StewardApi({
          // RunsService imports this module (ENGINE_CLIENT): it is imported and looked up when first used, after start-up.
          runs: async () => refs.get((await import('../runs/runs.service.js')).RunsService, { strict: false }),
          questions: async () => refs.get((await import('../questions/questions.service.js')).QuestionsService, { strict: false }),
          approvals,
          findings,
          playbooks,
          events,
          store,
          redactor,
          environments: config.environments,
          baseDir: () => refs.get<PlaybooksServiceOptions>(PLAYBOOKS_OPTIONS, { strict: false }).baseDir,
        }),
    },
    {
      provide: McpSessions,
      inject: [MCP_DEPS, CONFIG],
      useFactory: (deps: McpServerDeps, config: StewardConfig) =>
        new McpSessions({
          createServer: (principal) => createMcpServer(deps, { principal, channel: 'mcp' }),
          logger: deps.logger.child({ component: 'mcp' }),
          maxSessions: config.server.mcpSessions?.max,
          maxSessionsPerToken: config.server.mcpSessions?.perToken,
          idleTimeoutMs: config.server.mcpSessions?.idleTimeoutMs,
        }),
    },
    {
      provide: ENGINE_CLIENT,
      inject: [MCP_DEPS],
      useFactory: (deps: McpServerDeps) => EngineClient.connect(createMcpServer(deps, { principal: ENGINE_PRINCIPAL, channel: 'engine' })),
    },
  ],
  exports: [ENGINE_CLIENT, MCP_DEPS],
})
export class McpModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(McpSessions) private readonly sessions: McpSessions,
    @Inject(ENGINE_CLIENT) private readonly engine: EngineClient,
    @Inject(McpTasks) private readonly tasks: McpTasks,
  ) {}

  onApplicationBootstrap(): void {
    this.tasks.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tasks.close();
    await this.sessions.closeAll();
    await this.engine.close();
  }
}
