import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { groupCreate } from './group-create.tool.js';
import { groupMembers } from './group-members.tool.js';
import { groups } from './groups.tool.js';
import { roles } from './roles.tool.js';
import { shareAudit } from './share-audit.tool.js';
import { tenants } from './tenants.tool.js';
import { userDelete } from './user-delete.tool.js';
import { userUpsert } from './user-upsert.tool.js';
import { user } from './user.tool.js';
import { usersPerGroup } from './users-per-group.tool.js';
import { users } from './users.tool.js';
import { whoami } from './whoami.tool.js';

export function accessTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [users, user, userUpsert, userDelete, groups, groupMembers, groupCreate, usersPerGroup, roles, tenants, shareAudit, whoami].map((make) => make(deps) as AnyToolDefinition);
}
