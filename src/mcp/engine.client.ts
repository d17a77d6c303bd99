import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ProgressUpdate } from '../plugins/plugin-api.js';
import { ENV_ARG, ENVS_ARG } from './mcp-tools.js';
import { META } from './mcp.server.js';

export interface EngineCall {
  /** Canonical id or wire name. */
  tool: string;
  input: Record<string, unknown>;
  /** Role → environment name. */
  environments?: Record<string, string>;
  mode?: 'execute' | 'plan';
  approvalId?: string;
  runId?: string;
  stepId?: string;
  signal?: AbortSignal;
  onProgress?: (p: ProgressUpdate) => void;
  timeoutMs?: number;
}

/**
 * Steward's own engine (runner, agent) calls tools through this MCP client, linked in-process to an MCP server of
 * its own: the same resolution, validation, gate and invocation as an outside client at /mcp — one code path.
 */
export class EngineClient {
  private constructor(
    private readonly client: Client,
    private readonly server: Server,
  ) {}

  static async connect(server: Server, name = 'steward-engine'): Promise<EngineClient> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name, version: '1' }, { capabilities: {} });
    await server.connect(serverSide);
    await client.connect(clientSide);
    return new EngineClient(client, server);
  }

  private listed?: Promise<Tool[]>;

  /**
   * The server's tools. The list is fixed for the server's life (it announces listChanged: false), so it is asked
   * once: the SDK client compiles a validator for every output schema on each tools/list, which would otherwise cost
   * an agent run tens of milliseconds.
   */
  listTools(): Promise<Tool[]> {
    this.listed ??= this.fetchTools().catch((e: unknown) => {
      this.listed = undefined;
      throw e;
    });
    return this.listed;
  }

  private async fetchTools(): Promise<Tool[]> {
    const out: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined);
      out.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  async call(c: EngineCall): Promise<CallToolResult> {
    const args: Record<string, unknown> = { ...c.input };
    const envs = c.environments ?? {};
    const roles = Object.keys(envs);
    if (roles.length === 1) args[ENV_ARG] = envs[roles[0]];
    else if (roles.length > 0) args[ENVS_ARG] = envs;
    const _meta: Record<string, unknown> = {};
    if (c.mode === 'plan') _meta[META.mode] = 'plan';
    if (c.approvalId) _meta[META.approvalId] = c.approvalId;
    if (c.runId) _meta[META.runId] = c.runId;
    if (c.stepId) _meta[META.stepId] = c.stepId;
    const result = await this.client.callTool({ name: c.tool, arguments: args, _meta }, undefined, {
      signal: c.signal,
      timeout: c.timeoutMs ?? 24 * 3600_000,
      resetTimeoutOnProgress: true,
      onprogress: c.onProgress ? (p) => c.onProgress!({ progress: p.progress, total: p.total, message: p.message }) : undefined,
    });
    return result as CallToolResult;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await this.server.close().catch(() => undefined);
  }
}
