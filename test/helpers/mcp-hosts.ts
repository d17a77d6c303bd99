import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { packageRoot } from '../../src/common/paths.js';
import { TOKENS } from './daemon.js';

/**
 * Real MCP hosts from npm, as the e2e tests drive them: mcp-remote (the stdio bridge Claude Desktop uses), the MCP
 * Inspector CLI, and the console's decision on an approval such a host was told about.
 */
export const MCP_REMOTE_BIN = join(packageRoot(), 'node_modules/mcp-remote/dist/proxy.js');
export const INSPECTOR_CLI_BIN = join(packageRoot(), 'node_modules/@modelcontextprotocol/inspector-cli/build/cli.js');

/** What an APPROVAL_PENDING text result names: the approval and the console page to decide it on. */
export interface PendingApproval {
  id: string;
  consoleUrl?: string;
}

/** Reads the approval id (and console URL, when the daemon has a publicUrl) out of an APPROVAL_PENDING text, as a person or a model would. */
export function pendingIn(text: string): PendingApproval | undefined {
  if (!/APPROVAL_PENDING: /.test(text)) return undefined;
  const id = /Approval (apr_[A-Za-z0-9_-]+) is waiting/.exec(text)?.[1];
  if (!id) return undefined;
  const consoleUrl = /approve it at (\S+\/console\/approvals\/apr_[A-Za-z0-9_-]+)/.exec(text)?.[1];
  return { id, ...(consoleUrl && { consoleUrl }) };
}

/**
 * A person deciding in the web console: signs in with their token (POST /console/session → HttpOnly cookie and
 * csrfToken) and posts the decision the approval page posts, with the cookie and X-Steward-CSRF. Returns the
 * approval as the API answers it.
 */
export async function decideInConsole(
  baseUrl: string,
  who: keyof typeof TOKENS,
  approvalId: string,
  decision: 'approve' | 'reject',
  comment?: string,
): Promise<Record<string, unknown>> {
  const session = await request(baseUrl).post('/console/session').send({ token: TOKENS[who] }).expect(201);
  const cookie = String(session.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const decided = await request(baseUrl)
    .post(`/approvals/${approvalId}`)
    .set('Cookie', cookie)
    .set('X-Steward-CSRF', String(session.body.csrfToken))
    .send({ decision, ...(comment && { comment }) })
    .expect(200);
  await request(baseUrl).delete('/console/session').set('Cookie', cookie).set('X-Steward-CSRF', String(session.body.csrfToken));
  return decided.body as Record<string, unknown>;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host's CLI to its end (stdin closed), bounded: past `timeoutMs` its process group is killed and the result
 * says so (signal SIGKILL), so a hanging host fails its test instead of leaking.
 */
export function runToEnd(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => killGroup(child.pid), opts.timeoutMs ?? 45_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kills a process group started with `detached: true` (the host and anything it spawned); gone already is fine. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Whether a process id is still alive (signal 0 probes without killing). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the MCP Inspector CLI (`mcp-inspector-cli --cli <url> …`) with a bearer header and returns the JSON it prints.
 * Its cwd is test/: inspector-cli 1.0.3 reads its own package.json through a path it checks relative to the cwd
 * (`../package.json`) but imports relative to itself, so it only starts where `../package.json` exists — as in any
 * project directory one level down, which is how people run it with npx.
 */
export async function inspector(mcpUrl: string, token: string, args: string[]): Promise<unknown> {
  const r = await runToEnd(process.execPath, [INSPECTOR_CLI_BIN, '--cli', mcpUrl, '--transport', 'http', '--header', `Authorization: Bearer ${token}`, ...args], {
    cwd: join(packageRoot(), 'test'),
  });
  if (r.code !== 0) throw new Error(`inspector-cli ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr}${r.stdout}`);
  const start = r.stdout.indexOf('{');
  try {
    return JSON.parse(r.stdout.slice(start));
  } catch {
    throw new Error(`inspector-cli ${args.join(' ')} printed no JSON: ${r.stdout}`);
  }
}
