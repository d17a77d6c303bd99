import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { PluginSettings } from '../../config/config.types.js';
import { PluginLoadError, type LoadedTool, type PluginRecord } from '../../plugins/plugin.types.js';
import { parseToolId } from '../../plugins/tool-id.js';
import { ExternalServer, type Backoff } from './external.server.js';
import { EXTERNAL_PLUGIN_ID, parseExternalSettings, type ExternalServerConfig } from './external.settings.js';
import { externalTool } from './external.tool.js';
import { mapToolNames } from './tool-name.js';

export { EXTERNAL_PLUGIN_ID } from './external.settings.js';
/** The `dir` of the host-provided plugin's record: it has no folder. */
export const EXTERNAL_PLUGIN_DIR = '(steward.yaml: plugins.mcp)';

export interface MountExternalOptions {
  /** `plugins.mcp` from steward.yaml. */
  config: PluginSettings;
  /** What a relative `cwd` resolves against. */
  baseDir: string;
  /** Already carrying `plugin: mcp`. */
  logger: Logger;
  hostVersion: string;
  backoff?: Partial<Backoff>;
}

export interface MountedExternal {
  record: PluginRecord;
  tools: LoadedTool[];
  dispose: () => Promise<void>;
}

/**
 * The host-provided plugin `mcp`: every server in `plugins.mcp.settings.servers` is one module, connected in
 * parallel; each remote tool becomes `mcp.<server>.<tool>`. A server that cannot start is recorded as failed in
 * the record's `servers` while the others load; invalid settings or allow-lists fail the whole plugin.
 */
