import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { explainAnalyze } from './explain-analyze.tool.js';
import { explain } from './explain.tool.js';
import { sql } from './sql.tool.js';

export const queryTools = (deps: PgDeps): AnyToolDefinition[] => [sql(deps), explain(deps), explainAnalyze(deps)] as AnyToolDefinition[];
