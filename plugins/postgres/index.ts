import { definePlugin } from '../../src/plugins/plugin-api.js';
import { catalogTools } from './modules/catalog/index.js';
import type { PostgresSettings } from './client/pg.config.js';
import { PgPools } from './client/pg.session.js';
import { createPgDeps } from './shared/deps.js';
import { governanceTools } from './modules/governance/index.js';
import { profileTools } from './modules/profile/index.js';
import { queryTools } from './modules/query/index.js';
import { relationsTools } from './modules/relations/index.js';
import { schemaTools } from './modules/schema/index.js';

/** One pool per environment for the plugin's lifetime, closed when the daemon stops. */
export default definePlugin<PostgresSettings>((api) => {
  api.register(...catalogTools()); // the catalog: in Steward's store (ctx.records), no connection
  const pools = new PgPools(api.logger);
  api.onDispose(() => pools.closeAll());
  const deps = createPgDeps(api.settings, pools);
  for (const tools of [schemaTools, profileTools, queryTools, relationsTools, governanceTools]) api.register(...tools(deps));
});
