import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { declared } from './declared.tool.js';
import { inferred } from './inferred.tool.js';

export const relationsTools = (deps: PgDeps): AnyToolDefinition[] => [declared(deps), inferred(deps)] as AnyToolDefinition[];
