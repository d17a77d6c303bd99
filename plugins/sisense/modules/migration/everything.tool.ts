import { defineTool, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { dashboardMigrationInput } from './dashboards.tool.js';
import { prepareDashboards } from './dashboards.phase.js';
import { datamodelMigrationInput } from './datamodels.tool.js';
import { prepareDatamodels, type Dependency } from './datamodels.phase.js';
import { prepareGroups } from './groups.phase.js';
import { MigrationReport } from './migration.report.js';
import { planMigration } from './migration.run.js';
import { readsKey, withSession, type Session } from './migration.session.js';
import { concurrency, MIGRATION_OUTPUT, type ConflictAction, type MigrationOutput } from './migration.types.js';
import { excludeInput, type Prepared } from './phase.js';
import { emptyOverlay, type Overlay } from './principals.js';
import { prepareUsers } from './users.phase.js';

interface Input {
  action: ConflictAction;
  existingUsers: 'skip' | 'update';
  includeInactiveUsers: boolean;
  /** Assets of any kind left out (titles, oids, emails, names). */
  exclude?: string[];
  connections?: Record<string, string>;
  datasources?: Record<string, string>;
  dependencies: Dependency[];
  build: boolean;
  republish: boolean;
  batchSize: number;
  concurrency?: number;
}

const ACCESS_BATCH = 50;
const EVERYTHING = 'sisense.migration.everything';

/**
 * The four phases in dependency order. With an overlay, each phase is prepared as if the earlier ones had run (their
 * new groups, users and models count as present): the plan, and the check made before anything is written.
 */
async function prepareAll(s: Session, input: Input, overlay: Overlay | undefined): Promise<Prepared[]> {
  const o = overlay ?? emptyOverlay();
  const groups = await prepareGroups(s, { exclude: input.exclude, batchSize: ACCESS_BATCH });
  for (const i of groups.items) if (i.action === 'create') o.groups.add(i.asset);
  const users = await prepareUsers(s, { exclude: input.exclude, existing: input.existingUsers, includeInactive: input.includeInactiveUsers, batchSize: ACCESS_BATCH }, o);
  for (const i of users.items) if (i.action === 'create') o.users.add(i.asset.toLowerCase());
  const models = await prepareDatamodels(s, { exclude: input.exclude, action: input.action, connections: input.connections, dependencies: input.dependencies, build: input.build }, o);
  for (const i of models.items) if (i.action === 'create' || i.action === 'duplicate') o.models.add(i.targetTitle ?? i.asset);
  const dashboards = await prepareDashboards(s, { exclude: input.exclude, action: input.action, republish: input.republish, datasources: input.datasources, batchSize: input.batchSize }, o, models.titles);
  return [groups, users, models, dashboards];
}

/**
 * Runs the phases prepared once (from the plan's reads when the plan ran in this process), overlapped where nothing
 * depends on the other: groups, the data models' imports and the dashboards' exports start at once; users wait for
 * groups; the models' shares and data security and the dashboards' owners and shares wait for users; dashboards are
 * imported once the models are. What a phase creates is recorded for the later ones (ids of new groups and users).
 */
async function runAll(s: Session, ctx: ToolContext, input: Input): Promise<MigrationOutput> {
  const [groups, users, models, dashboards] = await prepareAll(s, input, emptyOverlay());
  const report = new MigrationReport(ctx, [groups, users, models, dashboards].reduce((n, p) => n + p.items.length, 0));
  report.register([groups, users, models, dashboards].flatMap((p) => p.items));
  let modelsImported!: () => void;
  const importReady = new Promise<void>((resolve) => (modelsImported = resolve));
  const groupsDone = groups.execute(report);
  const usersDone = groupsDone.then(() => users.execute(report));
  const modelsDone = models.execute(report, { accessReady: usersDone, onImported: modelsImported }).finally(modelsImported);
  const dashboardsDone = dashboards.execute(report, { importReady, accessReady: usersDone });
  const settled = await Promise.allSettled([groupsDone, usersDone, modelsDone, dashboardsDone]);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return report.finish();
}

/** Not idempotent: with action duplicate every run adds copies of the models and dashboards. */
export const migrateEverything = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: EVERYTHING,
    title: 'Migrate a whole deployment',
    description:
      'Migrates everything in dependency order: groups, users, data models, dashboards, as the four migration tools do, with independent phases overlapping. ' +
      'Never migrated, each skipped with its reason: system groups, users and groups of other tenants than the system tenant, super users, users without an email or first name. ' +
      'The plan shows every asset (create, overwrite, repair, skip, or fail with the reason: a role, connection, user, group or data model the target lacks, an inactive owner, a title conflict); ' +
      'the run reuses the plan\'s reads, and each asset ends with its own outcome. Dashboards follow data models that were duplicated to their new titles. Fails with MIGRATION_PARTIAL when any asset failed. exclude leaves named assets of any kind out (skipped, "excluded by input"): a plan that fails for a few assets can then be approved for the rest.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...datamodelMigrationInput,
        ...dashboardMigrationInput,
        action: { ...datamodelMigrationInput.action, description: 'When the target has the data model (same title) or dashboard (same oid): skip, overwrite in place, or duplicate.' },
        existingUsers: { enum: ['skip', 'update'], default: 'skip', description: 'A user the target has already (same email): skip it, or update its names, role and groups.' },
        includeInactiveUsers: { type: 'boolean', default: true, description: 'Migrate users that are inactive in the source, inactive (true), or leave them out (false).' },
        exclude: excludeInput,
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
        input: { action: 'skip', existingUsers: 'skip', includeInactiveUsers: true, dependencies: ['dataSecurity', 'formulas', 'hierarchies', 'perspectives'], build: false, republish: true, batchSize: 10 },
      },
    ],
    plan: (input, ctx) =>
      planMigration(
        deps,
        ctx,
        'migrate everything',
        input.concurrency,
        async (s) => {
          const phases = await prepareAll(s, input, undefined);
          return { items: phases.flatMap((p) => p.items), extra: phases.flatMap((p) => p.extra), excludable: true, execute: async () => undefined };
        },
        readsKey(EVERYTHING, ctx, input),
      ),
    handler: (input, ctx) => withSession(deps, ctx, input.concurrency, (s) => runAll(s, ctx, input), { key: readsKey(EVERYTHING, ctx, input), mode: 'run' }),
  });
