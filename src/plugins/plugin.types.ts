import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { ErrorDetail } from '../common/errors.js';
import type { AnyToolDefinition, Effect, JsonSchema, ToolExample } from './plugin-api.js';

/** plugin.yaml after validation against schemas/plugin.schema.json (defaults applied). */
export interface PluginManifest {
  id: string;
  version: string;
  description: string;
  host: string;
  kinds: string[];
  modules: { id: string; description: string }[];
  settings?: JsonSchema;
  entry: string;
}

export type PluginStatus = 'loaded' | 'disabled' | 'failed';

/** One discovered plugin folder and what became of it. */
export interface PluginRecord {
  /** The manifest id, or the folder name when the manifest could not be read. */
  id: string;
  dir: string;
  status: PluginStatus;
  /** Why it failed or is disabled, in one line a person can act on. */
  reason?: string;
  errors?: ErrorDetail[];
  version?: string;
  description?: string;
  kinds: string[];
  modules: string[];
  /** Ids of the tools it offers (after the config's allow-lists). */
  tools: string[];
  /** Ids of tools it registered that the config's allow-lists leave out. */
  filteredTools: string[];
  /** The host-provided `mcp` plugin only: each external MCP server as it is now (read live, at every access). */
  readonly servers?: readonly ExternalServerStatus[];
}

export type ExternalServerState = 'connecting' | 'connected' | 'restarting' | 'failed' | 'disabled' | 'closed';

/** One external MCP server mounted from `plugins.mcp.settings.servers.<name>` (a module of the `mcp` plugin). */
export interface ExternalServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  status: ExternalServerState;
  /** Why it failed, is disabled or is restarting, in one line a person can act on. */
  reason?: string;
  /** How many times its process was restarted after exiting (stdio), or it was reconnected after losing it (http). */
  restarts: number;
  /** Ids of the tools it offers (fixed at load; after the allow-lists). */
  tools: string[];
  /** Remote tools not mounted, each with why. */
  skippedTools?: { tool: string; reason: string }[];
  /** The remote's own name and version (from initialize). */
  remote?: { name: string; version: string };
  /** The child process, while one runs (stdio). */
  pid?: number;
}

/** A tool checked at load time and ready to call: the definition plus what the host derived from it. */
export interface LoadedTool {
  id: string;
  wireName: string;
  plugin: string;
  module: string;
  name: string;
  title: string;
  description: string;
  effect: Effect;
  idempotent: boolean;
  /** Environment roles, in declaration order. */
  environments: readonly string[];
  /** Environment kinds the owning plugin serves. */
  kinds: readonly string[];
  supportsPlan: boolean;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  examples: readonly ToolExample<unknown>[];
  /** Validates (and fills defaults into) a copy of the input. */
  validateInput: ValidateFunction;
  validateOutput?: ValidateFunction;
  definition: AnyToolDefinition;
  /** The plugin's validated settings (frozen), handed to every call as ctx.settings. */
  settings: Readonly<Record<string, unknown>>;
}

/** Thrown inside the loader for a plugin that cannot be loaded; caught per plugin and recorded as `failed`. */
export class PluginLoadError extends Error {
  constructor(
    message: string,
    readonly errors?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'PluginLoadError';
  }
}
