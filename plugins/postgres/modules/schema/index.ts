import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { constraints } from './constraints.tool.js';
import { indexes } from './indexes.tool.js';
import { schemas } from './schemas.tool.js';
import { table } from './table.tool.js';
import { tables } from './tables.tool.js';

export const schemaTools = (deps: PgDeps): AnyToolDefinition[] => [schemas(deps), tables(deps), table(deps), constraints(deps), indexes(deps)] as AnyToolDefinition[];