export async function mountExternalServers(opts: MountExternalOptions): Promise<MountedExternal> {
  const { config, logger } = opts;
  const base = { id: EXTERNAL_PLUGIN_ID, dir: EXTERNAL_PLUGIN_DIR, version: opts.hostVersion, description: 'External MCP servers mounted from steward.yaml', kinds: [], tools: [], filteredTools: [] };
  const nothing = async () => undefined;
  if (config.enabled === false) {
    logger.info('plugin disabled by config');
    return { record: { ...base, modules: [], status: 'disabled', reason: 'plugins.mcp.enabled is false' }, tools: [], dispose: nothing };
  }
  let settings: ReturnType<typeof parseExternalSettings>;
  let allow: AllowLists;
  try {
    settings = parseExternalSettings(config.settings, opts.baseDir);
    allow = allowLists(config, Object.keys(settings.servers));
  } catch (e) {
    if (!(e instanceof PluginLoadError)) throw e;
    logger.error({ reason: e.message }, 'plugin failed to load; skipped');
    return { record: { ...base, modules: [], status: 'failed', reason: e.message, ...(e.errors && { errors: e.errors }) }, tools: [], dispose: nothing };
  }

  const servers = Object.entries(settings.servers).map(
    ([name, server]) => new ExternalServer({ name, config: server, logger: logger.child({ server: name }), clientInfo: { name: 'steward', version: opts.hostVersion }, backoff: opts.backoff }),
  );
  await Promise.all(servers.map((s) => (allow.server(s.name) ? s.start() : s.disable(allow.whyNot(s.name)))));

  const mounted: LoadedTool[] = [];
  for (const server of servers.filter((s) => s.connected)) {
    const mapped = mountTools(server, settings.servers[server.name] as ExternalServerConfig, logger.child({ server: server.name }));
    server.mounted = mapped.filter((t) => allow.tool(t.id)).map((t) => t.id).sort();
    mounted.push(...mapped);
  }
  const kept = mounted.filter((t) => allow.tool(t.id));
  const filtered = mounted.filter((t) => !allow.tool(t.id)).map((t) => t.id);
  for (const id of allow.tools ?? []) {
    const server = servers.find((s) => s.name === parseToolId(id)?.module);
    if (server?.connected && !mounted.some((t) => t.id === id)) logger.warn({ tool: id }, 'plugins.mcp.tools lists a tool the server does not offer');
  }
  const down = servers.filter((s) => s.status().status === 'failed');
  const record: PluginRecord = {
    ...base,
    status: 'loaded',
    ...(down.length > 0 && { reason: `${down.length} of ${servers.length} external servers failed to start: ${down.map((s) => `${s.name} (${s.status().reason})`).join('; ')}` }),
    modules: servers.map((s) => s.name),
    tools: kept.map((t) => t.id).sort(),
    filteredTools: filtered.sort(),
    get servers() {
      return servers.map((s) => s.status());
    },
  };
  logger.info({ servers: servers.length, failed: down.length, tools: kept.length, filtered: filtered.length }, 'plugin loaded');
  return { record, tools: kept, dispose: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}

/** The server's remote tools as LoadedTools; task-only tools and names that collide once normalised are left out. */
function mountTools(server: ExternalServer, config: ExternalServerConfig, logger: Logger): LoadedTool[] {
  const byName = new Map<string, Tool>(server.tools.map((t) => [t.name, t]));
  const callable = server.tools.filter((t) => t.execution?.taskSupport !== 'required');
  const skipped = server.tools
    .filter((t) => !callable.includes(t))
    .map((t) => ({ tool: t.name, reason: 'it can only run as a task (execution.taskSupport: required), which Steward does not use' }));
  const { names, skipped: unnamed } = mapToolNames(callable.map((t) => t.name));
  server.skipped = [...skipped, ...unnamed];
  for (const s of server.skipped) logger.warn({ remoteTool: s.tool, reason: s.reason }, 'remote tool not mounted');
  const mentioned = [...Object.keys(config.effects), ...config.idempotent];
  for (const key of mentioned.filter((k) => !byName.has(k) && !names.has(k))) logger.warn({ key }, 'effects/idempotent names a tool this server does not offer');
  return [...names].map(([name, remoteName]) =>
    externalTool({ server: server.name, name, remote: byName.get(remoteName) as Tool, config, logger, call: (tool, input, ctx) => server.run(tool, input, ctx) }),
  );
}

interface AllowLists {
  /** Whether to start the server at all. */
  server(name: string): boolean;
  whyNot(name: string): string;
  tool(id: string): boolean;
  /** `plugins.mcp.tools` as full ids, when given. */
  tools?: string[];
}

/** `plugins.mcp.modules` (server names) and `.tools` (`<server>.<tool>` or full ids), checked against the servers. */
function allowLists(config: PluginSettings, servers: string[]): AllowLists {
  for (const m of config.modules ?? []) {
    if (!servers.includes(m)) throw new PluginLoadError(`plugins.${EXTERNAL_PLUGIN_ID}.modules lists "${m}", which is not a server in plugins.${EXTERNAL_PLUGIN_ID}.settings.servers`);
  }
  const tools = config.tools?.map((n) => (n.split('.').length === 2 ? `${EXTERNAL_PLUGIN_ID}.${n}` : n));
  tools?.forEach((id, i) => {
    const parts = parseToolId(id);
    if (!parts || parts.plugin !== EXTERNAL_PLUGIN_ID || !servers.includes(parts.module)) {
      throw new PluginLoadError(`plugins.${EXTERNAL_PLUGIN_ID}.tools lists "${config.tools?.[i]}", which names no configured server (write <server>.<tool> or mcp.<server>.<tool>)`);
    }
  });
  const inModules = (name: string) => !config.modules || config.modules.includes(name);
  const hasTools = (name: string) => !tools || tools.some((id) => parseToolId(id)?.module === name);
  return {
    server: (name) => inModules(name) && hasTools(name),
    whyNot: (name) => (inModules(name) ? `no tool of it is in plugins.${EXTERNAL_PLUGIN_ID}.tools` : `not in plugins.${EXTERNAL_PLUGIN_ID}.modules`),
    tool: (id) => !tools || tools.includes(id),
    ...(tools && { tools }),
  };
}
