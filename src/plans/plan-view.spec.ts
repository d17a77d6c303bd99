import { describe, expect, it } from '@jest/globals';
import { anyPlanView, planView, renderAnyPlanMarkdown, renderPlanMarkdown, renderPlanText, renderRunPlanText } from './plan-view.js';

/** A plan with one change of every action, as the Sisense plugin makes them. */
const plan = {
  summary: 'migrate dashboards: 1 create, 1 update, 1 delete, 1 skip, 1 fail',
  changes: [
    { action: 'create', kind: 'dashboard', target: 'dashboard 5f1c "Sales"', detail: 'imported as it is' },
    {
      action: 'update',
      kind: 'dashboard',
      target: 'dashboard 6a2d "Ops"',
      detail: 'repairs its owner, shares',
      fields: [
        { field: 'owner', before: 'a@x.test', after: 'b@x.test' },
        { field: 'shares', before: [], after: ['user c@x.test: view', 'group "Sales": edit'] },
      ],
    },
    { action: 'delete', kind: 'user', target: 'user olga@x.test' },
    { action: 'skip', kind: 'group', target: 'group "Admins"', detail: 'a system group', reason: 'a system group' },
    { action: 'fail', kind: 'datamodel', target: 'data model 7b3e "Retail"', detail: 'the target lacks connection "warehouse"', reason: 'the target lacks connection "warehouse"' },
  ],
  wouldChange: true,
  wouldFail: true,
};

const ESC = '\u001b';

describe('planView', () => {
  it('has one item per change with its symbol, kind, target without the kind word, reason and fields; totals per action', () => {
    const v = planView(plan);
    expect(v.items.map((i) => [i.symbol, i.action, i.kind, i.target])).toEqual([
      ['+', 'create', 'dashboard', '5f1c "Sales"'],
      ['~', 'update', 'dashboard', '6a2d "Ops"'],
      ['-', 'delete', 'user', 'olga@x.test'],
      ['=', 'skip', 'group', '"Admins"'],
      ['!', 'fail', 'datamodel', '7b3e "Retail"'],
    ]);
    expect(v.items[1].fields).toEqual(plan.changes[1].fields);
    expect(v.items[3].reason).toBe('a system group');
    expect(v.items[3]).not.toHaveProperty('detail');
    expect(v.totals).toEqual({ create: 1, update: 1, delete: 1, skip: 1, fail: 1 });
    expect(v).toMatchObject({ summary: plan.summary, planned: true });
  });

  it('reads the kind from the label when the plugin gives none, and takes the detail of a skip or fail as its reason', () => {
    const v = planView({ summary: 's', changes: [{ action: 'skip', target: 'folder "A/B"', detail: 'exists' }, { action: 'create', target: 'note k' }] });
    expect(v.items).toEqual([
      { symbol: '=', action: 'skip', kind: 'folder', target: '"A/B"', label: 'folder "A/B"', reason: 'exists' },
      { symbol: '+', action: 'create', kind: null, target: 'note k', label: 'note k' },
    ]);
  });

  it('says what is known when there is no plan: a tool without a dry run (null), a dry run that failed ({error})', () => {
    expect(planView(null)).toMatchObject({ planned: false, items: [], summary: expect.stringMatching(/^no plan: /) });
    expect(planView({ error: { code: 'SISENSE_UNREACHABLE', message: 'connect ECONNREFUSED' } })).toMatchObject({
      planned: false,
      error: { code: 'SISENSE_UNREACHABLE', message: 'connect ECONNREFUSED' },
      summary: 'the dry run failed: SISENSE_UNREACHABLE: connect ECONNREFUSED',
    });
  });

  it('takes the run plan of a one-approval run (steps) as steps with their views and the totals of all', () => {
    const v = anyPlanView({ steps: [{ stepKey: 'a', stepId: 'a', tool: 't.x.y', plan }, { stepKey: 'b', stepId: 'b', tool: 't.x.z', plan: null }] });
    expect(v).toMatchObject({ steps: [{ stepKey: 'a', view: { totals: { create: 1 } } }, { stepKey: 'b', view: { planned: false } }], totals: { create: 1, update: 1, delete: 1, skip: 1, fail: 1 } });
  });
});

