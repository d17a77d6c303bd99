import type { Effect, JsonSchema, ToolExample } from '../plugins/plugin-api.js';

/** Typed view of schemas/registry.schema.json (the schema is the source of truth; keep the two in step). */

/** MCP tool annotations, derived from effect and idempotence. Hints for clients; Steward's gate decides. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface RegistryEntry {
  id: string;
  wireName: string;
  plugin: string;
  module: string;
  name: string;
  title: string;
  description: string;
  effect: Effect;
  idempotent: boolean;
  supportsPlan: boolean;
  environments: string[];
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations: ToolAnnotations;
  examples: ToolExample<unknown>[];
}

export interface RegistryPlugin {
  id: string;
  version: string;
  kinds: string[];
  modules: string[];
}

export interface RegistryDocument {
  $schema: string;
  generatedBy: string;
  plugins: RegistryPlugin[];
  tools: RegistryEntry[];
}

/** What differs between a committed registry and a freshly built one, by tool id. */
export interface RegistryDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** The plugins list or header differs. */
  pluginsChanged: boolean;
}
