import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { PgDeps } from '../../shared/deps.js';
import { profileColumn } from './column.tool.js';
import { profileSample } from './sample.tool.js';
import { profileTable } from './table.tool.js';

export const profileTools = (deps: PgDeps): AnyToolDefinition[] => [profileTable(deps), profileColumn(deps), profileSample(deps)] as AnyToolDefinition[];
