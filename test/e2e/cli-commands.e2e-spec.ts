import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';
import { until } from '../helpers/wait.js';

// The real binary (dist/src/main.js, from `npm run build`) against a real daemon over HTTP, in a project made by
// `steward init`.
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'dist/src/main.js');

interface Result {
  code: number;
  out: string;
  err: string;
}

let dir: string;
let daemon: ProcessDaemon;
let env: Record<string, string>;

function steward(args: string[], extraEnv: Record<string, string> = {}, cwd = dir): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env, ...extraEnv }, timeout: 120_000 }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out: String(out), err: String(err) }),
    );
  });
}

const tokenOf = (name: string) => readFileSync(join(dir, '.steward', 'tokens', `${name}.token`), 'utf8').trim();
const whoami = async (token: string) => (await fetch(`${daemon.url}/whoami`, { headers: { Authorization: `Bearer ${token}` } })).status;
const reload = async () => {
  const res = await fetch(`${daemon.url}/reload`, { method: 'POST', headers: { Authorization: `Bearer ${tokenOf('admin')}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { ok: boolean; problems: { text: string }[]; tokens?: { applied: boolean; added: string[]; removed: string[] } };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'steward-cli-cmds-'));
  env = { STEWARD_CONTEXT_FILE: join(dir, 'contexts.yaml') };
  const init = await steward(['init']);
  expect(init).toMatchObject({ code: 0 });
  const port = await freePort();
  // the init'ed steward.yaml, on a free port
  writeFileSync(join(dir, 'steward.yaml'), readFileSync(join(dir, 'steward.yaml'), 'utf8').replace('port: 8080', `port: ${port}`));
  daemon = await spawnDaemon(dir, port, 120_000);
}, 180_000);

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
});

describe('steward init', () => {
  it('wrote steward.yaml with sha256 token entries, token files of mode 0600, a valid playbook and .gitignore', async () => {
    const yaml = readFileSync(join(dir, 'steward.yaml'), 'utf8');
    for (const name of ['admin', 'operator', 'approver']) {
      const file = join(dir, '.steward', 'tokens', `${name}.token`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(yaml).not.toContain(tokenOf(name));
      expect(yaml).toMatch(new RegExp(`name: ${name} [^\\n]*\\n\\s+role: ${name}\\n\\s+token: "sha256:[0-9a-f]{64}"`));
    }
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.steward\/$/m);
    const check = await steward(['config', 'check', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.out).tokens).toEqual([{ name: 'admin', role: 'admin' }, { name: 'operator', role: 'operator' }, { name: 'approver', role: 'approver' }]);
    const validate = await steward(['validate', '--json']);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.out)).toMatchObject({ ok: true, playbooks: ['hello'] });
  });

  it('refuses to overwrite (exit 2, nothing changed)', async () => {
    const before = readFileSync(join(dir, 'steward.yaml'), 'utf8');
    const again = await steward(['init']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/not overwriting steward\.yaml/);
    expect(readFileSync(join(dir, 'steward.yaml'), 'utf8')).toBe(before);
  });
});

describe('contexts, runs, findings, threads against the daemon', () => {
  let runId: string;

  it('a context replaces --server/--token-file; its file has mode 0600; $STEWARD_SERVER still wins', async () => {
    // no context yet: in-process, and the daemon holds the embedded store
    const locked = await steward(['runs']);
    expect(locked.code).toBe(1);
    expect(locked.err).toMatch(/talk to it instead, e\.g\. --server/);
    const set = await steward(['context', 'set', 'local', '--server', daemon.url, '--token-file', '.steward/tokens/operator.token']);
    expect(set).toMatchObject({ code: 0 });
    expect(statSync(env.STEWARD_CONTEXT_FILE!).mode & 0o777).toBe(0o600);
    expect(readFileSync(env.STEWARD_CONTEXT_FILE!, 'utf8')).not.toContain(tokenOf('operator'));
    const list = await steward(['context', 'list', '--json']);
    expect(JSON.parse(list.out)).toMatchObject({ current: 'local', contexts: { local: { server: daemon.url } } });
    // an unreachable $STEWARD_SERVER takes precedence over the context
    const viaEnv = await steward(['runs'], { STEWARD_SERVER: 'http://127.0.0.1:9', STEWARD_TOKEN: 'x'.repeat(20) });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.err).toContain('cannot reach http://127.0.0.1:9');
    expect((await steward(['runs', '--context', 'nope'])).code).toBe(2);
  }, 60_000);

  it('run, approve by the second token, then runs / runs get / runs report / runs cancel / findings / threads, text and --json', async () => {
    const started = await steward(['run', 'hello', '--env', 'target=demo', '--json']);
    expect(started.code).toBe(0);
    runId = JSON.parse(started.out).runId;
    const pending = await until('the approval', async () => {
      const r = await steward(['approvals', '--pending', '--run', runId, '--json']);
      return (JSON.parse(r.out) as { approvals: { id: string }[] }).approvals[0];
    }, 60_000, 200);
    const approve = await steward(['approve', pending.id, '--token-file', '.steward/tokens/approver.token', '--json']);
    expect(approve.code).toBe(0);
    expect(JSON.parse(approve.out)).toMatchObject({ id: pending.id, status: 'approved' });
    await until('the run to succeed', async () => (JSON.parse((await steward(['runs', 'get', runId, '--json'])).out).state === 'succeeded' ? true : undefined), 60_000, 200);

    const runs = await steward(['runs', '--state', 'succeeded', '--playbook', 'hello', '--json']);
    expect(JSON.parse(runs.out).runs.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect(JSON.parse((await steward(['runs', '--state', 'failed', '--json'])).out).runs).toEqual([]);
    const table = await steward(['runs', '--limit', '5']);
    expect(table.out).toMatch(new RegExp(`^ID +STATE +PLAYBOOK +BY +CREATED\\n${runId} +succeeded +hello +operator `));
    expect((await steward(['runs', '--state', 'bogus'])).code).toBe(2);

    const get = await steward(['runs', 'get', runId]);
    expect(get.out).toMatch(/^write +tool +succeeded +demo\.notes\.write +apr_/m);
    const report = await steward(['runs', 'report', runId]);
    expect(report.out).toMatch(new RegExp(`^# Run ${runId}: hello — succeeded`));
    expect(JSON.parse((await steward(['runs', 'report', runId, '--json'])).out)).toMatchObject({ run: { id: runId } });
    const cancel = await steward(['runs', 'cancel', runId]);
    expect(cancel.code).toBe(1); // already ended (409)
    expect(cancel.err).toContain('RUN_FINISHED');
    expect((await steward(['runs', 'get', 'run_doesnotexist0'])).code).toBe(2);

    const findings = await steward(['findings', '--min-severity', 'warning', '--json']);
    expect(findings.code).toBe(0);
    expect(JSON.parse(findings.out)).toEqual({ findings: [] });
    const threads = await steward(['threads', '--json']);
    expect(threads.code).toBe(0);
    expect(JSON.parse(threads.out)).toEqual({ threads: [] });
  }, 180_000);

  it('ask exits 2 when no model is configured, as its help says', async () => {
    const r = await steward(['ask', 'what is there?', '--env', 'demo']);
    expect(r.err).toMatch(/steward: .*/);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe('tokens without restarts', () => {
  it('token create prints a token and its sha256 line; POST /reload accepts an added token and refuses a removed one at once', async () => {
    const created = await steward(['token', 'create', '--role', 'approver', '--name', 'bob', '--json']);
    expect(created.code).toBe(0);
    const bob = JSON.parse(created.out) as { token: string; sha256: string; name: string; role: string };
    expect(bob.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = await steward(['token', 'create', '--role', 'viewer']);
    expect(text.out).toMatch(/token: "sha256:[0-9a-f]{64}"/);
    expect((await steward(['token', 'create', '--role', 'king'])).code).toBe(2);

    const file = join(dir, 'steward.yaml');
    const original = readFileSync(file, 'utf8');
    const withBob = original.replace('  tokens:\n', `  tokens:\n    - name: bob\n      role: approver\n      token: "${bob.sha256}"\n`);
    expect(await whoami(bob.token)).toBe(401);
    writeFileSync(file, withBob);
    const added = await reload();
    expect(added.tokens).toMatchObject({ applied: true });
    expect(await whoami(bob.token)).toBe(200);

    // an invalid token section: the file is refused as a whole, the old tokens stay, the problem is reported
    writeFileSync(file, withBob.replace('  tokens:\n', '  tokens:\n    - name: short\n      role: viewer\n      token: tooshort\n'));
    const refused = await reload();
    expect(refused.ok).toBe(false);
    expect(refused.tokens).toMatchObject({ applied: false });
    expect(refused.problems.map((p) => p.text).join('\n')).toMatch(/auth\.tokens\[0\]\.token|auth\/tokens\/0\/token|too short/);
    expect(await whoami(bob.token)).toBe(200);

    writeFileSync(file, original);
    const removed = await reload();
    expect(removed.tokens).toMatchObject({ applied: true }); // the file watcher may have applied the removal first
    expect(await whoami(bob.token)).toBe(401);
    expect(await whoami(tokenOf('operator'))).toBe(200);
  }, 120_000);

  it('the config file watcher picks up a token added to steward.yaml without POST /reload', async () => {
    const created = JSON.parse((await steward(['token', 'create', '--role', 'viewer', '--name', 'carol', '--json'])).out) as { token: string; sha256: string };
    const file = join(dir, 'steward.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  tokens:\n', `  tokens:\n    - name: carol\n      role: viewer\n      token: "${created.sha256}"\n`));
    await until('the watcher to load carol', async () => ((await whoami(created.token)) === 200 ? true : undefined), 60_000, 200);
  }, 90_000);
});

describe('steward completion', () => {
  it('prints a bash script that parses and completes subcommands', async () => {
    const r = await steward(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.out).toContain("'runs') words='get report cancel");
    const script = join(dir, 'steward.bash');
    writeFileSync(script, r.out);
    const check = await new Promise<number>((res) => execFile('bash', ['-c', `source ${script} && COMP_WORDS=(steward runs g) COMP_CWORD=2 && _steward && echo "\${COMPREPLY[@]}"`], (e, out) => {
      expect(String(out).trim()).toBe('get');
      res(e ? 1 : 0);
    }));
    expect(check).toBe(0);
    expect((await steward(['completion', 'zsh'])).out).toMatch(/^#compdef steward/);
    expect((await steward(['completion', 'fish'])).code).toBe(2);
  }, 60_000);
});

describe('in-process reads on the local store', () => {
  it('runs and findings read the store directly once the daemon has stopped', async () => {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    const noCtx = { STEWARD_CONTEXT_FILE: join(dir, 'none.yaml') };
    expect(existsSync(noCtx.STEWARD_CONTEXT_FILE)).toBe(false);
    const runs = await steward(['runs', '--json'], noCtx);
    expect(runs.code).toBe(0);
    const list = JSON.parse(runs.out).runs as { id: string; state: string }[];
    expect(list.map((r) => r.state)).toEqual(['succeeded']);
    const report = await steward(['runs', 'report', list[0]!.id], noCtx);
    expect(report.out).toMatch(/— succeeded/);
    expect((await steward(['findings'], noCtx)).out).toBe('no findings\n');
    expect((await steward(['runs', 'cancel', list[0]!.id], noCtx)).code).toBe(2);
  }, 120_000);
});
