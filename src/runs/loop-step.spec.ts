import { describe, expect, it } from '@jest/globals';
import { formatDiagnostic } from '../playbooks/diagnostics.js';
import { validatePlaybookText } from '../playbooks/playbook.validator.js';
import { staticToolLookup } from '../playbooks/tool-lookup.js';

const lookup = staticToolLookup([
  { id: 'demo.util.echo', effect: 'read', idempotent: true, environments: [], kinds: ['demo'], inputSchema: { type: 'object', properties: { message: { type: 'string' } } }, outputSchema: { type: 'object', additionalProperties: false, properties: { message: { type: 'string' } } } },
]);
const playbook = (steps: string, outputs = '') =>
  `apiVersion: steward/v1\nkind: Playbook\nmetadata:\n  name: loops\ninputs:\n  rounds: { type: integer, default: 3 }\nsteps:\n${steps}${outputs}`;
const check = (steps: string, outputs = '') => validatePlaybookText(playbook(steps, outputs), 'loops.yaml', { lookup });
const errors = (steps: string, outputs = '') => check(steps, outputs).diagnostics.map(formatDiagnostic);

const LOOP = `  - id: rounds
    loop:
      maxRounds: \${{ inputs.rounds }}
      until: \${{ steps.count.output.message == "2" && round >= 0 }}
      steps:
        - id: count
          tool: demo.util.echo
          with: { message: "\${{ string(round) }} after \${{ string(size(steps.rounds.output)) }}" }
`;

describe('loop steps: validation', () => {
  it('a loop parses: maxRounds from an input, until over the round, children reading round and earlier rounds', () => {
    const r = check(LOOP, `outputs:\n  last: \${{ steps.rounds.output[0].count.output.message }}\n`);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const loop = r.playbook!.steps[0]!;
    expect(loop).toMatchObject({ kind: 'loop', id: 'rounds', steps: [{ id: 'count', kind: 'tool', parent: 'rounds' }] });
  });

  it('reads are checked as in a foreach: a child from outside, round outside the loop, fields outputs do not have, a step after the loop in until', () => {
    const after = `  - id: later\n    tool: demo.util.echo\n    with: { message: "\${{ steps.count.output.message }} \${{ string(round) }}" }\n`;
    expect(errors(LOOP + after)).toEqual([
      expect.stringContaining('step "count" runs inside foreach "rounds"; read its results as steps.rounds.output'),
      expect.stringContaining('unknown name "round"'),
    ]);
    const badUntil = LOOP.replace('steps.count.output.message == "2" && round >= 0', 'steps.count.output.text == "2" || steps.later.status == "x"');
    expect(errors(`${badUntil}  - id: later\n    tool: demo.util.echo\n`)).toEqual([
      expect.stringContaining('steps.count.output has no field "text" (its fields: message)'),
      expect.stringContaining('step "later" runs after this one'),
    ]);
  });

  it('a budget parses (numbers or expressions); unknown quantities, an empty budget and numbers out of range are reported', () => {
    const budget = (b: string) => LOOP.replace('      steps:\n', `      budget: ${b}\n      steps:\n`);
    const ok = check(budget('{ modelCalls: "${{ inputs.rounds * 10 }}", tokens: 50000, toolCalls: 20 }'));
    expect(ok.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(ok.playbook!.steps[0]).toMatchObject({ kind: 'loop', budget: { modelCalls: expect.anything(), tokens: expect.anything(), toolCalls: expect.anything() } });
    expect(errors(budget('{ dollars: 5 }')).join('\n')).toMatch(/budget.*dollars/);
    expect(errors(budget('{}')).join('\n')).toMatch(/budget/);
    expect(errors(budget('{ modelCalls: 0 }')).join('\n')).toMatch(/budget\.modelCalls/);
    expect(errors(budget('{ modelCalls: "${{ inputs.nope }}" }')).join('\n')).toMatch(/nope/);
  });

  it('the shape is checked: maxRounds required, in range, steps required, one kind per step', () => {
    expect(errors(`  - id: r\n    loop:\n      steps:\n        - id: a\n          tool: demo.util.echo\n`)).toEqual([expect.stringContaining("loop.maxRounds: is required")]);
    expect(errors(`  - id: r\n    loop:\n      maxRounds: 0\n      steps:\n        - id: a\n          tool: demo.util.echo\n`).join('\n')).toContain('maxRounds');
    expect(errors(`  - id: r\n    tool: demo.util.echo\n    loop:\n      maxRounds: 2\n      steps:\n        - id: a\n          tool: demo.util.echo\n`)).toEqual([expect.stringContaining('exactly one of tool, check, approval, foreach, agent, ask, loop (found: tool, loop)')]);
  });
});
