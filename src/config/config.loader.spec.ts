import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ConfigError } from '../common/errors.js';
import { compileSchema } from '../common/json-schema.js';
import { loadContract } from '../common/paths.js';
import { fromText, loadConfig } from './config.loader.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-config-'));
const load = (yaml: string, env: Record<string, string> = {}) => fromText('steward.yaml', yaml, dir, env);

/** The error lines of a config that must fail, as `line:col: path: message`. */
function errorsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).errors!.map((x) => `${x.line ?? '-'}:${x.column ?? '-'}: ${x.path ? `${x.path}: ` : ''}${x.message}`);
  }
  throw new Error('expected the config to be rejected');
}

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';

describe('config loader: valid input', () => {
  it('applies built-in defaults to an empty file', () => {
    const { config, secrets } = load('');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 1048576, allowedHosts: [], allowedOrigins: [], shutdownTimeoutMs: 10000, mcpSessions: { max: 1000, perToken: 32, idleTimeoutMs: 600000 } });
    expect(config.store.path).toBe('.steward/data');
    expect(config.store.connect.retries).toBe(5);
    expect(config.auth.tokens).toEqual([]);
    expect(config.logging).toEqual({ level: 'info', format: 'auto' });
    expect(secrets).toEqual([]);
  });

  it('resolves ${env:} and ${file:} references and records their values as secrets', () => {
    writeFileSync(join(dir, 'pw.txt'), 's3cret-from-file\n');
    const { config, secrets } = load(
      [
        'auth:',
        '  tokens:',
        '    - { name: ci, token: "${env:CI_TOKEN}", role: operator }',
        'environments:',
        '  prod:',
        '    kind: sisense',
        '    url: https://bi.example.com',
        '    password: ${file:pw.txt}',
        'store:',
        '  url: postgres://steward:${env:PGPW}@db.internal:5432/steward',
      ].join('\n'),
      { CI_TOKEN: TOKEN, PGPW: 'pg-password-1' },
    );
    expect(config.auth.tokens[0].token).toBe(TOKEN);
    expect(config.environments.prod.password).toBe('s3cret-from-file');
    expect(config.store.url).toBe('postgres://steward:pg-password-1@db.internal:5432/steward');
    expect(config.store.path).toBeUndefined();
    expect(secrets).toEqual(expect.arrayContaining([TOKEN, 's3cret-from-file', 'pg-password-1']));
  });

  it('accepts sha256: tokens and does not treat the hash as a secret', () => {
    const hash = `sha256:${'a'.repeat(64)}`;
    const { config, secrets } = load(`auth: { tokens: [ { name: ops, token: "${hash}", role: admin } ] }`);
    expect(config.auth.tokens[0].token).toBe(hash);
    expect(secrets).not.toContain(hash);
  });

  it('treats every env and headers value of an external MCP server as a secret, and the credential of a header alone', () => {
    const { secrets } = load(
      [
        'plugins:',
        '  mcp:',
        '    settings:',
        '      servers:',
        '        local: { transport: stdio, command: node, args: [server.js], env: { WAREHOUSE_DSN: "dsn-literal-value" } }',
        '        remote: { transport: http, url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer hdr-token-value", X-Tenant: acme-corp } }',
      ].join('\n'),
    );
    expect(secrets).toEqual(expect.arrayContaining(['dsn-literal-value', 'Bearer hdr-token-value', 'hdr-token-value', 'acme-corp']));
    expect(secrets).not.toContain('server.js');
    expect(secrets).not.toContain('https://mcp.example.com/mcp');
  });

  it('a missing default file means built-in defaults; a missing explicit file is an error', () => {
    const empty = mkdtempSync(join(tmpdir(), 'steward-nocfg-'));
    expect(loadConfig({ env: {}, cwd: empty }).file).toBeUndefined();
    expect(() => loadConfig({ flag: 'nope.yaml', env: {}, cwd: empty })).toThrow(`config file ${join(empty, 'nope.yaml')} does not exist`);
    expect(() => loadConfig({ env: { STEWARD_CONFIG: 'x.yaml' }, cwd: empty })).toThrow('x.yaml does not exist');
  });
});

