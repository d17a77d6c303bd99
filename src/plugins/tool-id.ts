import { createHash } from 'node:crypto';

/**
 * Tool ids and MCP wire names. A canonical id is `<plugin>.<module>.<name>`; each segment is lowercase, starts with a
 * letter and never holds `__` or ends in `_`, so the wire name (dots → `__`) maps back to exactly one id.
 */

const SEGMENT_SOURCE = '[a-z][a-z0-9-]*(?:_[a-z0-9-]+)*';
export const SEGMENT = new RegExp(`^${SEGMENT_SOURCE}$`);
export const TOOL_ID = new RegExp(`^${SEGMENT_SOURCE}\\.${SEGMENT_SOURCE}\\.${SEGMENT_SOURCE}$`);
/** MCP tool names: letters, digits, `_`, `-`; at most 64 characters. */
export const WIRE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const WIRE_NAME_MAX = 64;
const HASH_LENGTH = 8;

export interface ToolIdParts {
  plugin: string;
  module: string;
  name: string;
}

/** Splits a canonical id, or returns undefined when it is not one. */
export function parseToolId(id: string): ToolIdParts | undefined {
  if (!TOOL_ID.test(id)) return undefined;
  const [plugin, module, name] = id.split('.') as [string, string, string];
  return { plugin, module, name };
}

/**
 * `sisense.dashboards.export` → `sisense__dashboards__export`. Past 64 characters: the first 55, `_`, and 8 hex
 * characters of the id's SHA-256, so the name stays stable across builds and distinct per id.
 */
export function wireName(id: string): string {
  const full = id.split('.').join('__');
  if (full.length <= WIRE_NAME_MAX) return full;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, HASH_LENGTH);
  return `${full.slice(0, WIRE_NAME_MAX - HASH_LENGTH - 1)}_${hash}`;
}
