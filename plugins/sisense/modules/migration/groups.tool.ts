import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { prepareGroups, type GroupsInput } from './groups.phase.js';
import { planMigration, runMigration } from './migration.run.js';
import { readsKey } from './migration.session.js';
import { excludeInput } from './phase.js';
import { batchSize, concurrency, MIGRATION_OUTPUT, refList, type MigrationOutput } from './migration.types.js';

type Input = GroupsInput & { concurrency?: number };

/** Idempotent: a group the target has (by name) is skipped, so a second run creates nothing. */
export const migrateGroups = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: 'sisense.migration.groups',
    title: 'Migrate groups',
    description:
      'Creates in the target the source groups it lacks, matched by name; groups it has are skipped. System groups (Admins, Everyone, All users in system) and groups of other tenants than the system tenant are never migrated (skipped with the reason); exclude leaves named groups out. ' +
      'Results per group (succeeded, skipped, failed with the reason); fails with MIGRATION_PARTIAL when any group failed.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        groups: refList('Group names (or ids) in the source; omitted: every group (system groups and other tenants\' reported skipped); [] migrates none.'),
        exclude: excludeInput,
        batchSize: batchSize(50),
        concurrency,
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: true,
    environments: ['source', 'target'],
    examples: [
      { title: 'Every group', input: { batchSize: 50 } },
      { title: 'Two groups by name', input: { groups: ['Finance', 'Data Team'], batchSize: 50 } },
    ],
    plan: (input, ctx) => planMigration(deps, ctx, 'migrate groups', input.concurrency, (s) => prepareGroups(s, input), readsKey('sisense.migration.groups', ctx, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareGroups(s, input), readsKey('sisense.migration.groups', ctx, input)),
  });
