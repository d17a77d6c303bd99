/**
 * The real binary (dist/src/main.js) staying up and stopping cleanly: SIGTERM with streams open, a store.path that
 * cannot be created, a lock left behind by a previous container (issue 11 items 15, 16, 17).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bearer, configYaml } from '../helpers/daemon.js';
import { freePort, processApi, runIn, spawnDaemon, type ProcessDaemon } from '../helpers/process-daemon.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DEMO = join(ROOT, 'test/fixtures/playbooks-demo');
const LOCK = '.steward/data/steward.lock';

/** A directory with a steward.yaml; a long shutdownTimeoutMs, so waiting it out would be visible as a failure. */
function workdir(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'steward-shutdown-'));
  writeFileSync(join(dir, 'steward.yaml'), configYaml(`server: { shutdownTimeoutMs: 120000 }\nenvironments:\n  lab: { kind: demo }\nplaybooks:\n  dirs: [${DEMO}]\n${extra}`));
  return dir;
}

/** Runs `steward serve` in `dir` until it exits on its own (a start that fails); its exit code and output. */
async function serveUntilExit(dir: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), 'serve', '--port', String(await freePort())], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, out };
}

/** Opens a streaming GET and resolves once its headers arrived; `ended` resolves when the server ends it. */
async function openStream(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers } });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })().catch(() => true);
  return { ended };
}

describe('the real binary: staying up, stopping cleanly', () => {
  const running: ProcessDaemon[] = [];
  afterEach(() => {
    for (const d of running.splice(0)) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  });

  it('16: SIGTERM with a run SSE stream and an /mcp stream open ends them, exits 0 and releases the store lock', async () => {
    const dir = workdir();
    const d = await spawnDaemon(dir, await freePort());
    running.push(d);
    const started = await processApi(d, 'POST', '/runs', 'operator', { playbook: 'demo-write', environments: { target: 'lab' }, inputs: { key: 'k' } });
    expect(started.status).toBe(202);
    await runIn(d, started.body.id, ['awaiting_approval']);
    const runStream = await openStream(`${d.url}/runs/${started.body.id}/events`, { Authorization: bearer('viewer') });

    const init = await fetch(`${d.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: bearer('viewer'), Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const mcpStream = await openStream(`${d.url}/mcp`, { Authorization: bearer('viewer'), 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-06-18' });
    expect(existsSync(join(dir, LOCK))).toBe(true);

    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(await runStream.ended).toBe(true);
    expect(await mcpStream.ended).toBe(true);
    expect(existsSync(join(dir, LOCK))).toBe(false);
    expect(d.output()).not.toMatch(/shutdown timed out/);
  }, 90_000);

  it('15: a store.path that cannot be created is a clear error and exit 1', async () => {
    const dir = workdir('store: { path: /proc/steward-cannot-exist/data }\n');
    const { code, out } = await serveUntilExit(dir);
    expect(code).toBe(1);
    expect(out).toContain("store.path /proc/steward-cannot-exist/data is not writable: ENOENT: no such file or directory, mkdir '/proc/steward-cannot-exist'");
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('17: a lock naming pid 1 (left by a container that restarted) does not block start; a live daemon\'s lock does', async () => {
    const dir = workdir();
    mkdirSync(join(dir, '.steward/data'), { recursive: true });
    writeFileSync(join(dir, LOCK), '1\n');
    const d = await spawnDaemon(dir, await freePort());
    running.push(d);
    expect(d.output()).toMatch(/replacing a stale store lock/);
    // A second daemon on the same directory is refused while the first lives.
    const second = await serveUntilExit(dir);
    expect(second.code).toBe(1);
    expect(second.out).toContain(`is in use by another Steward process (pid ${d.child.pid})`);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(existsSync(join(dir, LOCK))).toBe(false); // removed before the process exits
  }, 90_000);
});
