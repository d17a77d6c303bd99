import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { packageRoot } from '../common/paths.js';
import { fromText } from '../config/config.loader.js';

/** The committed document: what the daemon serves at /openapi.json, for reviews and client generators. */
export const defaultOpenApiFile = (): string => join(packageRoot(), 'schemas', 'openapi.json');

/**
 * The document a daemon serves, from a daemon started for the purpose on loopback in a scratch directory (its own
 * embedded store, one viewer token made up for the call): the document depends on the routes, not on a configuration.
 */
export async function renderOpenApi(): Promise<string> {
  const { startDaemon } = await import('../daemon.js');
  const dir = mkdtempSync(join(tmpdir(), 'steward-openapi-'));
  const token = randomBytes(24).toString('hex');
  const yaml = `logging: { level: error }\nauth:\n  tokens:\n    - { name: openapi, token: ${token}, role: viewer }\n`;
  writeFileSync(join(dir, 'steward.yaml'), yaml);
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const daemon = await startDaemon({ loaded: fromText(join(dir, 'steward.yaml'), yaml, dir, {}), port: 0, host: '127.0.0.1', logDestination: quiet });
  try {
    const res = await fetch(`${daemon.url}/openapi.json`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return `${JSON.stringify(await res.json(), null, 2)}\n`;
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OpenApiCommandResult {
  ok: boolean;
  message: string;
}

const display = (file: string) => relative(process.cwd(), file) || file;

/** `steward openapi build`: writes the document. */
export async function buildOpenApiFile(file = defaultOpenApiFile()): Promise<OpenApiCommandResult> {
  const text = await renderOpenApi();
  const same = existsSync(file) && readFileSync(file, 'utf8') === text;
  if (!same) writeFileSync(file, text);
  return { ok: true, message: same ? `${display(file)} is up to date` : `wrote ${display(file)}` };
}

/** `steward openapi check`: not ok when the committed document differs from what the daemon serves (CI runs this). */
export async function checkOpenApiFile(file = defaultOpenApiFile()): Promise<OpenApiCommandResult> {
  const text = await renderOpenApi();
  if (!existsSync(file)) return { ok: false, message: `${display(file)} is missing. Run \`steward openapi build\` and commit the result.` };
  const current = readFileSync(file, 'utf8');
  if (current === text) return { ok: true, message: `${display(file)} is up to date` };
  const served = JSON.parse(text) as { paths: Record<string, unknown> };
  const committed = JSON.parse(current) as { paths?: Record<string, unknown> };
  const added = Object.keys(served.paths).filter((p) => !committed.paths?.[p]);
  const removed = Object.keys(committed.paths ?? {}).filter((p) => !served.paths[p]);
  const what = [added.length ? `paths added: ${added.join(', ')}` : '', removed.length ? `paths removed: ${removed.join(', ')}` : ''].filter(Boolean).join('; ') || 'operations or schemas changed';
  return { ok: false, message: `${display(file)} is stale (${what}). Run \`steward openapi build\` and commit the result.` };
}
