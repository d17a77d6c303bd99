import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { fromText } from '../../src/config/config.loader.js';
import { installClock } from '../../src/schedule/clock.js';
import { ManualClock } from '../../src/schedule/manual-clock.js';
import { registerSchedules } from '../../src/schedule/schedules.command.js';
import { configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';

const FIXTURES = join(new URL('.', import.meta.url).pathname, '../fixtures/playbooks-scheduled');
const YAML = configYaml(
  `environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${FIXTURES}]\nschedules:\n  entries:\n    hourly: { playbook: plain-echo, cron: "0 * * * *", environments: { target: lab } }\n    broken: { playbook: no-such-playbook, cron: "0 * * * *", environments: { target: lab } }\n`,
);

/** `steward schedules ...` through the command's own registration (src/cli wires it into the program). */
async function cli(args: string[], dir: string) {
  let out = '';
  let code = 0;
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (out += s), env: {}, cwd: dir, onSignal: () => undefined };
  const program = new Command('steward').exitOverride();
  registerSchedules(program, { io, load: () => fromText(join(dir, 'steward.yaml'), YAML, dir, {}), exit: (c) => void (code = c) });
  await program.parseAsync(['node', 'steward', 'schedules', ...args]);
  return { out, code };
}

describe('steward schedules', () => {
  let d: TestDaemon | undefined;
  afterAll(async () => {
    await d?.close();
    installClock(undefined);
  });

  it('in-process: reads playbooks, steward.yaml and the store; lists schedules and problems (exit 2 with problems)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-sched-cli-'));
    writeFileSync(join(dir, 'steward.yaml'), YAML);
    const { out, code } = await cli(['--log-level', 'silent'], dir);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NEXT FIRE\s+CRON\s+ZONE\s+ENVIRONMENTS\s+STATE\s+LAST RUN$/);
    expect(lines.some((l) => /^config:hourly\s+\d{4}-\d\d-\d\dT\d\d:00:00\.000Z\s+0 \* \* \* \*\s+UTC\s+target=lab\s+active\s+-$/.test(l))).toBe(true);
    expect(lines.some((l) => /^playbook:sched-echo\s+.*\s+30 2 \* \* \*\s+Europe\/Berlin\s+target=lab\s+active/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^not loaded: steward\.yaml:\d+:\d+: schedules\.entries\.broken\.playbook: no valid playbook "no-such-playbook" is loaded/);
    expect(code).toBe(2);
  });

  it('--server: the same from a running daemon, as JSON', async () => {
    installClock(new ManualClock('2026-05-04T09:30:00Z'));
    d = await startTestDaemon(YAML);
    const tokenFile = join(d.dir, 'viewer.token');
    writeFileSync(tokenFile, TOKENS.viewer);
    const { out } = await cli(['--server', d.url, '--token-file', tokenFile, '--json'], d.dir);
    const body = JSON.parse(out);
    expect(body.schedules.find((s: any) => s.id === 'config:hourly')).toMatchObject({ nextFireAt: '2026-05-04T10:00:00.000Z', paused: false });
    expect(body.problems).toHaveLength(1);
  });
});
