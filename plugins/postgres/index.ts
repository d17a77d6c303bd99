import { definePlugin } from '../../src/plugins/plugin-api.js';
import type { PostgresSettings } from './client/pg.config.js';
import { PgPools } from './client/pg.session.js';
import { createPgDeps } from './shared/deps.js';
import { queryTools } from './modules/query/index.js';
import { schemaTools } from './modules/schema/index.js';

/** One pool per environment for the plugin's lifetime, closed when the daemon stops. */
export default definePlugin<PostgresSettings>((api) => {
  const pools = new PgPools(api.logger);
  api.onDispose(() => pools.closeAll());
  const deps = createPgDeps(api.settings, pools);
  for (const tools of [schemaTools, queryTools]) api.register(...tools(deps));
});
