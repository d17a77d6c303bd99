import { bearer } from './daemon.js';
import { until } from './wait.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface ProcessDaemon {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** The real binary (dist/src/main.js serve) in `dir`, on `port`; resolves once /health answers (a loaded machine may take a while). */
export async function spawnDaemon(dir: string, port: number, timeoutMs = 60000): Promise<ProcessDaemon> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), 'serve', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`daemon did not answer /health: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, child, output: () => out, exited };
}

/** One REST call to a spawned daemon with a role's token; the body parsed as JSON. */
export async function processApi(d: ProcessDaemon, method: string, path: string, role: 'viewer' | 'operator' | 'approver' | 'admin', body?: unknown) {
  const res = await fetch(`${d.url}${path}`, {
    method,
    headers: { Authorization: bearer(role), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The run once it is in one of `states` (waits generously: recovery after a restart on a loaded machine is slow). */
export const runIn = (d: ProcessDaemon, id: string, states: string[], timeoutMs = 60000) =>
  until(
    `run ${id} in ${states}`,
    async () => {
      const r = await processApi(d, 'GET', `/runs/${id}`, 'viewer');
      return states.includes(r.body.state) ? r.body : undefined;
    },
    timeoutMs,
    50,
  );
