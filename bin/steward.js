#!/usr/bin/env node
// The `steward` command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('steward: dist/ is missing; run `npm run build` (npm install runs it for you)\n');
  process.exit(1);
}
await import(entry.href);
