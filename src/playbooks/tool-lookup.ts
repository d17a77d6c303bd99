/**
 * What validation needs to know about tools. The plugin catalogue satisfies this structurally (LoadedTool has these
 * fields), so `PluginCatalogue` can be provided as TOOL_LOOKUP as it is.
 */
export interface ToolInfo {
  id: string;
  effect: 'read' | 'write' | 'destructive';
  idempotent: boolean;
  /** JSON Schema (draft 2020-12) of the tool's input. */
  inputSchema: Readonly<Record<string, unknown>>;
  /** The tool's environment roles, in declaration order (`target` by default; none for utility tools). */
  environments: readonly string[];
  /** Environment kinds the tool's plugin serves. */
  kinds: readonly string[];
  /** JSON Schema of the tool's output, when it declares one: `${{ steps.<id>.output... }}` are checked against it where it is closed. */
  outputSchema?: Readonly<Record<string, unknown>>;
}

export interface ToolLookup {
  get(id: string): ToolInfo | undefined;
  /** Every tool: when given, agent tool patterns (`sisense.dashboard.*`) are checked to match at least one. */
  tools?(): readonly ToolInfo[];
}

/** A lookup over a fixed list (tests, `steward validate` without plugins). */
export function staticToolLookup(tools: readonly ToolInfo[]): ToolLookup {
  const byId = new Map(tools.map((t) => [t.id, t]));
  return { get: (id) => byId.get(id), tools: () => [...byId.values()] };
}
