import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { jaql } from './jaql.tool.js';
import { sql } from './sql.tool.js';

/** Read-only queries against a data model (JAQL, SQL), capped in rows. */
export function queryTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [jaql, sql].map((make) => make(deps) as AnyToolDefinition);
}
