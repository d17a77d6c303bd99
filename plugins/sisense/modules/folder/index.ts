import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { create } from './create.tool.js';
import { remove } from './delete.tool.js';
import { list } from './list.tool.js';
import { update } from './update.tool.js';

export function folderTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [list, create, update, remove].map((make) => make(deps) as AnyToolDefinition);
}