describe('renderPlanText', () => {
  it('prints every action Terraform-like, the fields of an update indented, reasons in brackets, then the totals (no colours)', () => {
    expect(renderPlanText(planView(plan), { color: false })).toBe(
      [
        '+ create dashboard 5f1c "Sales" (imported as it is)',
        '~ update dashboard 6a2d "Ops"',
        '    owner: a@x.test → b@x.test',
        '    shares: (none) → user c@x.test: view, group "Sales": edit',
        '- delete user olga@x.test',
        '= skip group "Admins" (a system group)',
        '! fail data model 7b3e "Retail" (the target lacks connection "warehouse")',
        'Plan: 1 to create, 1 to update, 1 to delete, 1 skipped, 1 failing.',
        '',
      ].join('\n'),
    );
  });

  it('colours the action of each line (green, yellow, red, dim, bold red) and the totals only when asked', () => {
    const text = renderPlanText(planView(plan), { color: true });
    expect(text.split('\n')).toEqual([
      `${ESC}[32m+ create${ESC}[0m dashboard 5f1c "Sales"${ESC}[2m (imported as it is)${ESC}[0m`,
      `${ESC}[33m~ update${ESC}[0m dashboard 6a2d "Ops"`,
      '    owner: a@x.test → b@x.test',
      '    shares: (none) → user c@x.test: view, group "Sales": edit',
      `${ESC}[31m- delete${ESC}[0m user olga@x.test`,
      `${ESC}[2m= skip${ESC}[0m group "Admins"${ESC}[2m (a system group)${ESC}[0m`,
      `${ESC}[1;31m! fail${ESC}[0m data model 7b3e "Retail"${ESC}[2m (the target lacks connection "warehouse")${ESC}[0m`,
      `${ESC}[1mPlan: 1 to create, 1 to update, 1 to delete, 1 skipped, 1 failing.${ESC}[0m`,
      '',
    ]);
    expect(renderPlanText(planView(plan), { color: false })).not.toContain(ESC);
  });

  it('shows fields only set or only removed, values of every type, and an indent', () => {
    const v = planView({
      summary: 's',
      changes: [
        { action: 'create', kind: 'share', target: 'dashboard 1 "D" share with user a@x', fields: [{ field: 'rule', after: 'view' }] },
        { action: 'delete', kind: 'share', target: 'dashboard 1 "D" share with user b@x', fields: [{ field: 'rule', before: 'edit' }] },
        { action: 'update', kind: 'user', target: 'user c@x', fields: [{ field: 'active', before: false, after: true }, { field: 'quota', before: { rows: 1 }, after: null }] },
      ],
    });
    expect(renderPlanText(v, { color: false, indent: 2 })).toBe(
      [
        '  + create dashboard 1 "D" share with user a@x',
        '      rule: view',
        '  - delete dashboard 1 "D" share with user b@x',
        '      rule: edit → (removed)',
        '  ~ update user c@x',
        '      active: false → true',
        '      quota: {"rows":1} → (none)',
        '  Plan: 1 to create, 1 to update, 1 to delete, 0 skipped, 0 failing.',
        '',
      ].join('\n'),
    );
  });

  it('prints no plan as one line, and neutralises control characters from tools and targets', () => {
    expect(renderPlanText(planView(null))).toBe('no plan: the tool has no dry run, so what it would change is unknown\n');
    expect(renderPlanText(planView({ error: { code: 'X', message: 'boom' } }))).toBe('the dry run failed: X: boom\n');
    const text = renderPlanText(planView({ summary: 's', changes: [{ action: 'create', target: `dashboard 1 "${ESC}[2Jevil\nline"` }] }));
    expect(text).toBe('+ create dashboard 1 "\\u001b[2Jevil line"\nPlan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.\n');
  });
});

describe('renderRunPlanText', () => {
  it('prints a header per step with its tool and summary, the items under it, and the totals of every step', () => {
    const steps = [
      { stepId: 'groups', tool: 'sisense.migration.groups', plan: { summary: 'migrate groups: 1 create', changes: [{ action: 'create', kind: 'group', target: 'group "Sales"' }] } },
      { stepId: 'users', stepKey: 'users', tool: 'sisense.migration.users', plan: { summary: 'migrate users: 1 update', changes: [{ action: 'update', kind: 'user', target: 'user a@x', fields: [{ field: 'role', before: 'viewer', after: 'designer' }] }] } },
      { stepId: 'notes', stepKey: 'notes#2', tool: 'demo.notes.write', plan: null },
    ];
    expect(renderRunPlanText(steps, { color: false })).toBe(
      [
        'step groups: sisense.migration.groups — migrate groups: 1 create',
        '  + create group "Sales"',
        'step users: sisense.migration.users — migrate users: 1 update',
        '  ~ update user a@x',
        '      role: viewer → designer',
        'step notes (notes#2): demo.notes.write',
        '  no plan: the tool has no dry run, so what it would change is unknown',
        'Plan: 1 to create, 1 to update, 0 to delete, 0 skipped, 0 failing.',
        '',
      ].join('\n'),
    );
  });
});

describe('renderPlanMarkdown', () => {
  it('lists every action with its symbol, the fields nested, reasons after a dash, Markdown in targets escaped, then the totals', () => {
    expect(renderPlanMarkdown(planView(plan))).toBe(
      [
        '- `+` **create** dashboard 5f1c "Sales" — imported as it is',
        '- `~` **update** dashboard 6a2d "Ops"',
        '  - owner: a@x.test → b@x.test',
        '  - shares: (none) → user c@x.test: view, group "Sales": edit',
        '- `-` **delete** user olga@x.test',
        '- `=` **skip** group "Admins" — a system group',
        '- `!` **fail** data model 7b3e "Retail" — the target lacks connection "warehouse"',
        '',
        'Plan: 1 to create, 1 to update, 1 to delete, 1 skipped, 1 failing.',
        '',
      ].join('\n'),
    );
    expect(renderPlanMarkdown(planView({ summary: 's', changes: [{ action: 'create', target: 'dashboard 1 "*Q1* | <b>x</b>"' }] }))).toContain('dashboard 1 "\\*Q1\\* \\| \\<b\\>x\\</b\\>"');
  });

  it('says "No changes." for an empty plan, and what is known when there is none; a run plan gets a section per step', () => {
    expect(renderPlanMarkdown(planView({ summary: 's', changes: [] }))).toBe('No changes.\n\nPlan: 0 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.\n');
    expect(renderPlanMarkdown(planView(null))).toBe('_no plan: the tool has no dry run, so what it would change is unknown_\n');
    const text = renderAnyPlanMarkdown({ steps: [{ stepKey: 'g', stepId: 'g', tool: 'sisense.migration.groups', plan: { summary: 's', changes: [{ action: 'create', target: 'group "S"' }] } }] });
    expect(text).toBe('**step g** (sisense.migration.groups)\n\n- `+` **create** group "S"\n\nPlan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.\n\nPlan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.\n');
  });
});
