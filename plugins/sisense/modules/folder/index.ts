import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { ancestors } from './ancestors.tool.js';
import { create } from './create.tool.js';
import { remove } from './delete.tool.js';
import { list } from './list.tool.js';
import { navver } from './navver.tool.js';
import { owner } from './owner.tool.js';
import { update } from './update.tool.js';

export function folderTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, navver, ancestors, create, update, owner, remove].map((make) => make(deps) as AnyToolDefinition);
}
