/**
 * What can be checked of the deployment files without a Docker engine or systemd here (hadolint is not packaged
 * for Debian either): the Dockerfile's essentials, compose.yaml parsed and its steward.yaml passing `config check`,
 * the systemd unit's hardening, and the housekeeping files (LICENSE, nest-cli.json, one Node engine story).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import semver from 'semver';
import { parse } from 'yaml';
import { packageRoot } from '../../src/common/paths.js';
import { fromText } from '../../src/config/config.loader.js';

const root = packageRoot();
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { license: string; bin: Record<string, string>; engines: { node: string }; scripts: Record<string, string> };

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage. */
function dockerStages(text: string): { from: string; name?: string; lines: string[] }[] {
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; name?: string; lines: string[] }[] = [];
  for (const l of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
    if (from) stages.push({ from: from[1]!, name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(l);
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const has = (re: RegExp) => runtime.lines.filter((l) => re.test(l));

  it('is multi-stage: a slim Node build stage with npm ci and the build, a runtime stage copying from it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toMatch(/^node:(20|22)[\w.-]*-slim$/);
    const build = stages[0]!;
    expect(build.lines.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(build.lines.some((l) => /npm run build/.test(l))).toBe(true);
    expect(has(new RegExp(`^COPY --from=${build.name} `)).length).toBeGreaterThan(0);
    expect(runtime.lines.some((l) => /npm (ci|install)|tsc/.test(l))).toBe(false);
  });

  it('runs as a non-root user, checks /health, keeps .steward on a volume, starts the built entry', () => {
    const users = has(/^USER\s/);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(runtime.lines.indexOf(users[0]!)).toBeLessThan(runtime.lines.findIndex((l) => /^ENTRYPOINT/.test(l)));
    expect(has(/^HEALTHCHECK\s.*CMD.*127\.0\.0\.1:8080\/health/)).toHaveLength(1);
    expect(has(/^VOLUME\s.*\/\.steward/)).toHaveLength(1);
    const entry = JSON.parse(has(/^ENTRYPOINT /)[0]!.replace(/^ENTRYPOINT /, '')) as string[];
    expect(entry.at(-1)).toBe(`/opt/steward/${pkg.bin.steward}`);
  });

  it('listens beyond loopback only when told: the default command sets no host', () => {
    const cmd = JSON.parse(has(/^CMD /)[0]!.replace(/^CMD /, '')) as string[];
    expect(cmd).toEqual(['serve']);
    expect(read('Dockerfile')).not.toMatch(/^\s*(CMD|ENTRYPOINT|ENV)\b.*0\.0\.0\.0/m);
  });

  it('copies only paths that exist, and the context leaves local state and secrets out', () => {
    for (const s of stages) {
      for (const l of s.lines.filter((x) => /^COPY\s/.test(x) && !/--from=/.test(x))) {
        const sources = l.split(/\s+/).slice(1, -1);
        for (const src of sources) expect([l, existsSync(join(root, src))]).toEqual([l, true]);
      }
    }
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['node_modules', 'dist', '.steward', 'steward.yaml', '.env', '.git']) expect(ignored).toContain(p);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; volumes?: string[]; ports?: string[] }>;
    volumes: Record<string, unknown>;
  };
  const { postgres, steward } = compose.services;

  it('runs PostgreSQL with a health check, and Steward once it is healthy', () => {
    expect(postgres?.image).toMatch(/^postgres:\d+/);
    expect(postgres?.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
    expect(steward?.build).toBe('.');
    expect(steward?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(steward?.command).toEqual(['serve', '--host', '0.0.0.0']);
    expect(steward?.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(steward?.volumes).toContain('steward-state:/srv/steward/.steward');
  });

  it('takes secrets from the environment only (required, never a literal)', () => {
    expect(postgres?.environment?.POSTGRES_PASSWORD).toBe('${STEWARD_DB_PASSWORD:?set STEWARD_DB_PASSWORD}');
    expect(steward?.environment?.STEWARD_STORE_URL).toMatch(/^postgres:\/\/steward:\$\{STEWARD_DB_PASSWORD:\?[^}]*\}@postgres:5432\/steward$/);
  });

  it("mounts a steward.yaml that passes config check and points the store at the compose PostgreSQL", () => {
    const mount = steward!.volumes!.find((v) => v.endsWith(':/srv/steward/steward.yaml:ro'))!;
    const file = mount.split(':')[0]!;
    const url = steward!.environment!.STEWARD_STORE_URL!.replace(/\$\{STEWARD_DB_PASSWORD[^}]*\}/, 'a1b2c3d4');
    const { config } = fromText(file, read(file), '/srv/steward', { STEWARD_STORE_URL: url });
    expect(config.store.url).toBe('postgres://steward:a1b2c3d4@postgres:5432/steward');
    expect(config.server.host).toBe('0.0.0.0');
  });
});

describe('deploy/steward.service (systemd)', () => {
  const unit = read('deploy/steward.service');
  const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

  it('starts the built daemon as its own user with its state in the state directory', () => {
    expect(values('User')).toEqual(['steward']);
    expect(values('ExecStart')[0]).toBe(`/usr/bin/node /opt/steward/${pkg.bin.steward} serve`);
    expect(values('StateDirectory')).toEqual(['steward']);
    expect(values('ExecReload')).toEqual([]); // the daemon does not handle SIGHUP: reload is POST /reload
  });

  it('is hardened', () => {
    for (const [k, v] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes', RestrictSUIDSGID: 'yes', CapabilityBoundingSet: '' })) {
      expect([k, values(k)]).toEqual([k, [v]]);
    }
    expect(values('SystemCallFilter')).toContain('@system-service');
  });
});

describe('housekeeping', () => {
  it('LICENSE is the MIT licence package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });

  it('nest-cli.json tells the truth: its entry is the built main, and it never deletes dist/ (the PGlite template)', () => {
    const nest = JSON.parse(read('nest-cli.json')) as { sourceRoot: string; entryFile: string; compilerOptions: { tsConfigPath: string; deleteOutDir?: boolean } };
    expect(`dist/${nest.entryFile}.js`).toBe(pkg.bin.steward);
    expect(existsSync(join(root, nest.sourceRoot, 'main.ts'))).toBe(true);
    expect(existsSync(join(root, nest.compilerOptions.tsConfigPath))).toBe(true);
    expect(nest.compilerOptions.deleteOutDir).not.toBe(true);
    expect(pkg.scripts.build).toContain(nest.compilerOptions.tsConfigPath);
  });

  it('one Node engine story: every locked package runs on the oldest Node package.json allows (no EBADENGINE at npm ci)', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
    const refused = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string' && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} needs node ${(p.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
  });
});
