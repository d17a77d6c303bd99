import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { governanceCheck } from './check.tool.js';

export const governanceTools = (deps: PgDeps): AnyToolDefinition[] => [governanceCheck(deps)] as AnyToolDefinition[];
