import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../../plugins/plugin-api.js';
import type { ExternalServerConfig } from './external.settings.js';

/** What a failure message needs to know about the server. */
export interface FailureContext {
  server: string;
  config: Pick<ExternalServerConfig, 'transport' | 'command' | 'timeoutMs'>;
  /** `; stderr: <last line>` or empty (stdio). */
  stderr: string;
}

/**
 * A failed tools/call as the ToolError a caller reads: TIMEOUT (no answer within timeoutMs), MCP_SERVER_DIED (the
 * process exited or the connection closed during the call), MCP_PROTOCOL_ERROR (the remote answered with a JSON-RPC
 * error: unknown tool, invalid params), MCP_SERVER_UNAVAILABLE (an HTTP error or an unreachable server).
 */
export function callFailure(e: unknown, tool: string, ctx: FailureContext): ToolError {
  const { server, config } = ctx;
  const detail = { server, tool };
  if (e instanceof McpError && e.code === ErrorCode.RequestTimeout) {
    return new ToolError('TIMEOUT', `external MCP server "${server}" did not answer "${tool}" within ${config.timeoutMs} ms`, detail);
  }
  if (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) {
    const how = config.transport === 'stdio' ? `exited during the call${ctx.stderr}; it is being restarted` : 'closed the connection during the call';
    return new ToolError('MCP_SERVER_DIED', `external MCP server "${server}" ${how}`, detail);
  }
  if (e instanceof McpError) return new ToolError('MCP_PROTOCOL_ERROR', `external MCP server "${server}" rejected "${tool}": ${e.message}`, { ...detail, mcpCode: e.code });
  if (e instanceof StreamableHTTPError) {
    return new ToolError('MCP_SERVER_UNAVAILABLE', `external MCP server "${server}" answered "${tool}" with HTTP ${e.code} (${e.message}); reconnecting`, { ...detail, httpStatus: e.code });
  }
  return new ToolError('MCP_SERVER_UNAVAILABLE', `external MCP server "${server}" could not be reached for "${tool}": ${describe(e)}`, detail);
}

/** Why a server did not start, in one line for GET /plugins. */
export function startFailure(e: unknown, timedOut: boolean, timeoutMs: number, ctx: FailureContext): string {
  const { config, stderr } = ctx;
  if (timedOut || (e instanceof McpError && e.code === ErrorCode.RequestTimeout)) return `did not finish start-up (initialize, tools/list) within ${timeoutMs} ms${stderr}`;
  if (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) {
    return config.transport === 'stdio' ? `the process exited during start-up${stderr}` : 'the connection closed during start-up';
  }
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (config.transport === 'stdio' && (code === 'ENOENT' || code === 'EACCES')) {
    return `cannot start "${config.command}": ${code === 'ENOENT' ? 'command not found' : 'permission denied'}`;
  }
  return `${config.transport === 'http' ? 'cannot connect' : 'cannot start'}: ${describe(e)}${stderr}`;
}

/**
 * An http call that failed below JSON-RPC: the server is unreachable, or answered with an HTTP error (404, or from
 * some servers 400, for a session it no longer knows after a restart). Tool-level failures never arrive this way.
 */
export function isConnectionLost(e: unknown): boolean {
  // fetch's TypeError may come from another realm (jest's vm), so it is known by its message, not instanceof.
  return e instanceof StreamableHTTPError || (e as Error | undefined)?.message === 'fetch failed';
}

/** An error's message and, for fetch failures, its cause (`fetch failed: connect ECONNREFUSED 127.0.0.1:9`). */
export function describe(e: unknown): string {
  const err = e as Error | undefined;
  const cause = (err?.cause as Error | undefined)?.message;
  return `${err?.message ?? String(e)}${cause ? `: ${cause}` : ''}`;
}
