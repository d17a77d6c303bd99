import { describe, expect, it } from '@jest/globals';
import type { RunEvent } from '../runs/run.types.js';
import { EventPrinter } from './progress.js';

const at = '2026-12-03T10:00:00.000Z';
const ev = (type: string, data: unknown, stepKey = 'agent', seq = 1) => ({ seq, runId: 'run_1', type, data, stepKey, at }) as unknown as RunEvent;

describe('EventPrinter (--follow)', () => {
  it('writes a model call\'s streamed text on one line as it arrives, closed by the next event', () => {
    let out = '';
    const p = new EventPrinter((t) => (out += t));
    p.print(ev('agent.delta', { stepId: 'agent', call: 1, text: 'Three dash' }));
    p.print(ev('agent.delta', { stepId: 'agent', call: 1, text: 'boards\nhave no owner' }));
    p.print(ev('agent.delta', { stepId: 'agent', call: 2, text: 'Next' }));
    p.print(ev('agent.answer', { stepId: 'agent', text: 'Next' }));
    p.end();
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}agent {7}model writes: Three dashboards$/);
    expect(lines[1]).toBe('have no owner');
    expect(lines[2]).toMatch(/ {2}agent {7}model writes: Next$/);
    expect(lines[3]).toMatch(/ {2}agent {7}answer: Next$/);
    expect(lines[4]).toBe('');
  });

  it('escapes control characters the model writes (no terminal escapes reach the screen)', () => {
    let out = '';
    const p = new EventPrinter((t) => (out += t));
    p.print(ev('agent.delta', { stepId: 'agent', call: 1, text: 'red \u001b[31mtext' }));
    p.end();
    expect(out).not.toContain('\u001b');
    expect(out).toContain('\\u001b[31mtext');
  });
});
