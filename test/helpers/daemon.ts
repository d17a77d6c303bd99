import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fromText } from '../../src/config/config.loader.js';
import type { LoadedConfig } from '../../src/config/config.types.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';

export const TOKENS = {
  viewer: 'viewer-token-aaaaaaaaaaaaaaaa',
  operator: 'operator-token-bbbbbbbbbbbbbbbb',
  approver: 'approver-token-cccccccccccccccc',
  admin: 'admin-token-dddddddddddddddd',
} as const;

export const bearer = (role: keyof typeof TOKENS) => `Bearer ${TOKENS[role]}`;

/** A steward.yaml granting one token per role (names = role names), plus whatever `extra` adds. */
export function configYaml(extra = ''): string {
  const tokens = Object.entries(TOKENS)
    .map(([role, token]) => `    - { name: ${role}, token: ${token}, role: ${role} }`)
    .join('\n');
  return `logging: { level: debug, format: json }\nauth:\n  tokens:\n${tokens}\n${extra}`;
}

/** Collects every log line the daemon writes. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export interface TestDaemon extends Daemon {
  dir: string;
  logs: LogCapture;
  loaded: LoadedConfig;
}

/** Loads YAML through the real config pipeline, in a fresh directory (its own embedded store), and starts the daemon on a free port. */
export async function startTestDaemon(
  yaml = configYaml(),
  opts: { dir?: string; env?: Record<string, string> } = {},
): Promise<TestDaemon> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'steward-e2e-'));
  writeFileSync(join(dir, 'steward.yaml'), yaml);
  const loaded = fromText(join(dir, 'steward.yaml'), yaml, dir, opts.env ?? {});
  const logs = new LogCapture();
  const daemon = await startDaemon({ loaded, port: 0, host: '127.0.0.1', logDestination: logs });
  return Object.assign(daemon, { dir, logs, loaded });
}
