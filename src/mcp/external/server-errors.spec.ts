import { describe as group, expect, it } from '@jest/globals';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { callFailure, isConnectionLost, startFailure, type FailureContext } from './server-errors.js';

const stdio: FailureContext = { server: 'peer', config: { transport: 'stdio', command: 'peer-server', timeoutMs: 800 }, stderr: '; stderr: oops' };
const http: FailureContext = { server: 'web', config: { transport: 'http', timeoutMs: 800 }, stderr: '' };
const refused = Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });

group('callFailure', () => {
  it.each([
    [new McpError(ErrorCode.RequestTimeout, 'Request timed out'), stdio, 'TIMEOUT', 'external MCP server "peer" did not answer "t" within 800 ms'],
    [new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), stdio, 'MCP_SERVER_DIED', 'external MCP server "peer" exited during the call; stderr: oops; it is being restarted'],
    [new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), http, 'MCP_SERVER_DIED', 'external MCP server "web" closed the connection during the call'],
    [new McpError(ErrorCode.InvalidParams, 'Tool t not found'), stdio, 'MCP_PROTOCOL_ERROR', 'external MCP server "peer" rejected "t": MCP error -32602: Tool t not found'],
    [new StreamableHTTPError(404, 'Session not found'), http, 'MCP_SERVER_UNAVAILABLE', 'external MCP server "web" answered "t" with HTTP 404 (Streamable HTTP error: Session not found); reconnecting'],
    [refused, http, 'MCP_SERVER_UNAVAILABLE', 'external MCP server "web" could not be reached for "t": fetch failed: connect ECONNREFUSED 127.0.0.1:9'],
  ])('%s → %s', (error, ctx, code, message) => {
    expect(callFailure(error, 't', ctx)).toMatchObject({ code, message, detail: expect.objectContaining({ server: ctx.server, tool: 't' }) });
  });
});

group('startFailure', () => {
  it.each([
    [new McpError(ErrorCode.RequestTimeout, 'x'), false, stdio, 'did not finish start-up (initialize, tools/list) within 500 ms; stderr: oops'],
    [new Error('This operation was aborted'), true, http, 'did not finish start-up (initialize, tools/list) within 500 ms'],
    [new McpError(ErrorCode.ConnectionClosed, 'x'), false, stdio, 'the process exited during start-up; stderr: oops'],
    [Object.assign(new Error('spawn peer-server ENOENT'), { code: 'ENOENT' }), false, stdio, 'cannot start "peer-server": command not found'],
    [Object.assign(new Error('spawn peer-server EACCES'), { code: 'EACCES' }), false, stdio, 'cannot start "peer-server": permission denied'],
    [refused, false, http, 'cannot connect: fetch failed: connect ECONNREFUSED 127.0.0.1:9'],
  ])('%s → %s', (error, timedOut, ctx, reason) => {
    expect(startFailure(error, timedOut, 500, ctx)).toBe(reason);
  });
});

group('isConnectionLost', () => {
  it('is an HTTP error or an unreachable server, never a JSON-RPC answer', () => {
    expect(isConnectionLost(new StreamableHTTPError(400, 'bad session'))).toBe(true);
    expect(isConnectionLost(refused)).toBe(true);
    expect(isConnectionLost(new McpError(ErrorCode.InvalidParams, 'x'))).toBe(false);
    expect(isConnectionLost(new Error('other'))).toBe(false);
  });
});
