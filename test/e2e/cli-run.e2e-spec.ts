import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DEMO = join(ROOT, 'test/fixtures/playbooks-demo');
const PLAYBOOK_FIXTURES = join(ROOT, 'test/fixtures/playbooks');
const ME = `cli:${userInfo().username}`;

function fakeIo(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Map<string, () => void>();
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd, onSignal: (s, h) => handlers.set(s, h) };
  return { io, handlers, text: () => out.join(''), errText: () => err.join('') };
}

/** A directory with a steward.yaml using the demo playbooks and one demo environment (its own embedded store). */
function project(environments = '  lab: { kind: demo }\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-cli-run-'));
  writeFileSync(join(dir, 'steward.yaml'), `playbooks: { dirs: [${DEMO}] }\nenvironments:\n${environments}`);
  return dir;
}

const cli = (args: string[], f: ReturnType<typeof fakeIo>) => runCli(['node', 'steward', ...args], f.io);

async function until(what: string, check: () => boolean, timeoutMs = 15000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const LINE = /^\d\d:\d\d:\d\d\.\d{3} {2}\S+ +\S/;

beforeAll(async () => {
  // The in-process commands load the daemon lazily; compile it once here rather than inside the first test's time
  // (one after the other: jest's ESM loader trips over concurrent dynamic imports of a shared graph).
  await import('../../src/cli/commands/run.local.js');
  await import('../../src/cli/commands/approvals.local.js');
  await import('../../src/cli/commands/validate.js');
}, 120_000);

describe('steward run (in-process, embedded store)', () => {
  it('runs demo-read, prints one line per event with --follow, exits 0 with the outputs', async () => {
    const f = fakeIo(project());
    expect(await cli(['run', 'demo-read', '--env', 'target=lab', '--input', 'greeting=hi', '--follow'], f)).toBe(0);
    const lines = f.text().trimEnd().split('\n');
    const events = lines.filter((l) => LINE.test(l));
    expect(events[0]).toMatch(new RegExp(`run +queued run_[0-9a-z]+: demo-read by ${ME}$`));
    for (const step of ['echo', 'shout', 'noop', 'list']) {
      expect(events).toContainEqual(expect.stringMatching(new RegExp(`^\\S+  ${step} +started demo\\.`)));
      expect(events).toContainEqual(expect.stringMatching(new RegExp(`^\\S+  ${step} +succeeded \\(\\d+ ms\\)$`)));
    }
    // greeting=hi: the check step reports a finding (it expects HELLO)
    expect(events).toContainEqual(expect.stringMatching(/check +finding warning demo-read\/shouted \[greeting\]: expected HELLO, got HI$/));
    expect(events.at(-1)).toMatch(/run +succeeded$/);
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^run run_[0-9a-z]+ succeeded$/), 'outputs: {"notes":0,"shout":"HI"}']);
  });

  it('without --follow prints only the outcome', async () => {
    const f = fakeIo(project());
    expect(await cli(['run', 'demo-foreach', '-e', 'target=lab', '-i', 'names=["ann","bob"]'], f)).toBe(0);
    expect(f.text()).toMatch(/^run run_[0-9a-z]+ succeeded\noutputs: \{"said":\["hi ann","hi bob"\]\}\n$/);
  });

  it('bad input exits 2 with the message', async () => {
    const dir = project();
    let f = fakeIo(dir);
    expect(await cli(['run', 'demo-write', '--env', 'target=lab', '--input', 'key=5'], f)).toBe(2);
    expect(f.errText()).toMatch(/^steward: inputs for demo-write are invalid: inputs\.key: must be a string$/m);

    f = fakeIo(dir);
    expect(await cli(['run', 'demo-read', '--input', 'greeting'], f)).toBe(2);
    expect(f.errText()).toContain("option '-i, --input <key=value>' argument 'greeting' is invalid. expected key=value");

    f = fakeIo(dir);
    expect(await cli(['run', 'demo-read'], f)).toBe(2);
    expect(f.errText()).toContain('steward: environments.target: role "target" needs an environment of kind demo\n  --env target=<lab>\n');

    f = fakeIo(dir);
    expect(await cli(['run', 'no-such-playbook', '-e', 'target=lab'], f)).toBe(2);
    expect(f.errText()).toMatch(/^steward: no playbook "no-such-playbook"\n {2}playbooks: .*demo-read/m);

    f = fakeIo(dir);
    writeFileSync(join(dir, 'inputs.yaml'), '- not a mapping\n');
    expect(await cli(['run', 'demo-read', '-e', 'target=lab', '--inputs-file', 'inputs.yaml'], f)).toBe(2);
    expect(f.errText()).toBe('steward: --inputs-file inputs.yaml: must hold a mapping of input names to values\n');
  });

  it('--inputs-file gives inputs; --input overrides them; --dry-run plans the write', async () => {
    const dir = project();
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ key: 'from-file', text: 'file text' }));
    const f = fakeIo(dir);
    expect(await cli(['run', 'demo-write', '-e', 'target=lab', '--inputs-file', 'inputs.json', '-i', 'key=override', '--dry-run', '--follow'], f)).toBe(0);
    expect(f.text()).toMatch(/write +plan demo\.notes\.write: would_change\n {14}\+ create note override\n {14}Plan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing\.\n/);
    expect(f.text()).not.toContain('\u001b[');
    expect(f.text()).toMatch(/^run run_[0-9a-z]+ succeeded$/m);
  });

  it('a run that needs an approval exits 1, left awaiting_approval, saying how to decide; an in-process approval continues it', async () => {
    const dir = project('  lab: { kind: demo, policy: { allowSelfApproval: true } }\n');
    const f = fakeIo(dir);
    expect(await cli(['run', 'demo-write', '-e', 'target=lab', '-i', 'key=cli-note', '--follow'], f)).toBe(1);
    const id = /waiting for approval (apr_[0-9a-z]+)/.exec(f.text())?.[1];
    expect(id).toBeDefined();
    expect(f.text()).toMatch(/^run run_[0-9a-z]+ awaiting_approval: step write waits for approval apr_/m);
    expect(f.errText()).toContain(`steward approve ${id} --server http://127.0.0.1:8080 --token-file <file>`);
    expect(f.errText()).toContain('it stays awaiting_approval in the store');

    const list = fakeIo(dir);
    expect(await cli(['approvals', '--pending'], list)).toBe(0);
    expect(list.text()).toMatch(new RegExp(`^${id} +pending +run_[0-9a-z]+/write +demo\\.notes\\.write \\(write\\) on target=lab +${ME} +0/1 `, 'm'));
    // Under the table, the plan of each pending approval: what approving it would do.
    expect(list.text()).toContain(`\nplan of ${id} (demo.notes.write (write) on target=lab, step write):\n  + create note cli-note\n  Plan: 1 to create, 0 to update, 0 to delete, 0 skipped, 0 failing.\n`);
    const listJson = fakeIo(dir);
    expect(await cli(['approvals', '--pending', '--json'], listJson)).toBe(0);
    expect(JSON.parse(listJson.text()).approvals[0].planView).toMatchObject({ items: [{ symbol: '+', action: 'create', target: 'note cli-note' }], totals: { create: 1, update: 0, delete: 0, skip: 0, fail: 0 } });

    const approve = fakeIo(dir);
    expect(await cli(['approve', id!, '--comment', 'fine'], approve)).toBe(0);
    expect(approve.text()).toContain(`approval ${id} approved (approve by ${ME})\nplan of ${id} (demo.notes.write (write) on target=lab, step write):\n  + create note cli-note\n`);
    expect(approve.text()).toMatch(/write +succeeded/);
    expect(approve.text()).toMatch(/^run run_[0-9a-z]+ succeeded\noutputs: \{"count":1,"revision":1\}$/m);

    const again = fakeIo(dir);
    expect(await cli(['reject', id!], again)).toBe(1);
    expect(again.errText()).toContain(`steward: approval ${id} is consumed; only pending approvals can be decided\n`);
    const missing = fakeIo(dir);
    expect(await cli(['approve', 'apr_nothere'], missing)).toBe(2);
  });

  it('the requester cannot approve their own run in-process under the default policy', async () => {
    const dir = project();
    const f = fakeIo(dir);
    expect(await cli(['run', 'demo-write', '-e', 'target=lab', '-i', 'key=k'], f)).toBe(1);
    const id = /(apr_[0-9a-z]+)/.exec(f.errText())![1];
    const self = fakeIo(dir);
    expect(await cli(['approve', id], self)).toBe(1);
    expect(self.errText()).toContain(`steward: "${ME}" requested this action and cannot approve it (the policy does not allow self-approval)\n`);
  });
});

