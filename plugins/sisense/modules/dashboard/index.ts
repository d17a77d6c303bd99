import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { canBeOwned } from './can-be-owned.tool.js';
import { changeOwner } from './change-owner.tool.js';
import { columns } from './columns.tool.js';
import { remove } from './delete.tool.js';
import { describe } from './describe.tool.js';
import { exportDashboards } from './export.tool.js';
import { get } from './get.tool.js';
import { list } from './list.tool.js';
import { move } from './move.tool.js';
import { publish } from './publish.tool.js';
import { rename } from './rename.tool.js';
import { resolve } from './resolve.tool.js';
import { script } from './script.tool.js';
import { shareAdd } from './share-add.tool.js';
import { shareRemove } from './share-remove.tool.js';
import { shares } from './shares.tool.js';
import { widgetScript } from './widget-script.tool.js';
import { widgets } from './widgets.tool.js';

export function dashboardTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, get, resolve, describe, widgets, exportDashboards, shares, shareAdd, shareRemove, publish, rename, move, changeOwner, canBeOwned, columns, script, widgetScript, remove].map((make) => make(deps) as AnyToolDefinition);
}
