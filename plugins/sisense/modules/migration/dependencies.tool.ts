import { defineTool } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { dependenciesOf, type Dependencies } from './dependencies.js';
import { withSide } from './migration.session.js';
import { refList } from './migration.types.js';

interface Input {
  dashboards: string[];
  drillTargets: boolean;
}

const names = { type: 'array', items: { type: 'string' } };

export const migrationDependencies = (deps: SisenseDeps) =>
  defineTool<Input, Dependencies>({
    id: 'sisense.migration.dependencies',
    title: 'What migrating dashboards needs',
    description:
      'Reads the source only: for the given dashboards (and, with drillTargets, every dashboard they jump to), the data models they use, the users (owners, shares, ' +
      'data security) and the groups (shares, data security, those users\' groups; system groups left out) a target must have. Feed the lists to the migration tools in that order.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboards'],
      properties: {
        dashboards: { ...refList('Titles (or oids) of source dashboards.'), minItems: 1 },
        drillTargets: { type: 'boolean', default: true, description: 'Include the dashboards these jump to (Jump to Dashboard, drill targets), transitively.' },
      },
    },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['dashboards', 'datamodels', 'users', 'groups', 'notes'],
      properties: {
        dashboards: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['oid', 'title'], properties: { oid: { type: 'string' }, title: { type: 'string' } } } },
        datamodels: names,
        users: names,
        groups: names,
        notes: names,
      },
    },
    effect: 'read',
    idempotent: true,
    environments: ['source'],
    examples: [{ title: 'A dashboard and its drill targets', input: { dashboards: ['Sales Deep Dive'], drillTargets: true } }],
    handler: ({ dashboards, drillTargets }, ctx) => withSide(deps, ctx, 'source', (source) => dependenciesOf(source, dashboards, drillTargets)),
  });
