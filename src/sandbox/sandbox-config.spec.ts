import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readSandboxLlm, sandboxConfig, sandboxGuide, SANDBOX_TOKENS, type SandboxModel } from '../cli/commands/sandbox.js';
import { loadConfig } from '../config/config.loader.js';

/** The model block `steward sandbox` writes: the demo model, llm.yaml of one's own, or none - each a valid steward.yaml. */
describe('the sandbox model', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-sandbox-config-'));
    for (const f of [...SANDBOX_TOKENS.map((r) => `${r}.token`), 'sandbox-source.sisense-token', 'sandbox-target.sisense-token']) writeFileSync(join(dir, f), `${f}-a-token-of-at-least-sixteen-chars\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (model: SandboxModel, env: Record<string, string> = {}) => {
    const file = join(dir, 'steward.yaml');
    writeFileSync(file, sandboxConfig({ dir, port: 0, source: 'http://127.0.0.1:1', target: 'http://127.0.0.1:2', db: 'postgres://steward@127.0.0.1:3/postgres', logLevel: 'warn', model }));
    return loadConfig({ flag: file, env, cwd: dir }).config;
  };

  it('the demo model: openai-compatible, steward-demo at its URL; sandbox-db shares tool results, the Sisense ones do not', () => {
    const config = load({ kind: 'demo', url: 'http://127.0.0.1:4/v1' });
    expect(config.llm).toMatchObject({ provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:4/v1', model: 'steward-demo' });
    expect(config.environments['sandbox-db']?.shareToolResults).toBe(true);
    expect(config.environments['sandbox-source']?.shareToolResults).toBeUndefined();
  });

  it("llm.yaml of one's own replaces it, ${env:} references resolved as in steward.yaml", () => {
    writeFileSync(join(dir, 'llm.yaml'), 'llm:\n  provider: openai\n  model: gpt-4.1\n  apiKey: ${env:SANDBOX_TEST_KEY}\n');
    const own = readSandboxLlm(join(dir, 'llm.yaml'))!;
    expect(own.describe).toBe('openai gpt-4.1');
    const config = load({ kind: 'file', file: join(dir, 'llm.yaml'), ...own }, { SANDBOX_TEST_KEY: 'sk-test-0123456789' });
    expect(config.llm).toMatchObject({ provider: 'openai', model: 'gpt-4.1', apiKey: 'sk-test-0123456789' });
    expect(sandboxGuide({ url: 'http://127.0.0.1:8080', dir: '.steward/sandbox', source: 's', target: 't', db: 'd', model: { kind: 'file', file: 'f', ...own } })).toContain('model           openai gpt-4.1  (llm: from .steward/sandbox/llm.yaml)');
  });

  it('no llm.yaml: none read; --no-demo-model: no llm block, and the guide says agent steps need one', () => {
    expect(readSandboxLlm(join(dir, 'llm.yaml'))).toBeUndefined();
    expect(load({ kind: 'none' }).llm?.provider).toBeUndefined();
    expect(sandboxGuide({ url: 'u', dir: 'd', source: 's', target: 't', db: 'db', model: { kind: 'none' } })).toContain('none (--no-demo-model): agent steps and steward ask fail until an llm: block is in d/llm.yaml');
  });

  it('refuses an llm.yaml that is not one llm: mapping, naming the file', () => {
    const file = join(dir, 'llm.yaml');
    for (const [text, why] of [
      ['provider: openai\nmodel: gpt-4.1\n', /must hold one mapping, llm: .* \(it also has provider, model\)/],
      ['llm: openai\n', /must hold one mapping, llm:/],
      ['llm: {provider: openai\n', /is not valid YAML/],
      ['llm: { provider: openai }\nserver: { port: 1 }\n', /\(it also has server\)/],
    ] as const) {
      writeFileSync(file, text);
      expect(() => readSandboxLlm(file)).toThrow(why);
      expect(() => readSandboxLlm(file)).toThrow(file);
    }
  });
});