describe('steward run --server (a real daemon over HTTP and SSE)', () => {
  let d: TestDaemon;
  let proxy: Awaited<ReturnType<typeof droppingProxy>>;
  beforeAll(async () => {
    d = await startTestDaemon(configYaml(`environments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${DEMO}]\n`));
    proxy = await droppingProxy(d.port);
  });
  afterAll(async () => {
    proxy?.close();
    await d?.close();
  });

  it('follows demo-write to its approval; `steward approve --server` releases it; the follow exits 0', async () => {
    const follow = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.operator });
    const done = cli(['run', 'demo-write', '--server', d.url, '-e', 'target=lab', '-i', 'key=remote-note', '--follow'], follow);
    await until('the approval', () => /waiting for approval apr_/.test(follow.text()));
    const id = /waiting for approval (apr_[0-9a-z]+)/.exec(follow.text())![1];
    expect(follow.text()).toContain(`decide: steward approve ${id} --server ${d.url}`);

    const list = fakeIo(tmpdir());
    expect(await cli(['approvals', '--pending', '--server', d.url, '--token', TOKENS.viewer, '--json'], list)).toBe(0);
    expect(JSON.parse(list.text()).approvals).toContainEqual(expect.objectContaining({ id, status: 'pending', requestedBy: 'operator', tool: 'demo.notes.write' }));

    const approve = fakeIo(tmpdir());
    expect(await cli(['approve', id, '--server', d.url, '--token', TOKENS.approver, '--comment', 'ok'], approve)).toBe(0);
    expect(approve.text()).toMatch(new RegExp(`^approval ${id} approved \\(approve by approver\\)\\nplan of ${id} \\(demo\\.notes\\.write \\(write\\) on target=lab, step write\\):\\n  \\+ create note remote-note\\n  Plan: 1 to create, .*\\nrun run_[0-9a-z]+ continues on the server`));

    expect(await done).toBe(0);
    expect(follow.text()).toMatch(/write +approval apr_[0-9a-z]+: approve by approver -> approved "ok"/);
    expect(follow.text()).toMatch(/^run run_[0-9a-z]+ succeeded\noutputs: \{"count":1,"revision":1\}\n$/m);
    expect(follow.errText()).toBe('');
  });

  it('reconnects with Last-Event-ID when the event stream drops: every event once, in order', async () => {
    const f = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.operator });
    proxy.dropNextStream();
    const code = await cli(['run', 'demo-gate', '--server', proxy.url, '-e', 'target=lab', '-i', 'steps=2', '--follow'], f);
    // demo-gate waits at its approval step, the stream is cut there; approve behind the proxy's back
    expect(code).toBe(0);
    expect(f.errText()).toMatch(/event stream interrupted .*reconnecting in \d+ ms after event \d+/);
    const events = f.text().split('\n').filter((l) => LINE.test(l));
    expect(new Set(events).size).toBe(events.length);
    const order = ['run +queued', 'confirm +waiting for approval', 'confirm +approval apr_[0-9a-z]+: approve by approver', 'slow +succeeded', 'run +succeeded$'];
    const at = order.map((re) => events.findIndex((l) => new RegExp(`^\\S+  ${re}`).test(l)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('a refused request exits 2 (bad input) or 1 (not allowed); a missing token is invalid input', async () => {
    let f = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.operator });
    expect(await cli(['run', 'demo-write', '--server', d.url, '-e', 'target=lab'], f)).toBe(2);
    expect(f.errText()).toBe('steward: inputs for demo-write are invalid: inputs.key: is required (RUN_INVALID 400)\n');
    f = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.viewer });
    expect(await cli(['run', 'demo-read', '--server', d.url, '-e', 'target=lab'], f)).toBe(1);
    expect(f.errText()).toMatch(/\(AUTH_FORBIDDEN 403\)\n$/);
    f = fakeIo(tmpdir());
    expect(await cli(['run', 'demo-read', '--server', d.url], f)).toBe(2);
    expect(f.errText()).toContain('needs a bearer token');
    expect(f.errText()).not.toContain(TOKENS.operator);
    f = fakeIo(tmpdir(), { STEWARD_TOKEN: TOKENS.operator });
    expect(await cli(['run', 'demo-read', '--server', d.url, '-e', 'target=lab'], f)).toBe(0);
    expect(f.text()).toMatch(/^run run_[0-9a-z]+ queued\n {2}follow it: steward follow run_[0-9a-z]+ --server /);
  });
});

