import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { DEPENDENCIES, prepareDatamodels, type DatamodelsInput } from './datamodels.phase.js';
import { planMigration, runMigration } from './migration.run.js';
import { readsKey } from './migration.session.js';
import { excludeInput } from './phase.js';
import { concurrency, conflictAction, expectation, MIGRATION_OUTPUT, nameMap, refList, type Expectation, type MigrationOutput } from './migration.types.js';
import { overlayOf } from './principals.js';

type Input = DatamodelsInput & { concurrency?: number; expect?: Pick<Expectation, 'groups' | 'users'> };

export const datamodelMigrationInput = {
  action: conflictAction('data model (same title)'),
  connections: nameMap('Source connection name (or oid) -> the target connection (name or oid) its datasets should use. Unmapped: the target connection of the same name.'),
  dependencies: {
    type: 'array',
    uniqueItems: true,
    items: { enum: DEPENDENCIES },
    default: [...DEPENDENCIES],
    description: 'What goes with each model: dataSecurity (rules, users and groups remapped), formulas, hierarchies, perspectives (inside the export).',
  },
  build: { type: 'boolean', default: false, description: 'Build each imported extract model (publish each live one) and wait for it; a failed build fails the model.' },
};

/** Not idempotent: with action duplicate every run imports another copy (skip and overwrite converge). */
export const migrateDatamodels = (deps: SisenseDeps) =>
  defineTool<Input, MigrationOutput>({
    id: 'sisense.migration.datamodels',
    title: 'Migrate data models',
    description:
      'Exports each source data model schema and imports it into the target: skip, overwrite (in place) or duplicate (as "<title> (copy)") when the title is taken; a skipped one is compared and what differs reported. ' +
      "Datasets are pointed at the target's connection of the same name (or as mapped) instead of carrying credentials; shares (keyed partyId) and data security (rule shares keyed party) are remapped to the target's users (email) and groups (name) and read back. " +
      'A live model is published before they are written; imported extract models hold no data until built (build: true). A model whose connection, user or group the target lacks, or whose share or rule names an unknown party, fails with the reason; ' +
      'fails with MIGRATION_PARTIAL when any model failed; exclude leaves named models out (skipped, "excluded by input").',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        datamodels: refList('Titles (or oids) of source data models; omitted: every model; [] migrates none.'),
        exclude: excludeInput,
        ...datamodelMigrationInput,
        concurrency,
        expect: expectation(['groups', 'users']),
      },
    },
    outputSchema: MIGRATION_OUTPUT,
    effect: 'write',
    idempotent: false,
    environments: ['source', 'target'],
    examples: [
      { title: 'One model, leaving an existing one alone', input: { datamodels: ['Sample ECommerce'], action: 'skip', dependencies: [...DEPENDENCIES], build: false } },
      {
        title: 'Overwrite a model, mapping its connection, then build it',
        input: { datamodels: ['Retail Sales'], action: 'overwrite', connections: { 'Warehouse (PostgreSQL)': 'Warehouse (PostgreSQL)' }, dependencies: ['dataSecurity'], build: true },
      },
    ],
    plan: (input, ctx) => planMigration(deps, ctx, 'migrate data models', input.concurrency, (s) => prepareDatamodels(s, input, overlayOf({ groups: input.expect?.groups, users: input.expect?.users }, input.exclude)), readsKey('sisense.migration.datamodels', ctx, input)),
    handler: (input, ctx) => runMigration(deps, ctx, input.concurrency, (s) => prepareDatamodels(s, input), readsKey('sisense.migration.datamodels', ctx, input)),
  });
