import { StewardError } from '../common/errors.js';
import type { Effect } from './plugin-api.js';
import type { LoadedTool, PluginRecord } from './plugin.types.js';
import { parseToolId } from './tool-id.js';

export interface ToolFilter {
  plugin?: string;
  module?: string;
  effect?: Effect;
}

/**
 * What the loader found: every plugin with its status, and the tools of the loaded ones. Read-only after loading;
 * the registry, the HTTP routes, the MCP server and the invoker all read tools from here.
 */
export class PluginCatalogue {
  private readonly byId: ReadonlyMap<string, LoadedTool>;
  private readonly byWire: ReadonlyMap<string, LoadedTool>;

  constructor(
    private readonly records: readonly PluginRecord[],
    tools: readonly LoadedTool[],
    private readonly disposers: readonly (() => Promise<void>)[] = [],
  ) {
    const sorted = [...tools].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.byId = new Map(sorted.map((t) => [t.id, t]));
    this.byWire = new Map(sorted.map((t) => [t.wireName, t]));
  }

  plugins(): readonly PluginRecord[] {
    return this.records;
  }

  plugin(id: string): PluginRecord | undefined {
    return this.records.find((r) => r.id === id);
  }

  /** Loaded tools sorted by id, optionally filtered. */
  tools(filter: ToolFilter = {}): LoadedTool[] {
    return [...this.byId.values()].filter(
      (t) => (!filter.plugin || t.plugin === filter.plugin) && (!filter.module || t.module === filter.module) && (!filter.effect || t.effect === filter.effect),
    );
  }

  get(id: string): LoadedTool | undefined {
    return this.byId.get(id);
  }

  /** Looks a tool up by its MCP wire name (`demo__util__echo`). */
  byWireName(name: string): LoadedTool | undefined {
    return this.byWire.get(name);
  }

  /** The tool, or TOOL_NOT_FOUND saying why it is unavailable (unknown, left out by config, plugin disabled or failed). */
  require(id: string): LoadedTool {
    const tool = this.byId.get(id);
    if (tool) return tool;
    throw new StewardError('TOOL_NOT_FOUND', this.whyMissing(id));
  }

  /** Runs every plugin's onDispose callbacks (daemon shutdown). */
  async dispose(): Promise<void> {
    for (const d of this.disposers) await d();
  }

  private whyMissing(id: string): string {
    const parts = parseToolId(id);
    const record = parts && this.plugin(parts.plugin);
    if (!parts) return `no tool "${id}" (tool ids look like <plugin>.<module>.<name>)`;
    if (!record) return `no tool "${id}": no plugin "${parts.plugin}" is installed`;
    if (record.status === 'disabled') return `tool "${id}" is unavailable: plugin "${record.id}" is disabled (${record.reason})`;
    if (record.status === 'failed') return `tool "${id}" is unavailable: plugin "${record.id}" failed to load (${record.reason})`;
    const server = record.servers?.find((s) => s.name === parts.module);
    if (server && (server.status === 'failed' || server.status === 'disabled')) {
      return `tool "${id}" is unavailable: external MCP server "${server.name}" is ${server.status}${server.reason ? ` (${server.reason})` : ''}`;
    }
    if (record.filteredTools.includes(id)) return `tool "${id}" is disabled by the allow-lists in plugins.${record.id} (steward.yaml)`;
    return `no tool "${id}" in plugin "${record.id}"`;
  }
}
