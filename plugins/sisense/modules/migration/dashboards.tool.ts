import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { prepareDashboards, type DashboardsInput } from './dashboards.phase.js';
import { planMigration, runMigration } from './migration.run.js';
import { batchSize, concurrency, conflictAction, MIGRATION_OUTPUT, nameMap, refList, type MigrationOutput } from './migration.types.js';

type Input = DashboardsInput & { concurrency?: number };

export const dashboardMigrationInput = {
  action: conflictAction('dashboard (same oid)'),
  republish: { type: 'boolean', default: true, description: 'Republish each imported dashboard so the users it is shared with see it.' },
  datasources: nameMap('Source data model title -> target data model title the dashboards should use instead.'),
  batchSize: batchSize(10),
};

/** Not idempotent: with action duplicate every run imports another copy (skip and overwrite converge). */
export const migrateDashboards = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: 'sisense.migration.dashboards',
    title: 'Migrate dashboards',
    description:
      'Exports dashboards (with widgets) from the source and bulk-imports them into the target in batches: skip, overwrite or duplicate when the target has the dashboard (same oid). ' +
      'Every imported dashboard gets its owner and shares back (users by email, groups by name) and its folder (the source path, created when missing, or folder). ' +
      'Data model references can be pointed at other target models (datasources); Jump-to-Dashboard targets are imported first, and duplicated ones re-pointed. ' +
      'A target lacking an owner, a shared user or group, or a data model is refused before writing (MIGRATION_PREREQUISITES); fails with MIGRATION_PARTIAL when any dashboard failed.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dashboards: refList('Titles (or oids) of source dashboards; omitted: every dashboard; [] migrates none.'),
        ...dashboardMigrationInput,
        folder: { type: 'string', maxLength: 1000, description: 'Target folder path for every dashboard ("Migrated/2026"; "/" the root). Omitted: each dashboard\'s folder path in the source.' },
        concurrency,
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: false,
    environments: ['source', 'target'],
    examples: [
      { title: 'Two dashboards, keeping existing ones', input: { dashboards: ['ECommerce Overview', 'Empty Dashboard'], action: 'skip', republish: true, batchSize: 10 } },
      {
        title: 'Overwrite a dashboard, pointing it at another model, into one folder',
        input: { dashboards: ['ECommerce Overview'], action: 'overwrite', republish: true, datasources: { 'Sample ECommerce': 'Sample ECommerce' }, folder: 'Migrated', batchSize: 10 },
      },
    ],
    plan: (input, ctx) => planMigration(deps, ctx, 'migrate dashboards', input.concurrency, (s) => prepareDashboards(s, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareDashboards(s, input)),
  });
