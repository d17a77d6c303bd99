import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import { packageRoot } from '../common/paths.js';

/**
 * The console's Content-Security-Policy: its own scripts, styles and API only; no inline code, no framing, no
 * third-party origin (nothing is loaded from a CDN).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers on every console response. */
export function consoleHeaders(res: Response): Response {
  return res.set({ 'Content-Security-Policy': CONSOLE_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface Asset {
  type: string;
  body: Buffer;
}

/**
 * Where the console's static files are: beside the compiled module (dist/src/console/web, copied by `npm run build`)
 * or in the source tree (src/console/web: under jest, or a dist/ built without the copy).
 */
export function webDir(): string {
  const candidates = [join(dirname(fileURLToPath(import.meta.url)), 'web'), join(packageRoot(), 'src', 'console', 'web')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`the console's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Reads the console's files once at start: index.html (the shell for /console and every deep link under it) and the
 * assets by name (a flat directory: nothing outside it can be named, there is no path to traverse).
 */
export function loadAssets(dir = webDir()): { shell: Buffer; assets: Map<string, Asset> } {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || name === 'index.html' || !statSync(join(dir, name)).isFile()) continue;
    assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  return { shell: readFileSync(join(dir, 'index.html')), assets };
}
