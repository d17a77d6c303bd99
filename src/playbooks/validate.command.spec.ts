import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { fakeLookup } from '../../test/fixtures/playbooks/fake-tools.js';
import { validateCommand } from './validate.command.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/playbooks');

function run(paths: string[], cwd = FIXTURES) {
  const out: string[] = [];
  const err: string[] = [];
  const code = validateCommand(paths, fakeLookup(), { out: (s) => out.push(s), err: (s) => err.push(s), cwd }, { environments: { 'prod-sisense': { kind: 'sisense' } } });
  return { code, out: out.join(''), err: err.join('') };
}

describe('steward validate', () => {
  it('says how many playbooks are OK and exits 0', () => {
    expect(run(['good'])).toEqual({ code: 0, out: '2 playbooks OK\n', err: '' });
  });

  it('prints every diagnostic as file:line:col: message and exits 2', () => {
    const r = run(['bad/unknown-tool.yaml', 'bad/retry-not-idempotent.yaml', 'good']);
    expect(r.code).toBe(2);
    expect(r.out).toBe(
      [
        'bad/retry-not-idempotent.yaml:11:5: steps[0].retry: sisense.dashboard.import is not idempotent: retrying it could apply it twice',
        'bad/retry-not-idempotent.yaml:14:36: steps[1].retry.backoff: must be longer than 0',
        'bad/unknown-tool.yaml:9:11: steps[0].tool: unknown tool "sisense.dashboards.list"',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('3 errors in 2 files\n');
  });

  it('passes with warnings, counting them', () => {
    const r = run(['bad/../good', join(FIXTURES, 'bad/inputs.yaml')]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('bad/inputs.yaml:10:39: warning: inputs.owner.required: has no effect: the input has a default');
    expect(r.err).toMatch(/^\d+ errors? in 1 file, 1 warning\n$/);
  });

  it('defaults to ./playbooks', () => {
    expect(run([], join(FIXTURES, 'good'))).toEqual({ code: 2, out: 'playbooks:1:1: no such file or directory\n', err: '1 error in 1 file\n' });
  });
});
