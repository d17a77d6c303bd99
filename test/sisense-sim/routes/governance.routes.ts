import type { Route } from '../router.js';
import { datamodelSchemaRoutes } from './datamodel-schema.routes.js';
import { jaqlRoutes } from './jaql.routes.js';
import { navverRoutes } from './navver.routes.js';

/** Routes the governance and query tools read that the transfer routes do not need: navver, schema sub-resources, JAQL. */
export const governanceRoutes: Route[] = [...navverRoutes, ...datamodelSchemaRoutes, ...jaqlRoutes];
