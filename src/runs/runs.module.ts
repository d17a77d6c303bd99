import { Global, Module } from '@nestjs/common';
import { ApprovalService } from '../approvals/approval.service.js';
import { ApprovalsController } from '../approvals/approvals.controller.js';
import { McpModule } from '../mcp/mcp.module.js';
import { TOOL_GATE } from '../mcp/tool-gate.js';
import { RunEventsController } from './run-events.controller.js';
import { RunEventsService } from './run-events.service.js';
import { RunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';
import { RunReportController } from './run-report.controller.js';
import { ThreadsController } from '../threads/threads.controller.js';
import { ThreadsService } from '../threads/threads.service.js';

/** Run events and approvals: global, because the MCP server's gate (McpModule) is the approval service. */
@Global()
@Module({
  providers: [RunEventsService, ApprovalService, { provide: TOOL_GATE, useExisting: ApprovalService }],
  controllers: [ApprovalsController],
  exports: [RunEventsService, ApprovalService, TOOL_GATE],
})
export class ApprovalsModule {}

/** Runs: the REST API, SSE, reports, and the service that queues, executes, resumes and recovers them. */
@Module({
  imports: [McpModule],
  providers: [RunsService, ThreadsService],
  controllers: [RunsController, RunEventsController, RunReportController, ThreadsController],
  exports: [RunsService],
})
export class RunsModule {}
