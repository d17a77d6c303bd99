import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EXIT } from './exit-codes.js';
import { CliError } from './io.js';

/** `--input key=value`: the value as JSON when it parses (5, true, [1,2], {"a":1}, "quoted"), else the text itself. */
export function inputValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `--inputs-file f.json|f.yaml`: a mapping of input names to values. */
export function readInputsFile(file: string, cwd: string): Record<string, unknown> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(EXIT.INVALID, `--inputs-file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new CliError(EXIT.INVALID, `--inputs-file ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new CliError(EXIT.INVALID, `--inputs-file ${file}: must hold a mapping of input names to values`);
  return value as Record<string, unknown>;
}

/** The file's inputs, then each --input over them (the last one of a key wins). */
export function collectInputs(pairs: readonly [string, string][], file: string | undefined, cwd: string): Record<string, unknown> {
  const inputs: Record<string, unknown> = file ? readInputsFile(file, cwd) : {};
  // defineProperty: a key such as __proto__ is an input name like any other (and is refused as unknown), not a prototype.
  for (const [k, v] of pairs) Object.defineProperty(inputs, k, { value: inputValue(v), enumerable: true, writable: true, configurable: true });
  return inputs;
}

/** `--env role=name` pairs; naming a role twice is a mistake worth stopping for. */
export function collectEnvironments(pairs: readonly [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [role, name] of pairs) {
    if (Object.hasOwn(out, role) && out[role] !== name) throw new CliError(EXIT.INVALID, `--env ${role} is given twice (${out[role]}, ${name})`);
    if (!name) throw new CliError(EXIT.INVALID, `--env ${role}= names no environment`);
    Object.defineProperty(out, role, { value: name, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
