import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { deepFreeze } from '../../plugins/deep-freeze.js';
import type { AnyToolDefinition, Effect, JsonSchema, ToolContext } from '../../plugins/plugin-api.js';
import type { LoadedTool } from '../../plugins/plugin.types.js';
import { wireName } from '../../plugins/tool-id.js';
import { listedInputSchema } from './listed-schema.js';
import { compileRemoteSchema } from './remote-schema.js';
import { EXTERNAL_PLUGIN_ID, type ExternalServerConfig } from './external.settings.js';

/** Runs one remote tool with the caller's signal and progress; gives the output or throws a ToolError. */
export type RemoteCall = (remoteName: string, input: Record<string, unknown>, ctx: ToolContext) => Promise<unknown>;

export interface ExternalToolSpec {
  /** The server's name: the module segment of the id. */
  server: string;
  /** The Steward name (normalised): the last segment of the id. */
  name: string;
  remote: Tool;
  config: Pick<ExternalServerConfig, 'effects' | 'idempotent'>;
  call: RemoteCall;
  logger: Logger;
}

const NO_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The effect of a remote tool. Its annotations are hints from outside, so they only ever make a tool look safer
 * when they say so outright: the config's `effects` wins; else `destructiveHint: true` → destructive,
 * `readOnlyHint: true` → read, anything else → write.
 */
export function effectOf(remote: Pick<Tool, 'name' | 'annotations'>, name: string, config: ExternalToolSpec['config']): Effect {
  const override = config.effects[remote.name] ?? config.effects[name];
  if (override) return override;
  if (remote.annotations?.destructiveHint === true) return 'destructive';
  return remote.annotations?.readOnlyHint === true ? 'read' : 'write';
}

/** Idempotent when the config lists it, or when it is read-only and the remote says it is idempotent. */
export function idempotentOf(remote: Pick<Tool, 'name' | 'annotations'>, name: string, effect: Effect, config: ExternalToolSpec['config']): boolean {
  if (config.idempotent.includes(remote.name) || config.idempotent.includes(name)) return true;
  return effect === 'read' && remote.annotations?.readOnlyHint === true && remote.annotations.idempotentHint === true;
}

/**
 * A remote tool as a LoadedTool `mcp.<server>.<name>`: no environment, no dry run, no examples. Its inputSchema is the
 * listing form every host accepts (listed-schema.ts); its input is validated against the remote's own schema.
 */
export function externalTool(spec: ExternalToolSpec): LoadedTool {
  const { server, name, remote } = spec;
  const id = `${EXTERNAL_PLUGIN_ID}.${server}.${name}`;
  const log = spec.logger.child({ tool: id });
  const original = structuredClone(remote.inputSchema) as JsonSchema;
  const listed = listedInputSchema(original);
  const inputSchema = deepFreeze(listed.schema);
  const outputSchema = remote.outputSchema && (deepFreeze(structuredClone(remote.outputSchema)) as JsonSchema);
  const validateInput = compileRemoteSchema(original, { useDefaults: true }) ?? acceptAnyObject(log, 'inputSchema');
  const validateOutput = outputSchema && (compileRemoteSchema(outputSchema) ?? warnUnchecked(log));
  const effect = effectOf(remote, name, spec.config);
  const title = remote.title ?? remote.annotations?.title ?? remote.name;
  const described = remote.description?.trim() || `Tool "${remote.name}" of the external MCP server "${server}".`;
  const description = listed.note ? `${described}\n\n${listed.note}` : described;
  const definition: AnyToolDefinition = Object.freeze({
    id,
    title,
    description,
    inputSchema,
    ...(outputSchema && { outputSchema }),
    effect,
    idempotent: idempotentOf(remote, name, effect, spec.config),
    environments: [],
    examples: [],
    handler: (input: unknown, ctx: ToolContext) => spec.call(remote.name, input as Record<string, unknown>, ctx),
  });
  return {
    id,
    wireName: wireName(id),
    plugin: EXTERNAL_PLUGIN_ID,
    module: server,
    name,
    title,
    description,
    effect,
    idempotent: definition.idempotent,
    environments: Object.freeze([]),
    kinds: Object.freeze([]),
    supportsPlan: false,
    inputSchema,
    outputSchema,
    examples: [],
    validateInput,
    validateOutput,
    definition,
    settings: NO_SETTINGS,
  };
}

function acceptAnyObject(log: Logger, what: string) {
  log.warn(`the remote's ${what} cannot be compiled; inputs are checked only to be objects (the remote still validates them)`);
  return compileRemoteSchema({ type: 'object' }) as NonNullable<ReturnType<typeof compileRemoteSchema>>;
}

function warnUnchecked(log: Logger): undefined {
  log.warn("the remote's outputSchema cannot be compiled; outputs are not checked against it");
  return undefined;
}
