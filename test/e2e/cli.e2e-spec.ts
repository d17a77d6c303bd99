import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { configYaml, TOKENS } from '../helpers/daemon.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function fakeIo(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Map<string, () => void>();
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd, onSignal: (s, h) => handlers.set(s, h) };
  return { io, out, err, handlers, text: () => out.join(''), errText: () => err.join('') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'steward-cli-'));

describe('steward CLI (in-process)', () => {
  it('config check: 0 and a summary for a valid file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'steward.yaml'), configYaml('environments:\n  prod: { kind: sisense, url: "https://bi.example.com" }\n'));
    const f = fakeIo(dir);
    expect(await runCli(['node', 'steward', 'config', 'check'], f.io)).toBe(0);
    expect(f.text()).toBe(`config OK: ${join(dir, 'steward.yaml')}\n  server 127.0.0.1:8080, store pglite .steward/data, 4 token(s), 1 environment(s)\n`);
  });

  it('config check: 2 with every error for an invalid file given by --config', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), 'server:\n  port: x\nnope: 1\n');
    const f = fakeIo(dir);
    expect(await runCli(['node', 'steward', 'config', 'check', '--config', 'bad.yaml'], f.io)).toBe(2);
    expect(f.errText()).toBe(
      `steward: invalid configuration (${join(dir, 'bad.yaml')}), 2 errors:\n` +
        '  2:9: server.port: must be an integer\n' +
        '  3:1: nope: unknown key (allowed: server, store, auth, logging, environments, llm, plugins, approvals, playbooks, runs, schedules, notifications, console)\n',
    );
  });

  it('config check: STEWARD_CONFIG names the file; a missing one exits 2', async () => {
    const f = fakeIo(tmp(), { STEWARD_CONFIG: '/nonexistent/steward.yaml' });
    expect(await runCli(['node', 'steward', 'config', 'check'], f.io)).toBe(2);
    expect(f.errText()).toContain('config file /nonexistent/steward.yaml does not exist');
  });

  it('config check: a missing ${env:} variable exits 2 naming it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'steward.yaml'), 'environments:\n  prod: { kind: sisense, token: "${env:SISENSE_TOKEN}" }\n');
    const f = fakeIo(dir);
    expect(await runCli(['node', 'steward', 'config', 'check'], f.io)).toBe(2);
    expect(f.errText()).toContain('2:33: environments.prod.token: environment variable SISENSE_TOKEN is not set');
  });

  it('--help exits 0; unknown commands and options exit 2', async () => {
    const f = fakeIo(tmp());
    expect(await runCli(['node', 'steward', 'serve', '--help'], f.io)).toBe(0);
    expect(f.text()).toContain('--port <port>');
    expect(await runCli(['node', 'steward', 'config', 'check', '--help'], f.io)).toBe(0);
    expect(await runCli(['node', 'steward', 'frobnicate'], f.io)).toBe(2);
    expect(await runCli(['node', 'steward', 'serve', '--port', 'abc'], f.io)).toBe(2);
    expect(f.errText()).toContain("option '-p, --port <port>' argument 'abc' is invalid. must be a whole number from 0 to 65535");
  });

  it('serve: runs until SIGTERM, then shuts down cleanly with 0', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'steward.yaml'), configYaml().replace('level: debug', 'level: silent'));
    const f = fakeIo(dir);
    const done = runCli(['node', 'steward', 'serve', '--port', '0'], f.io);
    for (let i = 0; i < 100 && !f.handlers.has('SIGTERM'); i++) await new Promise((r) => setTimeout(r, 50));
    f.handlers.get('SIGTERM')!();
    expect(await done).toBe(0);
  });

  it('serve: a store that cannot be opened exits 1 with the reason', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    writeFileSync(join(dir, 'steward.yaml'), configYaml('store: { path: file/data }\n').replace('level: debug', 'level: silent'));
    const f = fakeIo(dir);
    expect(await runCli(['node', 'steward', 'serve', '--port', '0'], f.io)).toBe(1);
    expect(f.errText()).toContain(`steward: store.path ${join(dir, 'file/data')} is not writable`);
  });
});

describe('steward binary (dist/src/main.js, the package bin)', () => {
  it('serves /health within 5 s on the embedded defaults and exits 0 on SIGTERM', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'steward.yaml'), `server: { port: 0 }\nlogging: { format: json }\nauth: { tokens: [ { name: a, token: ${TOKENS.admin}, role: admin } ] }\n`);
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), 'serve'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /"url":"(http:[^"]+)"/.exec(out);
        if (m) {
          clearInterval(t);
          resolve(m[1]);
        } else if (Date.now() - started > 20000) {
          clearInterval(t);
          reject(new Error(`daemon did not start: ${out}`));
        }
      }, 25);
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('"msg":"stopped"');
    expect(readFileSync(join(dir, 'steward.yaml'), 'utf8')).toContain('port: 0');
  });
});