describe('config loader: bad input, each with its exact message and position', () => {
  it('1. YAML syntax errors give line and column', () => {
    expect(errorsOf('server:\n  port: 8080\n  host: [127.0.0.1\n')).toEqual([
      expect.stringMatching(/^4:1: YAML syntax error: /),
    ]);
  });

  it('2. duplicate keys are a YAML error', () => {
    expect(errorsOf('server:\n  port: 1\n  port: 2\n')).toEqual(['3:3: YAML syntax error: Map keys must be unique']);
  });

  it('3. unknown keys name the key and what is allowed', () => {
    expect(errorsOf('server:\n  prot: 8080\n')).toEqual([
      '2:3: server.prot: unknown key (allowed: host, port, bodyLimitBytes, allowedHosts, allowedOrigins, shutdownTimeoutMs, mcpSessions)',
    ]);
    expect(errorsOf('colour: blue\n')).toEqual([expect.stringMatching(/^1:1: colour: unknown key \(allowed: server, store, auth, /)]);
  });

  it('4. wrong types', () => {
    expect(errorsOf('server:\n  port: "eighty"\n')).toEqual(['2:9: server.port: must be an integer']);
    expect(errorsOf('server:\n  port: 70000\n')).toEqual(['2:9: server.port: must be <= 65535']);
  });

  it('5. a missing ${env:} variable is named', () => {
    expect(errorsOf('auth:\n  tokens:\n    - name: ci\n      token: ${env:STEWARD_CI_TOKEN}\n      role: operator\n')).toEqual([
      '4:14: auth.tokens[0].token: environment variable STEWARD_CI_TOKEN is not set',
    ]);
  });

  it('6. an environment URL that is not a URI, and a missing kind', () => {
    expect(errorsOf('environments:\n  prod:\n    kind: sisense\n    url: not a url\n  staging:\n    url: https://x.example.com\n')).toEqual([
      '4:10: environments.prod.url: must be an http(s) URL (a postgres:// one for kind postgres), or a ${env:NAME} / ${file:PATH} reference to one',
      '6:5: environments.staging.kind: is required',
    ]);
  });

  it('7. enums list their allowed values', () => {
    expect(errorsOf(`auth:\n  tokens:\n    - { name: a, token: ${TOKEN}, role: root }\n`)).toEqual([
      '3:65: auth.tokens[0].role: must be one of: "viewer", "operator", "approver", "admin"',
    ]);
  });

  it('8. every error is reported at once, in file order', () => {
    expect(errorsOf('server:\n  port: -1\n  host: 5\nlogging:\n  level: loud\nextra: 1\n')).toEqual([
      '2:9: server.port: must be >= 0',
      '3:9: server.host: must be a string',
      '5:10: logging.level: must be one of: "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      '6:1: extra: unknown key (allowed: server, store, auth, logging, environments, llm, plugins, approvals, playbooks, runs, schedules, notifications, console)',
    ]);
  });

  it('9. store.path and store.url together are refused', () => {
    expect(errorsOf('store:\n  path: ./data\n  url: postgres://localhost/steward\n')).toEqual([
      '2:3: store: set either path (embedded store) or url (PostgreSQL), not both',
    ]);
  });

  it('10. short literal tokens, malformed hashes, duplicate names and values', () => {
    expect(
      errorsOf(
        [
          'auth:',
          '  tokens:',
          '    - { name: a, token: short, role: viewer }',
          '    - { name: a, token: "sha256:xyz", role: viewer }',
          `    - { name: b, token: ${TOKEN}, role: admin }`,
          `    - { name: c, token: ${TOKEN}, role: admin }`,
        ].join('\n'),
      ),
    ).toEqual([
      '3:25: auth.tokens[0].token: token is too short (at least 16 characters); use a long random value or its sha256: hash',
      '4:15: auth.tokens[1].name: duplicate token name "a" (also at auth.tokens[0])',
      '4:25: auth.tokens[1].token: a sha256: token must be "sha256:" followed by 64 lowercase hex digits',
      '6:25: auth.tokens[3].token: the same token is configured twice (also at auth.tokens[2])',
    ]);
  });

  it('11. unreadable ${file:} and unknown reference schemes', () => {
    expect(errorsOf('environments:\n  prod:\n    kind: sisense\n    token: ${file:missing.txt}\n    password: ${vault:x}\n')).toEqual([
      `4:12: environments.prod.token: cannot read file ${join(dir, 'missing.txt')} referenced by \${file:}: ENOENT`,
      '5:15: environments.prod.password: unknown reference ${vault:...}; use ${env:NAME} or ${file:PATH}',
    ]);
  });

  it('13. an unset ${env:} hides no other error of the file, and is not reported twice at its own value', () => {
    expect(
      errorsOf('server:\n  port: "eighty"\nstore:\n  url: ${env:STEWARD_STORE_URL}\nenvironments:\n  prod:\n    kind: sisense\n    url: ${env:SISENSE_URL}\n    timeoutMs: soon\n'),
    ).toEqual([
      '2:9: server.port: must be an integer',
      '4:8: store.url: environment variable STEWARD_STORE_URL is not set',
      '8:10: environments.prod.url: environment variable SISENSE_URL is not set',
      '9:16: environments.prod.timeoutMs: must be an integer',
    ]);
    // the checks after the schema run too: a short token beside an unset variable
    expect(errorsOf('auth:\n  tokens:\n    - { name: a, token: short, role: viewer }\n    - name: b\n      token: ${env:B_TOKEN}\n      role: viewer\n')).toEqual([
      '3:25: auth.tokens[0].token: token is too short (at least 16 characters); use a long random value or its sha256: hash',
      '5:14: auth.tokens[1].token: environment variable B_TOKEN is not set',
    ]);
  });

  it('14. URL fields take ${env:} references (the editor schema too) and check the resolved value', () => {
    const yaml = 'store:\n  url: ${env:DB_URL}\nenvironments:\n  prod:\n    kind: sisense\n    url: ${env:SISENSE_URL}\nnotifications:\n  publicUrl: https://${env:PUBLIC_HOST}/steward\n';
    const { config } = load(yaml, { DB_URL: 'postgres://steward:p%40ss@db:5432/steward?sslmode=verify-full', SISENSE_URL: 'https://bi.example.com', PUBLIC_HOST: 'steward.example.com' });
    expect(config.environments.prod!.url).toBe('https://bi.example.com');
    expect(config.notifications.publicUrl).toBe('https://steward.example.com/steward');
    expect(errorsOf(yaml, { DB_URL: 'mysql://db/steward', SISENSE_URL: 'bi.example.com', PUBLIC_HOST: 'x' })).toEqual([
      '2:8: store.url: must be a postgres:// URL, or a ${env:NAME} / ${file:PATH} reference to one',
      '6:10: environments.prod.url: must be an http(s) URL (a postgres:// one for kind postgres), or a ${env:NAME} / ${file:PATH} reference to one',
    ]);
    // what an editor sees: the unresolved text against the same schema
    const validate = compileSchema(loadContract('config.schema.json'));
    expect(validate(parse(yaml))).toBe(true);
    expect(validate({ environments: { prod: { kind: 'sisense', url: 'not a url' } } })).toBe(false);
  });

  it('15. an environment kind no installed plugin serves is an error naming the kinds that are served', () => {
    expect(errorsOf('environments:\n  warehouse:\n    kind: snowflake\n  prod:\n    kind: sisense\n')).toEqual([
      '3:11: environments.warehouse.kind: unknown environment kind "snowflake": the installed plugins serve demo, postgres, sisense',
    ]);
    const plugins = mkdtempSync(join(tmpdir(), 'steward-kinds-'));
    mkdirSync(join(plugins, 'sf'));
    writeFileSync(join(plugins, 'sf', 'plugin.yaml'), "id: sf\nversion: 1.0.0\ndescription: Snowflake.\nhost: '*'\nkinds: [snowflake]\nentry: index.js\nmodules:\n  - { id: sql, description: SQL }\n");
    expect(load(`plugins:\n  dirs: [${plugins}]\nenvironments:\n  warehouse:\n    kind: snowflake\n`).config.environments.warehouse!.kind).toBe('snowflake');
  });

  it('12. a document that is not a mapping', () => {
    expect(errorsOf('- a\n- b\n')).toEqual(['1:1: the configuration must be a YAML mapping (key: value)']);
  });

  it('the thrown message lists every error with file, line and path', () => {
    expect(() => load('server:\n  port: x\n')).toThrow('invalid configuration (steward.yaml), 1 error:\n  2:9: server.port: must be an integer');
  });
});

describe('steward.example.yaml', () => {
  it('fails config check when an environment has a kind no plugin serves', async () => {
    const { readFileSync } = await import('node:fs');
    const { packageRoot } = await import('../common/paths.js');
    const text = readFileSync(join(packageRoot(), 'steward.example.yaml'), 'utf8').replace(/^( {2}warehouse-pg:\n {4}kind:) postgres$/m, '$1 snowflake');
    expect(text).toContain('\n  warehouse-pg:\n    kind: snowflake\n');
    const env = { STEWARD_CI_TOKEN: TOKEN, SISENSE_PROD_TOKEN: 'sisense-token', WAREHOUSE_PASSWORD: 'pw', OPENAI_API_KEY: 'sk-test-key', SLACK_WEBHOOK_URL: 'https://hooks.example.com/x', STEWARD_WEBHOOK_SECRET: 'webhook-secret-0123456789' };
    expect(() => fromText('steward.example.yaml', text, packageRoot(), env)).toThrow(/environments\.warehouse-pg\.kind: unknown environment kind "snowflake": the installed plugins serve demo, postgres, sisense/);
  });

  it('documents every top-level and nested schema key and validates', async () => {
    const { readFileSync } = await import('node:fs');
    const { packageRoot, loadContract } = await import('../common/paths.js');
    const text = readFileSync(join(packageRoot(), 'steward.example.yaml'), 'utf8');
    const { config } = fromText('steward.example.yaml', text, packageRoot(), {
      STEWARD_CI_TOKEN: TOKEN,
      SISENSE_PROD_TOKEN: 'sisense-token',
      WAREHOUSE_PASSWORD: 'pw-warehouse',
      OPENAI_API_KEY: 'sk-test-key',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
      STEWARD_WEBHOOK_SECRET: 'webhook-secret-0123456789',
    });
    expect(config.environments['prod-sisense'].kind).toBe('sisense');
    expect(config.schedules.entries['nightly-wellcheck']).toMatchObject({ playbook: 'sisense-wellcheck', timezone: 'Europe/Berlin' });
    expect(config.notifications.webhooks[0]).toMatchObject({ name: 'bi-team-slack', format: 'slack', retry: { attempts: 5 } });
    const schema = loadContract<{ properties: Record<string, { properties?: Record<string, unknown> }> }>('config.schema.json');
    for (const [key, sub] of Object.entries(schema.properties)) {
      expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
      for (const inner of Object.keys(sub.properties ?? {})) expect(text).toContain(`${inner}`);
    }
  });
});

describe('config loader: hostile files', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

  it('an alias bomb is a CONFIG_INVALID error at the first alias, not a thrown ReferenceError', () => {
    expect(errorsOf(`logging: { level: info }\n${bomb}\n`)).toEqual(['3:8: YAML: Excessive alias count indicates a resource exhaustion attack (at most 100 aliases are expanded)']);
  });

  it('refuses a steward.yaml over 256 KiB, and a ${file:} over 1 MiB, without parsing them', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(256 * 1024)}\n`);
    expect(() => loadConfig({ flag: big, env: {}, cwd: dir })).toThrow(/config file is 262147 bytes, over the limit of 262144 bytes/);
    writeFileSync(join(dir, 'big.txt'), 'y'.repeat(1024 * 1024 + 1));
    expect(errorsOf('llm: { apiKey: "${file:big.txt}" }')).toEqual([expect.stringMatching(/^1:\d+: llm\.apiKey: file .*big\.txt referenced by \$\{file:\} is 1048577 bytes, over the limit of 1048576$/)]);
  });
});
