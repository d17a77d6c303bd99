import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeLookup } from '../../test/fixtures/playbooks/fake-tools.js';
import { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import { formatDiagnostic } from './diagnostics.js';
import { validatePlaybookText } from './playbook.validator.js';
import type { ToolLookup } from './tool-lookup.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/playbooks');
const ENVIRONMENTS = { 'prod-sisense': { kind: 'sisense' }, 'prod-postgres': { kind: 'postgres' } };
const check = (rel: string) => validatePlaybookText(readFileSync(join(FIXTURES, rel), 'utf8'), rel.replace(/^bad\//, ''), { lookup: fakeLookup(), environments: ENVIRONMENTS });

/** One fixture per class of error; every diagnostic exactly as `steward validate` prints it. */
const EXPECTED: Record<string, string[]> = {
  'agent.yaml': [
    'agent.yaml:10:49: steps[0].agent.instruction: undeclared input "model" (declared: none)',
    'agent.yaml:11:39: steps[0].agent.tools[1]: no tool matches "sisense.cube.*"',
    'agent.yaml:11:55: steps[0].agent.tools[2]: unknown tool "sisense.dashboards.get"',
    'agent.yaml:12:22: steps[0].agent.env.target: undeclared environment role "prod" (declared: target)',
    'agent.yaml:13:15: steps[0].agent.output: is not a valid JSON Schema (output.type: must be one of: "array", "boolean", "integer", "null", "number", "object", "string")',
  ],
  'checks.yaml': [
    'checks.yaml:15:11: steps[1].check.assert[0].id: is required when a check has more than one assertion',
    'checks.yaml:18:21: steps[1].check.assert[1].that: unknown name "item" (expressions read inputs, steps, environments, run, dashboard)',
    'checks.yaml:20:15: steps[1].check.assert[2].id: duplicate assertion id "owner"',
    'checks.yaml:21:17: steps[1].check.assert[2].that: must be one expression: write it bare or wrap all of it in ${{ }}',
    'checks.yaml:26:22: steps[2].check.assert[0].that: unknown name "dashboard" (expressions read inputs, steps, environments, run)',
  ],
  'duplicate-ids.yaml': [
    'duplicate-ids.yaml:13:13: steps[1].steps[0].id: duplicate step id "list" (first at 8:9)',
    'duplicate-ids.yaml:16:9: steps[2].id: duplicate step id "each" (first at 10:9)',
  ],
  'durations.yaml': [
    'durations.yaml:10:14: steps[0].timeout: must be longer than 0',
    'durations.yaml:12:29: policy.approval.expiresAfter: must be longer than 0',
  ],
  'environment-roles.yaml': [
    'environment-roles.yaml:11:20: steps[0].env.target: undeclared environment role "staging" (declared: source, target)',
    'environment-roles.yaml:14:28: steps[1].env.origin: sisense.dashboard.list has no environment role "origin" (its roles: target)',
    'environment-roles.yaml:17:29: steps[2].with.text: undeclared environment role "staging" (declared: source, target)',
    'environment-roles.yaml:17:63: steps[2].with.text: environments.source.url: an environment role has name and kind',
  ],
  'expression-syntax.yaml': [
    'expression-syntax.yaml:11:29: steps[0].if: invalid expression: Unexpected token: EOF',
    'expression-syntax.yaml:13:42: steps[0].with.owner: invalid expression: Unexpected token: PLUS',
    'expression-syntax.yaml:15:10: steps[1].if: must be one expression: write it bare or wrap all of it in ${{ }}',
    'expression-syntax.yaml:17:26: steps[1].approval.message: unclosed ${{ (expected }})',
    'expression-syntax.yaml:20:20: steps[2].approval.message: invalid expression: no such overload: string + int',
    'expression-syntax.yaml:25:43: steps[3].approval.message: invalid expression: Expected IDENTIFIER, got LPAREN',
  ],
  'inputs.yaml': [
    'inputs.yaml:6:36: inputs.count.default: must be an integer',
    'inputs.yaml:7:38: inputs.mode.enum[1]: 3 is not of type string',
    'inputs.yaml:7:51: inputs.mode.default: must be one of: "fast", 3',
    'inputs.yaml:8:26: inputs.flag.items: only valid for type: array',
    'inputs.yaml:9:63: inputs.names.default[1]: must be a string',
    'inputs.yaml:10:39: warning: inputs.owner.required: has no effect: the input has a default',
  ],
  'missing-role.yaml': [
    'missing-role.yaml:10:11: steps[0].tool: sisense.dashboard.list needs an environment for its role "target": declare it under environments or map it with env: { target: <role> } (declared: source, staging)',
    'missing-role.yaml:12:11: steps[1].tool: sisense.migration.copy needs an environment for its role "target": declare it under environments or map it with env: { target: <role> } (declared: source, staging)',
  ],
  'not-a-mapping.yaml': [
    'not-a-mapping.yaml:1:1: a playbook must be a YAML mapping (apiVersion, kind, metadata, steps, ...)',
  ],
  'retry-not-idempotent.yaml': [
    'retry-not-idempotent.yaml:11:5: steps[0].retry: sisense.dashboard.import is not idempotent: retrying it could apply it twice',
    'retry-not-idempotent.yaml:14:36: steps[1].retry.backoff: must be longer than 0',
  ],
  'schedule.yaml': [
    'schedule.yaml:15:9: schedule.cron: "0 61 6 * * MON-FRX" is not a valid cron expression: configuration entry 5 (1-FRX) contains illegal characters.',
    'schedule.yaml:16:13: schedule.timezone: unknown time zone "Mars/Olympus_Mons" (use an IANA name such as Europe/Berlin)',
    'schedule.yaml:17:20: schedule.inputs.limit: must be an integer',
    'schedule.yaml:17:26: schedule.inputs.owner: undeclared input',
    'schedule.yaml:18:17: schedule.environments: role "backup" is not bound to an environment',
    'schedule.yaml:18:27: schedule.environments.target: environment "prod-postgres" is of kind postgres; role "target" needs sisense',
    'schedule.yaml:18:50: schedule.environments.source: no environment "staging-sisense" in the configuration',
    'schedule.yaml:18:67: schedule.environments.other: undeclared environment role "other"',
    'schedule.yaml:19:3: warning: schedule.catchUpWindow: has no effect with catchUp: none',
  ],
  'schema.yaml': [
    'schema.yaml:1:13: apiVersion: must be "steward/v1"',
    'schema.yaml:4:9: metadata.name: must match the pattern ^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$',
    'schema.yaml:5:3: metadata.owner: unknown key (allowed: name, description, labels)',
    'schema.yaml:7:18: inputs.count.type: must be one of: "string", "number", "integer", "boolean", "array", "object"',
    'schema.yaml:9:3: environments.Target: is not an allowed name',
    'schema.yaml:13:14: steps[0].timeout: must match the pattern ^(?:[0-9]+(?:ms|s|m|h|d))+$',
    'schema.yaml:14:22: steps[0].continueOnError: must be a boolean',
    'schema.yaml:15:9: steps[1].id: must match the pattern ^[a-z][a-z0-9_-]*$',
    'schema.yaml:16:41: steps[1].approval.approvers: must be >= 1',
    'schema.yaml:19:42: steps[2].check.assert[0].severity: must be one of: "info", "warning", "error", "critical"',
    'schema.yaml:22:12: schedule.overlap: must be one of: "skip", "queue", "cancel-previous"',
  ],
  'step-kinds.yaml': [
    'step-kinds.yaml:8:5: steps[0]: a step needs one of: tool, check, approval, foreach, agent, ask, loop',
    'step-kinds.yaml:10:5: steps[1]: a step has exactly one of tool, check, approval, foreach, agent, ask, loop (found: tool, approval)',
    'step-kinds.yaml:15:5: steps[2].with: only valid together with tool',
    'step-kinds.yaml:17:5: steps[3].foreach: only valid together with steps',
  ],
  'step-references.yaml': [
    'step-references.yaml:9:14: steps[0].if: step "later" runs after this one',
    'step-references.yaml:13:25: steps[1].with.owner: step "self" cannot read its own result',
    'step-references.yaml:19:26: steps[2].steps[0].with.id: step "loop" encloses this step: its output exists only after it finishes',
    'step-references.yaml:22:20: steps[3].approval.message: step "inner" runs inside foreach "loop"; read its results as steps.loop.output',
    'step-references.yaml:22:56: steps[3].approval.message: no step "nope"',
    'step-references.yaml:22:85: steps[3].approval.message: steps.early.outputs: a step has output, status, error',
    'step-references.yaml:28:36: steps[6].approval.message: no step "list" (a step id with "-" is read as steps["list-all"])',
    'step-references.yaml:28:47: steps[6].approval.message: unknown name "all" (expressions read inputs, steps, environments, run)',
    'step-references.yaml:30:14: outputs.first: step "inner" runs inside foreach "loop"; read its results as steps.loop.output',
  ],
  'tool-arguments.yaml': [
    'tool-arguments.yaml:13:14: steps[0].with.limit: must be an integer',
    'tool-arguments.yaml:14:14: steps[0].with.owner: must be a string',
    'tool-arguments.yaml:15:7: steps[0].with.sort: unknown key (allowed: limit, owner)',
    'tool-arguments.yaml:21:11: steps[2].with.id: is required',
    'tool-arguments.yaml:21:21: steps[2].with.format: must be one of: "dash", "json"',
    'tool-arguments.yaml:29:18: steps[4].with.tags[1]: must be a string',
  ],
  'two-documents.yaml': [
    'two-documents.yaml:5:1: a playbook file holds one YAML document; found another',
  ],
  'undeclared-input.yaml': [
    'undeclared-input.yaml:12:25: steps[0].with.owner: undeclared input "owner" (declared: names)',
    'undeclared-input.yaml:14:9: steps[1].if: undeclared input "dryRun" (declared: names)',
  ],
  'unknown-name.yaml': [
    'unknown-name.yaml:19:20: steps[2].approval.message: unknown name "dashboard" (expressions read inputs, steps, environments, run)',
    'unknown-name.yaml:19:46: steps[2].approval.message: run.name: run has id and playbook',
    'unknown-name.yaml:19:65: steps[2].approval.message: unknown name "env" (expressions read inputs, steps, environments, run)',
    'unknown-name.yaml:24:9: steps[3].steps[0].foreach: the element name "item" is already used by an enclosing foreach; choose another with as:',
    'unknown-name.yaml:30:9: steps[4].as: "inputs" is reserved (inputs, steps, environments, run); choose another name with as:',
  ],
  'unknown-tool.yaml': [
    'unknown-tool.yaml:9:11: steps[0].tool: unknown tool "sisense.dashboards.list"',
  ],
  'wrong-kind.yaml': [
    'wrong-kind.yaml:11:20: steps[0].env.target: environment role "warehouse" is of kind postgres; sisense.dashboard.list works on: sisense',
    'wrong-kind.yaml:13:11: steps[1].tool: environment role "target" is of kind sisense; postgres.query.run works on: postgres',
  ],
  'yaml-syntax.yaml': [
    'yaml-syntax.yaml:9:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
  ],};

describe('invalid playbooks: every class of error, with file:line:col', () => {
  it('has an expectation for every bad fixture', () => {
    expect(readdirSync(join(FIXTURES, 'bad')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(file, () => {
      const r = check(`bad/${file}`);
      expect(r.diagnostics.map(formatDiagnostic)).toEqual(expected);
      expect(r.playbook).toBeUndefined();
    });
  }
});

describe('valid playbooks', () => {
  it('parses the migration example into the runner form', () => {
    const r = check('good/migrate-dashboards.yaml');
    expect(r.diagnostics).toEqual([]);
    const p = r.playbook!;
    expect(p.id).toBe('migrate-dashboards');
    expect(p.labels).toEqual({ team: 'bi', purpose: 'migration' });
    expect(p.environments.map((e) => `${e.name}:${e.kind}`)).toEqual(['source:sisense', 'target:sisense']);
    expect(p.inputSchema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        names: { type: 'array', items: { type: 'string' }, description: 'Titles of the dashboards to migrate.' },
        maxWidgets: { type: 'integer', default: 20 },
      },
      required: ['names'],
    });
    expect(p.steps.map((s) => `${s.id}:${s.kind}`)).toEqual(['list:tool', 'widgets:check', 'approve:approval', 'copy:foreach']);
    const [list, widgets, approve, copy] = p.steps;
    if (list?.kind !== 'tool' || widgets?.kind !== 'check' || approve?.kind !== 'approval' || copy?.kind !== 'foreach') throw new Error('kinds');
    expect(list).toMatchObject({ tool: 'sisense.dashboard.list', env: { target: 'source' }, timeoutMs: 60_000, retry: { attempts: 3, backoffMs: 2000, factor: 2 } });
    expect(widgets.as).toBe('dashboard');
    expect(widgets.assert.map((a) => `${a.id}:${a.severity}`)).toEqual(['widget-limit:warning', 'has-owner:error']);
    expect(approve).toMatchObject({ approvers: 1, timeoutMs: 86_400_000 });
    expect(copy).toMatchObject({ as: 'dashboard', concurrency: 4 });
    expect(copy.steps.map((s) => `${s.id}<${s.parent}`)).toEqual(['export<copy', 'import<copy']);
    const [exp, imp] = copy.steps;
    expect(exp).toMatchObject({ env: { target: 'source' } });
    expect(imp).toMatchObject({ env: { target: 'target' }, continueOnError: true });
  });

  it('renders the parsed expressions over a run scope', () => {
    const p = check('good/migrate-dashboards.yaml').playbook!;
    const [, widgets, approve, copy] = p.steps;
    if (widgets?.kind !== 'check' || approve?.kind !== 'approval' || copy?.kind !== 'foreach') throw new Error('kinds');
    const dashboards = [
      { oid: 'd1', title: 'Sales', widgets: new Array(25).fill({}), owner: 'ann' },
      { oid: 'd2', title: 'Ops', widgets: [] },
      { oid: 'd3', title: 'Other', widgets: [] },
    ];
    const scope = {
      inputs: { names: ['Sales', 'Ops'], maxWidgets: 20 },
      steps: { list: { output: { dashboards }, status: 'succeeded' } },
      environments: { source: { name: 'staging', kind: 'sisense' }, target: { name: 'prod', kind: 'sisense' } },
      run: { id: 'r1', playbook: p.id },
    };
    const items = (widgets.foreach as { evaluate(s: object): unknown }).evaluate(scope) as { oid: string }[];
    expect(items.map((d) => d.oid)).toEqual(['d1', 'd2']);
    const [limit, owner] = widgets.assert;
    const first = { ...scope, dashboard: items[0] };
    expect(limit!.that.test(first)).toBe(false);
    expect(limit!.message.renderText(first)).toBe('Dashboard "Sales" has 25 widgets (limit 20)');
    expect(limit!.asset!.render(first)).toBe('d1');
    expect(owner!.that.test({ ...scope, dashboard: items[1] })).toBe(false);
    expect(approve.message.renderText(scope)).toBe('Copy 2 dashboards from staging to prod?');
    const imp = copy.steps[1]!;
    if (imp.kind !== 'tool') throw new Error('kind');
    const inner = { ...scope, dashboard: items[0], steps: { ...scope.steps, export: { output: { dashboard: { title: 'Sales', widgets: [1, 2] } } } } };
    expect(imp.with.render(inner)).toEqual({ dashboard: { title: 'Sales', widgets: [1, 2] }, overwrite: true, tags: ['migrated', 'from-staging'] });
    const done = { ...scope, steps: { ...scope.steps, widgets: { output: { findings: [{}] } }, copy: { output: [{ import: { output: { title: 'Sales' } } }] } } };
    expect(p.outputs.copied!.render(done)).toEqual(['Sales']);
    expect(p.outputs.findings!.render(done)).toBe(1);
  });

  it('parses the governance example with its reserved schedule and policy', () => {
    const r = check('good/widget-governance.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.playbook!.schedule).toEqual({
      cron: '0 0 6 * * MON-FRI',
      timezone: 'Europe/Berlin',
      inputs: {},
      environments: { target: 'prod-sisense' },
      overlap: 'skip',
      catchUp: 'last',
      catchUpWindowMs: 6 * 3_600_000,
      jitterMs: 30_000,
      enabled: true,
    });
    expect(r.playbook!.policy).toEqual({ approval: { requireFor: ['write', 'destructive'], approvers: 2, expiresAfterMs: 86_400_000 } });
    const check0 = r.playbook!.steps[1]!;
    expect(check0).toMatchObject({ kind: 'check', as: 'item', assert: [{ id: 'too-many-widgets', severity: 'warning' }] });
  });

  it('names the file as given and keeps valid playbooks free of warnings', () => {
    const text = readFileSync(join(FIXTURES, 'good/widget-governance.yaml'), 'utf8');
    const r = validatePlaybookText(text, 'some/where.yaml', { lookup: fakeLookup() });
    expect(r.playbook?.file).toBe('some/where.yaml');
    expect(r.name).toEqual({ id: 'widget-governance', line: 5, col: 9 });
  });
});

describe('tool lookup', () => {
  it('is satisfied by the plugin catalogue as it is', () => {
    const lookup: ToolLookup = new PluginCatalogue([], []);
    const r = validatePlaybookText('apiVersion: steward/v1\nkind: Playbook\nmetadata: { name: x }\nsteps:\n  - id: a\n    tool: demo.util.echo\n', 'x.yaml', { lookup });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['x.yaml:6:11: steps[0].tool: unknown tool "demo.util.echo"']);
  });
});

describe('odd files', () => {
  const lines = (text: string) => validatePlaybookText(text, 'p.yaml', { lookup: fakeLookup() }).diagnostics.map(formatDiagnostic);

  it('an empty file or one of comments is not a playbook', () => {
    expect(lines('')).toEqual(['p.yaml:1:1: a playbook must be a YAML mapping (apiVersion, kind, metadata, steps, ...)']);
    expect(lines('# nothing here\n')).toEqual(['p.yaml:1:1: a playbook must be a YAML mapping (apiVersion, kind, metadata, steps, ...)']);
  });

  it('a key written twice is a YAML error at the second one', () => {
    expect(lines('apiVersion: steward/v1\nkind: Playbook\nkind: Playbook\n')).toEqual(['p.yaml:3:1: YAML syntax error: Map keys must be unique']);
  });

  it('arguments computed by expressions are left to run time; literal ones are checked', () => {
    const text = [
      'apiVersion: steward/v1',
      'kind: Playbook',
      'metadata: { name: p }',
      'inputs: { n: { type: integer } }',
      'steps:',
      '  - id: echo',
      '    tool: demo.util.echo',
      '    with: { text: "${{ string(inputs.n) }}", repeat: "${{ inputs.n }}" }',
      '  - id: echo2',
      '    tool: demo.util.echo',
      '    with: { repeat: 0 }',
      '',
    ].join('\n');
    expect(lines(text)).toEqual(['p.yaml:11:11: steps[1].with.text: is required', 'p.yaml:11:21: steps[1].with.repeat: must be >= 1']);
  });
});
