import { definePlugin } from '../../src/plugins/plugin-api.js';
import type { SisenseSettings } from './shared/deps.js';
import { createSisenseDeps } from './shared/sisense.deps.js';
import { accessTools } from './modules/access/index.js';
import { dashboardTools } from './modules/dashboard/index.js';
import { datamodelTools } from './modules/datamodel/index.js';
import { folderTools } from './modules/folder/index.js';
import { migrationTools } from './modules/migration/index.js';
import { queryTools } from './modules/query/index.js';
import { wellcheckTools } from './modules/wellcheck/index.js';

/** Every module gets the same deps: a client per environment and call, lookups, error mapping. */
export default definePlugin<SisenseSettings>((api) => {
  const deps = createSisenseDeps(api.settings);
  for (const tools of [accessTools, dashboardTools, datamodelTools, folderTools, migrationTools, queryTools, wellcheckTools]) api.register(...tools(deps));
});
