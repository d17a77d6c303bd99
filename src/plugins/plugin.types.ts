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
