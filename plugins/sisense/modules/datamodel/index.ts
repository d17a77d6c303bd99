import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { buildStatus } from './build-status.tool.js';
import { build } from './build.tool.js';
import { connection } from './connection.tool.js';
import { connections } from './connections.tool.js';
import { dashboards } from './dashboards.tool.js';
import { dataSecurityAdd } from './data-security-add.tool.js';
import { dataSecurityDelete } from './data-security-delete.tool.js';
import { dataSecurity } from './data-security.tool.js';
import { describe } from './describe.tool.js';
import { list } from './list.tool.js';
import { rowCounts } from './row-counts.tool.js';
import { schema } from './schema.tool.js';
import { shareSet } from './share-set.tool.js';
import { shares } from './shares.tool.js';
import { table } from './table.tool.js';

export function datamodelTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, describe, schema, table, dashboards, shares, shareSet, dataSecurity, dataSecurityAdd, dataSecurityDelete, connections, connection, build, buildStatus, rowCounts].map((make) => make(deps) as AnyToolDefinition);
}
