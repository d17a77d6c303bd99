import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { planMigration, runMigration } from './migration.run.js';
import { readsKey } from './migration.session.js';
import { excludeInput } from './phase.js';
import { batchSize, concurrency, expectation, MIGRATION_OUTPUT, refList, type Expectation, type MigrationOutput } from './migration.types.js';
import { overlayOf } from './principals.js';
import { prepareUsers, type UsersInput } from './users.phase.js';

type Input = UsersInput & { concurrency?: number; expect?: Pick<Expectation, 'groups'> };

/** Idempotent with either `existing` mode: a second run finds every user there (and up to date) and skips it. */
export const migrateUsers = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: 'sisense.migration.users',
    title: 'Migrate users',
    description:
      'Creates the source users in the target, matched by email, with their role mapped by name and their groups by name. Super users, users of other tenants than the system tenant, ' +
      'and records without an email or first name are never migrated (each skipped with its reason). Inactive users are created inactive, or left out with includeInactive: false; exclude leaves named users out. ' +
      'A user the target has is skipped, or updated (names, role, groups, active; memberships of groups the source lacks are kept) with existing: update. ' +
      'A user whose role or group the target lacks fails with that reason (migrate the groups first); the others are migrated. Fails with MIGRATION_PARTIAL when any user failed.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        users: refList('Emails (or ids) of source users; omitted: every user; [] migrates none.'),
        exclude: excludeInput,
        existing: { enum: ['skip', 'update'], default: 'skip', description: 'A user the target has already (same email): skip it, or update its names, role and groups.' },
        includeInactive: { type: 'boolean', default: true, description: 'Migrate users that are inactive in the source, inactive (true), or leave them out (false).' },
        batchSize: batchSize(50),
        concurrency,
        expect: expectation(['groups']),
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: true,
    environments: ['source', 'target'],
    examples: [
      { title: 'One user, keeping existing ones', input: { users: ['vic.viewer@acme.test'], existing: 'skip', includeInactive: true, batchSize: 50 } },
      { title: 'Every active user, updating existing ones', input: { existing: 'update', includeInactive: false, batchSize: 50 } },
    ],
    plan: (input, ctx) => planMigration(deps, ctx, 'migrate users', input.concurrency, (s) => prepareUsers(s, input, overlayOf({ groups: input.expect?.groups }, input.exclude)), readsKey('sisense.migration.users', ctx, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareUsers(s, input), readsKey('sisense.migration.users', ctx, input)),
  });
