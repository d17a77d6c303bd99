import { SEGMENT } from '../../plugins/tool-id.js';

/**
 * A remote tool's name as the last segment of a Steward tool id (see src/plugins/tool-id.ts): lowercase, camelCase
 * split with `-` (`getTinyImage` → `get-tiny-image`), other characters turned into `-`, runs of `_` or `-` collapsed,
 * no trailing `_`; a name starting with a digit gets a `tool-` prefix. Undefined when nothing usable is left.
 */
export function normaliseToolName(remote: string): string | undefined {
  let name = remote
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/-{2,}/g, '-')
    .replace(/^[_-]+/, '')
    .replace(/[_-]+$/, '');
  if (/^[0-9]/.test(name)) name = `tool-${name}`;
  return SEGMENT.test(name) ? name : undefined;
}

export interface NameMapping {
  /** Steward name → the remote's own name. */
  names: Map<string, string>;
  /** Remote names left out, each with why. */
  skipped: { tool: string; reason: string }[];
}

/** Normalises every remote name; names that normalise to the same Steward name are all left out. */
export function mapToolNames(remoteNames: readonly string[]): NameMapping {
  const groups = new Map<string, string[]>();
  const skipped: NameMapping['skipped'] = [];
  for (const remote of remoteNames) {
    const name = normaliseToolName(remote);
    if (name === undefined) skipped.push({ tool: remote, reason: 'its name has no letters or digits to make a Steward tool name from' });
    else groups.set(name, [...(groups.get(name) ?? []), remote]);
  }
  const names = new Map<string, string>();
  for (const [name, remotes] of groups) {
    if (remotes.length === 1) names.set(name, remotes[0] as string);
    else for (const remote of remotes) skipped.push({ tool: remote, reason: `the names ${remotes.map((r) => `"${r}"`).join(', ')} all become "${name}"; none is mounted` });
  }
  return { names, skipped };
}