describe('steward validate', () => {
  it('prints file:line:col: message for each problem and exits 2', async () => {
    const f = fakeIo(PLAYBOOK_FIXTURES);
    expect(await cli(['validate', 'bad/unknown-tool.yaml', 'bad/yaml-syntax.yaml', 'bad/duplicate-ids.yaml'], f)).toBe(2);
    const lines = f.text().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^bad\/[a-z-]+\.yaml:\d+:\d+: \S/);
    expect(lines).toContain('bad/unknown-tool.yaml:9:11: steps[0].tool: unknown tool "sisense.dashboards.list"');
    expect(f.errText()).toMatch(/^\d+ errors in 3 files\n$/);
  });

  it('defaults to ./playbooks and playbooks.dirs of steward.yaml; valid playbooks exit 0', async () => {
    const f = fakeIo(project());
    expect(await cli(['validate'], f)).toBe(0);
    expect(f.text()).toMatch(/^\d+ playbooks OK\n$/);
  });
});

describe('--help', () => {
  it.each(['run', 'follow', 'approvals', 'approve', 'reject', 'validate'])('%s --help exits 0 and states the exit codes', async (command) => {
    const f = fakeIo(tmpdir());
    expect(await cli([command, '--help'], f)).toBe(0);
    expect(f.text()).toContain(`Usage: steward ${command}`);
    expect(f.text()).toMatch(/Exit codes: 0 /);
  });
});

