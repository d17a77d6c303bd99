import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../src/common/paths.js';

/** Real MCP peers for tests: @modelcontextprotocol/server-everything (npm) and test/fixtures/mcp/peer-server.mjs. */
export const EVERYTHING_BIN = join(packageRoot(), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const PEER_SERVER = join(packageRoot(), 'test/fixtures/mcp/peer-server.mjs');

/** `plugins.mcp.settings.servers.<name>` for server-everything over stdio. */
export const everythingStdio = (extra: Record<string, unknown> = {}) => ({ transport: 'stdio', command: process.execPath, args: [EVERYTHING_BIN, 'stdio'], ...extra });

/** The same for the fixture server; `mode`: `mute` never answers, `crash` exits at once. */
export const peerStdio = (extra: Record<string, unknown> = {}, mode?: 'mute' | 'crash') => ({
  transport: 'stdio',
  command: process.execPath,
  args: [PEER_SERVER, ...(mode ? [mode] : [])],
  ...extra,
});

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HttpPeer {
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/** server-everything in Streamable HTTP mode (it reads its port from PORT), by default on a free port; resolves once it listens. */
export async function startEverythingHttp(port?: number): Promise<HttpPeer> {
  port ??= await freePort();
  const child = spawn(process.execPath, [EVERYTHING_BIN, 'streamableHttp'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server-everything (streamableHttp) did not start within 15 s')), 15_000);
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything (streamableHttp) exited with ${code}: ${seen}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
