import { defineTool, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { dashboardMigrationInput } from './dashboards.tool.js';
import { prepareDashboards } from './dashboards.phase.js';
import { datamodelMigrationInput } from './datamodels.tool.js';
import { prepareDatamodels, type Dependency } from './datamodels.phase.js';
import { prepareGroups } from './groups.phase.js';
import { assertPrerequisites, MigrationReport } from './migration.report.js';
import { planMigration } from './migration.run.js';
import { withSession, type Session } from './migration.session.js';
import { concurrency, MIGRATION_OUTPUT, type ConflictAction, type MigrationOutput } from './migration.types.js';
import type { Prepared } from './phase.js';
import { emptyOverlay, type Overlay } from './principals.js';
import { prepareUsers } from './users.phase.js';

interface Input {
  action: ConflictAction;
  existingUsers: 'skip' | 'update';
  includeInactiveUsers: boolean;
  connections?: Record<string, string>;
  datasources?: Record<string, string>;
  dependencies: Dependency[];
  build: boolean;
  republish: boolean;
  batchSize: number;
  concurrency?: number;
}

const ACCESS_BATCH = 50;

/**
 * The four phases in dependency order. With an overlay, each phase is prepared as if the earlier ones had run (their
 * new groups, users and models count as present): the plan, and the check made before anything is written.
 */
async function prepareAll(s: Session, input: Input, overlay: Overlay | undefined): Promise<Prepared[]> {
  const o = overlay ?? emptyOverlay();
  const groups = await prepareGroups(s, { batchSize: ACCESS_BATCH });
  for (const i of groups.items) if (i.action === 'create') o.groups.add(i.asset);
  const users = await prepareUsers(s, { existing: input.existingUsers, includeInactive: input.includeInactiveUsers, batchSize: ACCESS_BATCH }, o);
  for (const i of users.items) if (i.action === 'create') o.users.add(i.asset.toLowerCase());
  const models = await prepareDatamodels(s, { action: input.action, connections: input.connections, dependencies: input.dependencies, build: input.build }, o);
  for (const i of models.items) if (i.action === 'create' || i.action === 'duplicate') o.models.add(i.targetTitle ?? i.asset);
  const dashboards = await prepareDashboards(s, { action: input.action, republish: input.republish, datasources: input.datasources, batchSize: input.batchSize }, o, models.titles);
  return [groups, users, models, dashboards];
}

/** Runs the phases one after the other, each prepared afresh from the target the previous one left. */
async function runAll(s: Session, ctx: ToolContext, input: Input): Promise<MigrationOutput> {
  const planned = await prepareAll(s, input, emptyOverlay());
  assertPrerequisites(planned.flatMap((p) => p.items));
  const report = new MigrationReport(ctx, planned.reduce((n, p) => n + p.items.length, 0));
  await planned[0].execute(report);
  await (await prepareUsers(s, { existing: input.existingUsers, includeInactive: input.includeInactiveUsers, batchSize: ACCESS_BATCH })).execute(report);
  const models = await prepareDatamodels(s, { action: input.action, connections: input.connections, dependencies: input.dependencies, build: input.build });
  await models.execute(report);
  await (await prepareDashboards(s, { action: input.action, republish: input.republish, datasources: input.datasources, batchSize: input.batchSize }, emptyOverlay(), models.titles)).execute(report);
  return report.finish();
}

/** Not idempotent: with action duplicate every run adds copies of the models and dashboards. */
export const migrateEverything = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: 'sisense.migration.everything',
    title: 'Migrate a whole deployment',
    description:
      'Migrates everything in dependency order: groups (system groups excluded), users, data models, dashboards, as the four migration tools do. ' +
      'Before writing anything it checks that the target will have every role, connection, user, group and data model the assets need (counting what earlier phases create) ' +
      'and refuses with MIGRATION_PREREQUISITES otherwise. Dashboards follow data models that were duplicated to their new titles. Fails with MIGRATION_PARTIAL when any asset failed.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...datamodelMigrationInput,
        ...dashboardMigrationInput,
        action: { ...datamodelMigrationInput.action, description: 'When the target has the data model (same title) or dashboard (same oid): skip, overwrite in place, or duplicate.' },
        existingUsers: { enum: ['skip', 'update'], default: 'skip', description: 'A user the target has already (same email): skip it, or update its names, role and groups.' },
        includeInactiveUsers: { type: 'boolean', default: false, description: 'Also migrate users that are inactive in the source.' },
        concurrency,
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: false,
    environments: ['source', 'target'],
    examples: [
      {
        title: 'Everything, keeping what the target has',
        input: { action: 'skip', existingUsers: 'skip', includeInactiveUsers: false, dependencies: ['dataSecurity', 'formulas', 'hierarchies', 'perspectives'], build: false, republish: true, batchSize: 10 },
      },
    ],
    plan: (input, ctx) =>
      planMigration(deps, ctx, 'migrate everything', input.concurrency, async (s) => {
        const phases = await prepareAll(s, input, undefined);
        return { items: phases.flatMap((p) => p.items), extra: phases.flatMap((p) => p.extra), execute: async () => undefined };
      }),
    handler: (input, ctx) => withSession(deps, ctx, input.concurrency, (s) => runAll(s, ctx, input)),
  });
