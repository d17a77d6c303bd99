import { describe, expect, it } from '@jest/globals';
import { formatDiagnostic } from './diagnostics.js';
import { validatePlaybookText } from './playbook.validator.js';
import { staticToolLookup, type ToolInfo } from './tool-lookup.js';

const closed = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, properties });
const dashboard = { oid: { type: 'string' }, title: { type: 'string' }, owner: closed({ email: { type: 'string' } }) };
const tool = (id: string, outputSchema?: Record<string, unknown>): ToolInfo => ({
  id,
  effect: 'read',
  idempotent: true,
  inputSchema: closed({}),
  environments: ['target'],
  kinds: ['sisense'],
  ...(outputSchema && { outputSchema }),
});
const lookup = staticToolLookup([
  tool('sisense.dashboard.list', closed({ count: { type: 'integer' }, dashboards: { type: 'array', items: closed(dashboard) } })),
  tool('sisense.dashboard.open', { type: 'object', properties: { dashboards: { type: 'array', items: { type: 'object', properties: dashboard } } } }),
  tool('sisense.dashboard.untyped'),
]);

const playbook = (steps: string) =>
  `apiVersion: steward/v1\nkind: Playbook\nmetadata:\n  name: refs\nenvironments:\n  target: { kind: sisense }\nsteps:\n  - id: list\n    tool: sisense.dashboard.list\n  - id: open\n    tool: sisense.dashboard.open\n  - id: untyped\n    tool: sisense.dashboard.untyped\n${steps}`;
const errors = (steps: string) => validatePlaybookText(playbook(steps), 'refs.yaml', { lookup }).diagnostics.map(formatDiagnostic);

describe('references against tool output schemas', () => {
  it('a field a closed output does not have is an error naming the fields it has (the README wellcheck example)', () => {
    const check = `  - id: widgets\n    check:\n      foreach: \${{ steps.list.output.dashboards }}\n      assert:\n        - that: \${{ size(item.widgets) <= 20 }}\n          asset: \${{ item.oid }}\n          message: \${{ item.title }} by \${{ item.owner.mail }}\n`;
    expect(errors(check)).toEqual([
      'refs.yaml:18:26: steps[3].check.assert[0].that: item has no field "widgets" (its fields: oid, title, owner)',
      'refs.yaml:20:45: steps[3].check.assert[0].message: item.owner has no field "mail" (its fields: email)',
    ]);
    expect(errors(`  - id: n\n    check:\n      assert:\n        - that: \${{ steps.list.output.dashbords.size() > 0 }}\n          message: none\n`)).toEqual([
      'refs.yaml:17:21: steps[3].check.assert[0].that: steps.list.output has no field "dashbords" (its fields: count, dashboards)',
    ]);
  });

  it('fields that exist pass, and so does everything under an open or undeclared schema', () => {
    const ok = (source: string) =>
      `  - id: c-${source}\n    check:\n      foreach: \${{ steps.${source}.output.dashboards }}\n      assert:\n        - that: \${{ size(item.widgets) <= 20 && item.owner.email != "" }}\n          message: \${{ item.title }}\n`;
    expect(errors(ok('open'))).toEqual([]);
    expect(errors(ok('untyped'))).toEqual([]);
    expect(errors(ok('list').replace('size(item.widgets) <= 20 && ', ''))).toEqual([]);
  });

  it('a foreach step passes its element schema to the steps inside it', () => {
    const loop = `  - id: each\n    foreach: \${{ steps.list.output.dashboards }}\n    as: d\n    steps:\n      - id: inner\n        check:\n          assert:\n            - that: \${{ d.titel != "" }}\n              message: \${{ d.title }}\n`;
    expect(errors(loop)).toEqual(['refs.yaml:21:25: steps[3].steps[0].check.assert[0].that: d has no field "titel" (its fields: oid, title, owner)']);
  });
});

describe('the shipped playbooks against the real plugins output schemas', () => {
  it('validate with no error (no false alarm from the output checks)', async () => {
    const { join } = await import('node:path');
    const pino = (await import('pino')).default;
    const { packageRoot } = await import('../common/paths.js');
    const { loadPlugins } = await import('../plugins/plugin.loader.js');
    const { loadPlaybooks } = await import('./playbook.loader.js');
    const catalogue = await loadPlugins({ logger: pino({ level: 'silent' }), external: false });
    expect(catalogue.get('sisense.dashboard.list')?.outputSchema).toBeDefined();
    const result = loadPlaybooks({ paths: [join(packageRoot(), 'playbooks')], lookup: catalogue, relativeTo: packageRoot() });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(result.playbooks.length).toBeGreaterThanOrEqual(4);
    await catalogue.dispose();
  });
});
