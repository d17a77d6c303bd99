import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { buildStatus } from './build-status.tool.js';
import { build } from './build.tool.js';
import { connections } from './connections.tool.js';
import { dataSecurity } from './data-security.tool.js';
import { list } from './list.tool.js';
import { rowCounts } from './row-counts.tool.js';
import { schema } from './schema.tool.js';
import { shares } from './shares.tool.js';

export function datamodelTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, schema, shares, dataSecurity, connections, build, buildStatus, rowCounts].map((make) => make(deps) as AnyToolDefinition);
}
