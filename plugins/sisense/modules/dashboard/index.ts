import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { changeOwner } from './change-owner.tool.js';
import { columns } from './columns.tool.js';
import { exportDashboards } from './export.tool.js';
import { get } from './get.tool.js';
import { list } from './list.tool.js';
import { move } from './move.tool.js';
import { publish } from './publish.tool.js';
import { rename } from './rename.tool.js';
import { resolve } from './resolve.tool.js';
import { shareAdd } from './share-add.tool.js';
import { shares } from './shares.tool.js';
import { widgets } from './widgets.tool.js';

export function dashboardTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, get, resolve, widgets, exportDashboards, shares, shareAdd, publish, rename, move, changeOwner, columns].map((make) => make(deps) as AnyToolDefinition);
}
