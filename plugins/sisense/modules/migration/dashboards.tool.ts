import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { prepareDashboards, type DashboardsInput } from './dashboards.phase.js';
import { planMigration, runMigration } from './migration.run.js';
import { readsKey } from './migration.session.js';
import { excludeInput } from './phase.js';
import { batchSize, concurrency, conflictAction, expectation, MIGRATION_OUTPUT, nameMap, refList, type AssetResult, type Expectation, type MigrationOutput } from './migration.types.js';
import { emptyOverlay, overlayOf } from './principals.js';

type Input = DashboardsInput & {
  concurrency?: number;
  /** The `results` of a data model migration of the same run: duplicated models are followed to their new titles. */
  datamodelResults?: Array<Pick<AssetResult, 'asset'> & Partial<AssetResult>>;
  expect?: Expectation;
};

/**
 * Source model title -> the title it was imported under, for the data models a migration duplicated (or imported
 * under another title) and that succeeded. `datasources` given explicitly win over these (see prepareDashboards).
 */
export function titlesFromResults(results: Input['datamodelResults']): Map<string, string> {
  const titles = new Map<string, string>();
  for (const r of results ?? []) {
    if ((r.kind ?? 'datamodel') !== 'datamodel' || r.status !== 'succeeded' || !r.targetTitle || r.targetTitle === r.asset) continue;
    titles.set(r.asset, r.targetTitle);
  }
  return titles;
}

const DATAMODEL_RESULTS = {
  type: 'array',
  maxItems: 5000,
  items: {
    type: 'object',
    required: ['asset'],
    properties: { asset: { type: 'string' }, kind: { type: 'string' }, status: { type: 'string' }, targetTitle: { type: 'string' } },
  },
  description:
    'The results of sisense.migration.datamodels earlier in the same run (its output.results): the dashboards use the data models it imported under a new title (action duplicate). ' +
    'Entries of datasources win over these.',
};

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
      'Exports dashboards (with widgets) from the source in the documented form and bulk-imports them into the target in batches, then gives each its folder (the source path, created when missing, or folder), ' +
      'its owner (users by email, after can_be_owned), its whole share list (groups by name), republishes it so the recipients see it, and reads it back. ' +
      'A dashboard the target has (same oid) is compared (owner, folder, shares, publication) and repaired with action skip, replaced with overwrite, copied with duplicate; ' +
      'a title the target has under another oid is a conflict: skip reports it, overwrite replaces that dashboard, duplicate adds a second one. ' +
      'Data model references can be pointed at other target models (datasources, or datamodelResults of a data model migration that duplicated them); Jump-to-Dashboard targets are imported first. ' +
      'A dashboard whose owner, shared users or groups or data model the target lacks, or whose owner is inactive, fails with the reason before it is imported; fails with MIGRATION_PARTIAL when any dashboard failed. exclude leaves named dashboards out (skipped, "excluded by input").',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dashboards: refList('Titles (or oids) of source dashboards; omitted: every dashboard; [] migrates none.'),
        exclude: excludeInput,
        ...dashboardMigrationInput,
        folder: { type: 'string', maxLength: 1000, description: 'Target folder path for every dashboard ("Migrated/2026"; "/" the root). Omitted: each dashboard\'s folder path in the source.' },
        datamodelResults: DATAMODEL_RESULTS,
        concurrency,
        expect: expectation(['groups', 'users', 'datamodels']),
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
    plan: (input, ctx) =>
      planMigration(deps, ctx, 'migrate dashboards', input.concurrency, (s) => prepareDashboards(s, input, overlayOf(input.expect, input.exclude), titlesFromResults(input.datamodelResults)), readsKey('sisense.migration.dashboards', ctx, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareDashboards(s, input, emptyOverlay(), titlesFromResults(input.datamodelResults)), readsKey('sisense.migration.dashboards', ctx, input)),
  });
