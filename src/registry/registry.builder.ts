import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reachesOutside } from '../mcp/mcp-tools.js';
import type { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import type { LoadedTool } from '../plugins/plugin.types.js';
import type { RegistryDiff, RegistryDocument, RegistryEntry } from './registry.types.js';

export const REGISTRY_SCHEMA_REF = '../schemas/registry.schema.json';
export const GENERATED_BY = 'steward registry build (generated: do not edit; CI runs steward registry check)';

/** One tool as the registry (and GET /tools, and the MCP server's tools/list) describes it. */
export function toRegistryEntry(tool: LoadedTool): RegistryEntry {
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    id: tool.id,
    wireName: tool.wireName,
    plugin: tool.plugin,
    module: tool.module,
    name: tool.name,
    title: tool.title,
    description: tool.description,
    effect: tool.effect,
    idempotent: tool.idempotent,
    supportsPlan: tool.supportsPlan,
    environments: [...tool.environments],
    inputSchema: json(tool.inputSchema),
    ...(tool.outputSchema && { outputSchema: json(tool.outputSchema) }),
    annotations: {
      readOnlyHint: tool.effect === 'read',
      destructiveHint: tool.effect === 'destructive',
      idempotentHint: tool.idempotent,
      openWorldHint: reachesOutside(tool),
    },
    examples: tool.examples.map((e) => ({ title: e.title, input: json(e.input) })),
  };
}

/**
 * The registry of the loaded plugins: sorted, no timestamps, so the same plugins always give the same bytes. Steward's
 * own MCP tools (steward.runs.*, steward.approvals.list: src/mcp/steward-tools.ts) are left out on purpose: they are
 * its REST API offered to outside MCP clients, not plugin tools a playbook or the agent calls through the gate.
 */
export function buildRegistry(catalogue: PluginCatalogue): RegistryDocument {
  const plugins = catalogue
    .plugins()
    .filter((p) => p.status === 'loaded')
    .map((p) => ({ id: p.id, version: p.version ?? '0.0.0', kinds: [...p.kinds], modules: [...p.modules] }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { $schema: REGISTRY_SCHEMA_REF, generatedBy: GENERATED_BY, plugins, tools: catalogue.tools().map(toRegistryEntry) };
}

export const serializeRegistry = (doc: RegistryDocument): string => `${JSON.stringify(doc, null, 2)}\n`;

/** Tool ids added, removed or changed going from `before` (e.g. the committed file) to `after`. */
export function diffRegistries(before: RegistryDocument | undefined, after: RegistryDocument): RegistryDiff {
  const index = (doc?: RegistryDocument) => new Map((doc?.tools ?? []).map((t) => [t.id, JSON.stringify(t)]));
  const [old, fresh] = [index(before), index(after)];
  return {
    added: [...fresh.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !fresh.has(id)),
    changed: [...fresh.keys()].filter((id) => old.has(id) && old.get(id) !== fresh.get(id)),
    pluginsChanged: JSON.stringify({ ...before, tools: [] }) !== JSON.stringify({ ...after, tools: [] }),
  };
}

export interface RegistryCheck {
  upToDate: boolean;
  diff: RegistryDiff;
  /** Why the committed file could not be compared (missing, not JSON). */
  problem?: string;
}

/** Compares the file with what the catalogue gives, byte for byte; the diff says what differs. */
export function checkRegistry(file: string, catalogue: PluginCatalogue): RegistryCheck {
  const fresh = buildRegistry(catalogue);
  if (!existsSync(file)) return { upToDate: false, diff: diffRegistries(undefined, fresh), problem: `${file} does not exist` };
  const text = readFileSync(file, 'utf8');
  let committed: RegistryDocument | undefined;
  try {
    committed = JSON.parse(text) as RegistryDocument;
  } catch (e) {
    return { upToDate: false, diff: diffRegistries(undefined, fresh), problem: `${file} is not valid JSON: ${(e as Error).message}` };
  }
  return { upToDate: text === serializeRegistry(fresh), diff: diffRegistries(committed, fresh) };
}

/** Writes the registry; returns what changed relative to the previous file. */
export function writeRegistry(file: string, catalogue: PluginCatalogue): RegistryCheck {
  const before = checkRegistry(file, catalogue);
  if (!before.upToDate) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, serializeRegistry(buildRegistry(catalogue)));
  }
  return before;
}

/** `added: a, b; changed: c` (or `no tool changed`). */
export function describeDiff(diff: RegistryDiff): string {
  const parts = (['added', 'removed', 'changed'] as const).filter((k) => diff[k].length > 0).map((k) => `${k}: ${diff[k].join(', ')}`);
  if (diff.pluginsChanged) parts.push('plugin list or header changed');
  return parts.join('; ') || 'no tool changed (formatting differs)';
}
