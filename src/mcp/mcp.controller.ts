import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { MinRole } from '../auth/roles.js';
import { McpSessions } from './mcp.sessions.js';

/** MCP Streamable HTTP at /mcp (POST messages, GET the server's SSE stream, DELETE the session). */
@ApiExcludeController()
@Controller()
export class McpController {
  constructor(@Inject(McpSessions) private readonly sessions: McpSessions) {}

  @All('mcp')
  @MinRole('viewer')
  async mcp(@Req() req: AuthedRequest, @Res() res: Response): Promise<void> {
    await this.sessions.handle(req, res);
  }
}
