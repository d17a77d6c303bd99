import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../../plugins/plugin-api.js';

const MAX_ERROR_TEXT = 2000;

/**
 * What a call to an external tool gives its caller: the remote's `structuredContent` when present, else
 * `{ content }` with the items as the remote sent them (text, image as base64 `data` + `mimeType`, resource, ...).
 * A result the remote marked `isError` becomes ToolError MCP_TOOL_ERROR carrying the remote's text.
 */
export function toOutput(result: CallToolResult, server: string, tool: string): unknown {
  if (result.isError) {
    const text = errorText(result);
    throw new ToolError('MCP_TOOL_ERROR', text || `tool "${tool}" of external MCP server "${server}" reported an error without a message`, { server, tool });
  }
  return result.structuredContent ?? { content: result.content ?? [] };
}

function errorText(result: CallToolResult): string {
  const texts = (result.content ?? []).flatMap((c) => (c.type === 'text' ? [c.text] : []));
  const text = texts.length > 0 ? texts.join('\n') : result.structuredContent ? JSON.stringify(result.structuredContent) : '';
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}
