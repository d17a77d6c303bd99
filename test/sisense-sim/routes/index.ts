import type { Route } from '../router.js';
import { accessRoutes } from './access.routes.js';
import { dashboardTransferRoutes } from './dashboard-transfer.routes.js';
import { dashboardRoutes } from './dashboards.routes.js';
import { datamodelTransferRoutes } from './datamodel-transfer.routes.js';
import { datamodelRoutes } from './datamodels.routes.js';
import { elasticubeRoutes } from './elasticubes.routes.js';
import { folderRoutes } from './folders.routes.js';
import { governanceRoutes } from './governance.routes.js';
import { sqlRoutes } from './sql.routes.js';

/** Every route, first match wins: the fixed paths (export, import/bulk, admin) come before `/:id`. */
export const routes: Route[] = [
  ...accessRoutes,
  ...dashboardTransferRoutes,
  ...dashboardRoutes,
  ...folderRoutes,
  ...datamodelTransferRoutes,
  ...datamodelRoutes,
  ...elasticubeRoutes,
  ...sqlRoutes,
  ...governanceRoutes,
];