/**
 * A TCP proxy to the daemon that, when told, cuts the next event stream (GET .../events) shortly after it opened,
 * and approves whatever the run was waiting for while the client is disconnected: the client must come back with
 * Last-Event-ID and miss nothing.
 */
async function droppingProxy(targetPort: number) {
  let dropNext = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sniffed = false;
    client.on('data', (chunk) => {
      if (!sniffed) {
        sniffed = true;
        const head = chunk.toString('latin1');
        if (dropNext && /^GET \/runs\/run_[0-9a-z]+\/events /.test(head)) {
          dropNext = false;
          const runId = /\/runs\/(run_[0-9a-z]+)\/events/.exec(head)![1];
          void cutAfterApprovalRequested(client, upstream, runId);
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;

  async function cutAfterApprovalRequested(client: net.Socket, upstream: net.Socket, runId: string) {
    let seen = '';
    upstream.on('data', (c: Buffer) => (seen += c.toString('utf8')));
    await until('approval.requested on the stream', () => seen.includes('event: approval.requested'));
    client.destroy();
    upstream.destroy();
    const res = await fetch(`http://127.0.0.1:${targetPort}/approvals?runId=${runId}&status=pending`, { headers: { Authorization: `Bearer ${TOKENS.viewer}` } });
    const { approvals } = (await res.json()) as { approvals: { id: string }[] };
    await fetch(`http://127.0.0.1:${targetPort}/approvals/${approvals[0].id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.approver}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    dropNextStream: () => (dropNext = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
