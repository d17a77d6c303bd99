/**
 * The README runs as written: every ```sh block is executed, in order, by bash against a real sandbox
 * (`dist/src/main.js sandbox`: two simulated Sisense deployments, the demo database, the demo model and a daemon;
 * database discovery runs on the demo model, its question answered from the block), from a directory laid out as the
 * quickstart says (`.steward/sandbox/` with its token files). A block that cannot run here carries
 * `<!-- readme-test: skip (reason) -->` right before it, and the reason is required.
 *
 * Blocks share the shell's variables, as in one terminal (a block's new variables are carried to the next ones);
 * each runs with `set -eo pipefail`, so any failing command fails it. `steward` and `npx steward` run the built CLI
 * (dist/src/main.js; nothing is fetched), and `curl` fails on an HTTP error (--fail-with-body): an example answering
 * 4xx is broken. The daemon's URL in the README (127.0.0.1:8080) is rewritten to the sandbox's free port, and
 * `.steward/admin.token` (the plain daemon's local admin token) is the sandbox's admin token.
 *
 * Also: steward.example.yaml passes `config check` with dummy values for its ${env:} references.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../helpers/process-daemon.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/src/main.js');

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The reason of a `<!-- readme-test: skip (reason) -->` right before the block. */
  skip?: string;
}

const DIRECTIVE = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

/** The fenced shell blocks of a Markdown text, with their skip directives; malformed directives are thrown. */
export function shellBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  const problems: string[] = [];
  let pending: { line: number; reason: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    const directive = DIRECTIVE.exec(text);
    if (directive) {
      const skip = /^skip\s*\((.*)\)$/.exec(directive[1]);
      if (!skip || !skip[1].trim()) problems.push(`README.md:${i + 1}: a readme-test directive is "skip (<reason>)" with a reason, not "${directive[1]}"`);
      else pending = { line: i + 1, reason: skip[1].trim() };
      continue;
    }
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(fence[1].length));
      if (['sh', 'bash', 'shell'].includes(fence[2])) blocks.push({ line: start + 1, lang: fence[2], code: body.join('\n'), ...(pending && { skip: pending.reason }) });
      else if (pending) problems.push(`README.md:${pending.line}: the skip directive is before a ${fence[2] || 'plain'} block, not a shell block`);
      pending = undefined;
      continue;
    }
    if (pending && text !== '') {
      problems.push(`README.md:${pending.line}: a skip directive must come right before the shell block it skips`);
      pending = undefined;
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return blocks;
}

