import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { migrateDashboards } from './dashboards.tool.js';
import { migrateDatamodels } from './datamodels.tool.js';
import { migrationDependencies } from './dependencies.tool.js';
import { migrateEverything } from './everything.tool.js';
import { migrateGroups } from './groups.tool.js';
import { reconcileDashboards } from './reconcile.tool.js';
import { migrateUsers } from './users.tool.js';

/** Migration between two Sisense deployments (roles source and target): one tool per kind of asset, one for all of them in order, one that repairs migrated dashboards. */
export function migrationTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [migrateGroups(deps), migrateUsers(deps), migrateDatamodels(deps), migrateDashboards(deps), migrateEverything(deps), migrationDependencies(deps), reconcileDashboards(deps)] as AnyToolDefinition[];
}
