import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { EnvironmentConfig } from '../config/config.types.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import { EXTERNAL_PLUGIN_ID } from './external/external.settings.js';

/**
 * How Steward's tools look on the MCP wire. The tool's own input schema is extended with the environment(s) to run
 * against: `environment` (a tool with one role) or `environments: {role: name}` (several roles), restricted to the
 * configured environments of a kind the plugin serves. Steward strips these before validating the tool's own input.
 */
export const ENV_ARG = 'environment';
export const ENVS_ARG = 'environments';

/** MCP's openWorldHint: the tool reaches a system outside Steward (an environment, or a mounted external server). */
export const reachesOutside = (tool: Pick<LoadedTool, 'environments' | 'plugin'>): boolean => tool.environments.length > 0 || tool.plugin === EXTERNAL_PLUGIN_ID;

export interface WireCall {
  input: Record<string, unknown>;
  environments: Record<string, string>;
}

export class McpToolSurface {
  constructor(private readonly environments: Record<string, EnvironmentConfig>) {}

  /** The candidate environment names for a tool (configured, of a kind its plugin serves). */
  candidates(tool: LoadedTool): string[] {
    return Object.entries(this.environments)
      .filter(([, env]) => tool.kinds.includes(env.kind))
      .map(([name]) => name)
      .sort();
  }

  describe(tool: LoadedTool): Tool {
    const schema = structuredClone(tool.inputSchema) as Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };
    const properties = { ...(schema.properties ?? {}) };
    const required = [...(schema.required ?? [])];
    const names = this.candidates(tool);
    const envName = { type: 'string', ...(names.length ? { enum: names } : {}), description: `Configured environment (kinds: ${tool.kinds.join(', ')})` };
    if (tool.environments.length === 1) {
      properties[ENV_ARG] = { ...envName, description: `Environment for role "${tool.environments[0]}". ${envName.description}` };
      if (names.length !== 1) required.push(ENV_ARG);
    } else if (tool.environments.length > 1) {
      properties[ENVS_ARG] = {
        type: 'object',
        additionalProperties: false,
        required: [...tool.environments],
        properties: Object.fromEntries(tool.environments.map((r) => [r, { ...envName, description: `Environment for role "${r}"` }])),
      };
      required.push(ENVS_ARG);
    }
    const effectNote = tool.effect === 'read' ? 'Read-only.' : `Effect: ${tool.effect} — needs a person's approval in Steward before it runs.`;
    return {
      name: tool.wireName,
      title: tool.title,
      description: `${tool.description}\n\n${effectNote} Steward tool id: ${tool.id}.`,
      inputSchema: { ...schema, type: 'object', properties, ...(required.length ? { required } : {}) } as Tool['inputSchema'],
      ...(tool.outputSchema ? { outputSchema: tool.outputSchema as Tool['outputSchema'] } : {}),
      annotations: {
        title: tool.title,
        readOnlyHint: tool.effect === 'read',
        destructiveHint: tool.effect === 'destructive',
        idempotentHint: tool.idempotent,
        openWorldHint: reachesOutside(tool),
      },
    };
  }

  /** Splits wire arguments into the tool's input and its role → environment binding. */
  split(tool: LoadedTool, args: Record<string, unknown> | undefined): WireCall {
    const input = { ...(args ?? {}) };
    const environments: Record<string, string> = {};
    if (tool.environments.length === 1) {
      const given = input[ENV_ARG];
      delete input[ENV_ARG];
      const names = this.candidates(tool);
      const name = typeof given === 'string' ? given : names.length === 1 ? names[0] : undefined;
      if (name !== undefined) environments[tool.environments[0]] = name;
    } else if (tool.environments.length > 1) {
      const given = input[ENVS_ARG];
      delete input[ENVS_ARG];
      if (given && typeof given === 'object') {
        for (const [role, name] of Object.entries(given)) if (typeof name === 'string') environments[role] = name;
      }
    }
    return { input, environments };
  }
}