/** Key output of some blocks (found by a line of their code): what a reader is told they will see. */
const EXPECT: { code: RegExp; output: RegExp[] }[] = [
  { code: /\/whoami/, output: [/"role":"(operator|admin)"/] },
  { code: /run sisense-wellcheck -e target=sandbox-source --follow/, output: [/succeeded/, /## Findings \(\d+\)/, /"check":"datamodel\.many-to-many"/] },
  { code: /--dry-run --follow/, output: [/would_change/, /^ *\+ create dashboard .*"Sales Deep Dive"/m, /Plan: \d+ to create, \d+ to update, \d+ to delete, \d+ skipped, 0 failing\./, /run run_\S+ succeeded/] },
  { code: /^echo "\$RUN"$/m, output: [/^run_\w+$/m] },
  { code: /while \[\[ \$\(state\)/, output: [/approved/i] },
  { code: /^npx steward follow "\$RUN"/, output: [/succeeded/, /Sales Deep Dive/, /## Approvals/] },
  { code: /schedules\/config:sandbox-wellcheck\/trigger/, output: [/succeeded/, /"nextFire|next/i] },
  { code: /run postgres-wellcheck -e target=sandbox-db --follow/, output: [/run run_\S+ succeeded/, /"check":"postgres\.no-primary-key"/, /"asset":"shop\.order_items"/] },
  {
    code: /run discover-database -e db=sandbox-db --follow/,
    output: [/waiting for an answer to question q_\w+: shop\.order_items has no foreign keys/, /question q_\w+ answered: /, /rounds\[1\]\.plan +answer: \{"tasks":\[\],"done":true\}/, /steward-demo/, /run run_\S+ succeeded/, /"rounds":2/],
  },
  { code: /runs\/\$DISCOVERY\/report/, output: [/## Questions/, /shop\.order_items has no foreign keys/, /Yes: every line names an existing order and product/, /## Findings \(\d+\)/] },
];

const PRELUDE = String.raw`
__base=$(compgen -v | sort)
[ -f "$README_STATE" ] && source "$README_STATE"
steward() { node "$README_MAIN" "$@"; }
npx() { if [ "$1" = steward ]; then shift; steward "$@"; else echo "readme test: npx $1 is not available here (mark the block skip)" >&2; return 127; fi; }
curl() { command curl --fail-with-body "$@"; }
__save() {
  local __rc=$? __v
  for __v in $(comm -13 <(echo "$__base") <(compgen -v | sort)); do
    case $__v in __*|BASH*|PIPESTATUS|FUNCNAME|_|COLUMNS|LINES) ;; *) declare -p "$__v" 2>/dev/null | sed 's/^declare -[-a-zA-Z]* /declare -g /' ;; esac
  done > "$README_STATE"
  return $__rc
}
trap __save EXIT
set -eo pipefail
`;

describe('README.md runs as written', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  let cwd: string;
  let sandbox: ChildProcess | undefined;
  let out = '';
  let port = 0;

  beforeAll(async () => {
    if (!existsSync(MAIN) || !existsSync(join(ROOT, 'dist/test/sisense-sim/sisense-sim.js'))) throw new Error('dist is not built: run npm run build');
    cwd = mkdtempSync(join(tmpdir(), 'steward-readme-'));
    port = await freePort();
    // Its output goes to a file, not a pipe: the blocks run synchronously (spawnSync), and a full pipe would stall it.
    const log = join(cwd, 'sandbox.log');
    const fd = openSync(log, 'w');
    sandbox = spawn(process.execPath, [MAIN, 'sandbox', '--dir', '.steward/sandbox', '--port', String(port)], { cwd, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const until = Date.now() + 120_000;
    while (!(out = readFileSync(log, 'utf8')).includes('Ctrl-C stops')) {
      if (sandbox.exitCode !== null) throw new Error(`the sandbox exited ${sandbox.exitCode}: ${out}`);
      if (Date.now() > until) throw new Error(`the sandbox did not start in 120 s: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // `npm start`'s local admin token, which "Talking to it" reads: the sandbox's admin stands in.
    copyFileSync(join(cwd, '.steward/sandbox/admin.token'), join(cwd, '.steward/admin.token'));
  }, 150_000);

  afterAll(async () => {
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((r) => sandbox!.once('exit', r));
      sandbox.kill('SIGINT');
      await exited;
    }
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  /** One block in bash as the README test runs it (the shell state of earlier blocks from `state`; no saved CLI context of the user's). */
  const runBlock = (code: string, state: string) =>
    spawnSync('bash', ['-c', `${PRELUDE}\n${code.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)}\n`], {
      cwd,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, README_MAIN: MAIN, README_STATE: state, NO_COLOR: '1', STEWARD_CONTEXT_FILE: join(cwd, 'contexts.yaml') },
    });

  it('fails the examples the README had before: unknown playbooks and environments, an HTTP error, a placeholder', () => {
    const state = join(cwd, '.broken-state.sh');
    for (const code of [
      'steward run demo-write -e target=lab -i key=k --follow --server http://127.0.0.1:8080 --token-file .steward/sandbox/operator.token',
      'npx steward run migrate-dashboards -e source=sandbox-source -e target=sandbox-target --dry-run --server http://127.0.0.1:8080 --token-file .steward/sandbox/operator.token',
      'curl -s http://127.0.0.1:8080/version\necho after',
      'curl -s -H "Authorization: Bearer $(cat .steward/sandbox/operator.token)" http://127.0.0.1:8080/runs/<id>/events',
    ]) {
      const res = runBlock(code, state);
      expect({ code, status: res.status === 0 ? 0 : 'failed' }).toEqual({ code, status: 'failed' });
    }
    // ...and the same machinery passes a working one, carrying variables to the next block.
    expect(runBlock('X=$(cat .steward/sandbox/operator.token); curl -s -H "Authorization: Bearer $X" http://127.0.0.1:8080/whoami', state)).toMatchObject({ status: 0, stdout: expect.stringContaining('operator') });
    expect(runBlock('[ -n "$X" ] && echo carried', state)).toMatchObject({ status: 0, stdout: 'carried\n' });
  }, 300_000);

  it('marks every block it cannot run with a reason', () => {
    const blocks = shellBlocks(readme);
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks.filter((x) => x.skip !== undefined)) expect(b.skip!.length).toBeGreaterThan(5);
  });

  it('rejects a skip without a reason, and one not right before a shell block', () => {
    expect(() => shellBlocks('<!-- readme-test: skip -->\n```sh\nls\n```\n')).toThrow(/with a reason/);
    expect(() => shellBlocks('<!-- readme-test: skip () -->\n```sh\nls\n```\n')).toThrow(/with a reason/);
    expect(() => shellBlocks('<!-- readme-test: skip (x y z) -->\ntext\n```sh\nls\n```\n')).toThrow(/right before/);
    expect(() => shellBlocks('<!-- readme-test: skip (a yaml block) -->\n```yaml\na: 1\n```\n')).toThrow(/not a shell block/);
    expect(shellBlocks('<!-- readme-test: skip (needs the claude CLI) -->\n\n```sh\nclaude mcp add\n```\n```bash\nls\n```\n')).toEqual([
      { line: 3, lang: 'sh', code: 'claude mcp add', skip: 'needs the claude CLI' },
      { line: 6, lang: 'bash', code: 'ls' },
    ]);
  });

  it('runs every shell block against the sandbox: exit 0 and the output it promises, and the target is migrated', () => {
    const state = join(cwd, '.readme-state.sh');
    const failures: string[] = [];
    let ran = 0;
    for (const block of shellBlocks(readme)) {
      if (block.skip !== undefined) continue;
      const res = runBlock(block.code, state);
      ran++;
      const output = `${res.stdout}${res.stderr}`;
      const where = `README.md:${block.line} (exit ${res.status ?? res.signal}):\n${block.code}\n--- output ---\n${output.slice(-4000)}`;
      if (res.status !== 0) {
        failures.push(where);
        continue;
      }
      for (const e of EXPECT.filter((x) => x.code.test(block.code))) {
        for (const o of e.output) if (!o.test(output)) failures.push(`${where}\n--- expected to see ${o}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(6);

    // The quickstart's migration reached the target deployment.
    const target = /sandbox-target\s+(http:\/\/\S+)/.exec(out)?.[1];
    const token = readFileSync(join(cwd, '.steward/sandbox/sandbox-target.sisense-token'), 'utf8').trim();
    const dashboards = spawnSync('curl', ['-s', '--fail-with-body', '-H', `Authorization: Bearer ${token}`, `${target}/api/v1/dashboards/admin?dashboardType=owner`], { encoding: 'utf8' });
    expect(dashboards.status).toBe(0);
    expect((JSON.parse(dashboards.stdout) as { title: string }[]).map((d) => d.title)).toEqual(expect.arrayContaining(['Sales Deep Dive', '_drill Order Detail']));
  }, 900_000);

  it('writes the sandbox tokens with mode 0600, and steward.yaml holds none of them', () => {
    const yaml = readFileSync(join(cwd, '.steward/sandbox/steward.yaml'), 'utf8');
    for (const name of ['operator.token', 'approver.token', 'admin.token', 'sandbox-source.sisense-token', 'sandbox-target.sisense-token']) {
      const file = join(cwd, '.steward/sandbox', name);
      expect({ name, mode: (statSync(file).mode & 0o777).toString(8) }).toEqual({ name, mode: '600' });
      expect(yaml).not.toContain(readFileSync(file, 'utf8').trim());
    }
  });

  it('stops everything on Ctrl-C: exit 0, the daemon, both simulated deployments, the demo database and the demo model closed', async () => {
    const model = /model\s+steward-demo at (http:\/\/\S+)/.exec(out);
    expect(model).not.toBeNull();
    const urls = [`http://127.0.0.1:${port}/health`, ...[...out.matchAll(/sandbox-(?:source|target)\s+(http:\/\/\S+)/g)].map((m) => m[1]), `${model![1]}/models`];
    expect(urls).toHaveLength(4);
    expect((await fetch(urls[3]!)).status).toBe(200);
    const db = /sandbox-db\s+postgres:\/\/\S+@127\.0\.0\.1:(\d+)\//.exec(out);
    expect(db).not.toBeNull();
    const dbOpen = () => new Promise<boolean>((r) => connect(Number(db![1]), '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    expect(await dbOpen()).toBe(true);
    const exited = new Promise<number | null>((r) => sandbox!.once('exit', (c) => r(c)));
    sandbox!.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const url of urls) await expect(fetch(url)).rejects.toThrow();
    expect(await dbOpen()).toBe(false);
  }, 120_000);
});

describe('steward.example.yaml', () => {
  const example = join(ROOT, 'steward.example.yaml');
  const check = (file: string, env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [MAIN, 'config', 'check', '--config', file], { encoding: 'utf8', env, timeout: 120_000 });
  // The ${env:} references of the file (comments mention the syntax too: the unset ones config check names are the real ones).
  const referenced = new Set([...readFileSync(example, 'utf8').matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !referenced.has(k)));
  let dummies: Record<string, string> = {};

  it('names every unset ${env:} variable at once (exit 2), and passes config check with dummy values for them', () => {
    const unset = check(example, base);
    const names = [...(unset.stdout + unset.stderr).matchAll(/environment variable (\w+) is not set/g)].map((m) => m[1]);
    expect({ status: unset.status, names: names.length > 0 }).toEqual({ status: 2, names: true });
    dummies = Object.fromEntries(names.map((n) => [n, /URL$/.test(n) ? `https://hooks.example.com/${n.toLowerCase()}` : `dummy-${n.toLowerCase()}-value-0123456789`]));
    const res = check(example, { ...base, ...dummies });
    expect({ status: res.status, out: res.stdout + res.stderr }).toEqual({ status: 0, out: expect.stringMatching(/OK/i) });
  }, 150_000);

  it('fails config check on an environment kind no plugin serves, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-example-'));
    try {
      const bad = join(dir, 'steward.yaml');
      writeFileSync(bad, readFileSync(example, 'utf8').replace(/^environments:\n/m, 'environments:\n  nowhere:\n    kind: no-such-kind\n    url: https://nowhere.example.com\n'));
      const kind = check(bad, { ...base, ...dummies });
      expect({ status: kind.status, out: kind.stdout + kind.stderr }).toEqual({ status: 2, out: expect.stringMatching(/no-such-kind/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
