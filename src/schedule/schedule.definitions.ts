import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dottedPath, formatAjvErrors, type PathSegment } from '../common/json-schema.js';
import type { ScheduleEntryConfig, StewardConfig } from '../config/config.types.js';
import type { Diagnostic } from '../playbooks/diagnostics.js';
import { parseDuration } from '../playbooks/duration.js';
import { runInputValidator } from '../playbooks/playbook.inputs.js';
import type { ParsedPlaybook } from '../playbooks/playbook.types.js';
import { YamlSource } from '../playbooks/yaml-source.js';
import { compileCron } from './cron-plan.js';
import { entryProblems, timingProblems } from './schedule.checks.js';
import type { ScheduleDef, ScheduleProblem } from './schedule.types.js';

export interface BuildInput {
  /** The valid playbooks (their `schedule:` blocks are already checked by the playbook validator). */
  playbooks: readonly ParsedPlaybook[];
  /** steward.yaml `schedules.entries`. */
  entries: Readonly<Record<string, ScheduleEntryConfig>>;
  /** steward.yaml as shown in messages, and its text (for line numbers), when there is a file. */
  config: { file: string; text?: string };
  /** The environments the running daemon has. */
  environments: StewardConfig['environments'];
  minIntervalMs: number;
  /** What playbook file names are relative to. */
  baseDir: string;
  now: number;
}

/** Every schedule the playbooks and steward.yaml declare, validated; the ones with problems are left out and reported. */
export function buildSchedules(i: BuildInput): { defs: ScheduleDef[]; problems: ScheduleProblem[] } {
  const defs: ScheduleDef[] = [];
  const problems: ScheduleProblem[] = [];
  for (const pb of i.playbooks) {
    if (!pb.schedule) continue;
    const s = pb.schedule;
    const id = `playbook:${pb.id}`;
    const src = readSource(resolve(i.baseDir, pb.file));
    const at = (path: PathSegment[]) => ({ file: pb.file, ...(src?.locate(['schedule', ...path]) ?? { line: 1, col: 1 }) });
    const found = timingProblems(s, i.minIntervalMs, i.now);
    for (const p of found) problems.push({ scheduleId: id, ...at(p.path), message: `${dottedPath(['schedule', ...p.path])}: ${p.message}` });
    if (found.length) continue;
    defs.push({
      id, source: 'playbook', playbook: pb.id, cron: s.cron, timezone: s.timezone, inputs: s.inputs, targets: [s.environments],
      overlap: s.overlap, catchUp: s.catchUp, ...(s.catchUpWindowMs !== undefined && { catchUpWindowMs: s.catchUpWindowMs }),
      ...(s.jitterMs !== undefined && { jitterMs: s.jitterMs }), enabled: s.enabled, origin: at(['cron']), plan: compileCron(s.cron, s.timezone),
    });
  }
  const src = i.config.text !== undefined ? YamlSource.parse(i.config.text) : undefined;
  const byId = new Map(i.playbooks.map((p) => [p.id, p]));
  for (const [name, e] of Object.entries(i.entries)) {
    const id = `config:${name}`;
    const base = ['schedules', 'entries', name];
    const at = (path: PathSegment[]) => ({ file: i.config.file, ...(src?.locate([...base, ...path]) ?? { line: 1, col: 1 }) });
    const found = [...entryProblems(e, i.environments, i.minIntervalMs, i.now), ...againstPlaybook(e, byId.get(e.playbook), i.environments)];
    for (const p of found) problems.push({ scheduleId: id, ...at(p.path), message: `${dottedPath([...base, ...p.path])}: ${p.message}` });
    if (found.length) continue;
    const timezone = e.timezone ?? 'UTC';
    const window = e.catchUpWindow === undefined ? undefined : parseDuration(e.catchUpWindow);
    const jitter = e.jitter === undefined ? undefined : parseDuration(e.jitter);
    defs.push({
      id, source: 'config', playbook: e.playbook, cron: e.cron.trim(), timezone, inputs: e.inputs ?? {}, targets: bindings(e),
      overlap: e.overlap ?? 'skip', catchUp: e.catchUp ?? 'none', ...(window !== undefined && { catchUpWindowMs: window }),
      ...(jitter !== undefined && { jitterMs: jitter }), enabled: e.enabled ?? true, origin: at(['cron']), plan: compileCron(e.cron, timezone),
    });
  }
  return { defs: defs.sort((a, b) => (a.id < b.id ? -1 : 1)), problems };
}

/** Errors the playbook validator found in `schedule:` blocks (bad cron, unknown zone or environment): their playbooks are left out. */
export function scheduleDiagnostics(diagnostics: readonly Diagnostic[]): ScheduleProblem[] {
  return diagnostics.filter((d) => d.severity === 'error' && /^schedule(\.|:)/.test(d.message)).map((d) => ({ file: d.file, line: d.line, col: d.col, message: d.message }));
}

const bindings = (e: ScheduleEntryConfig): Record<string, string>[] => (e.environments === undefined ? [{}] : Array.isArray(e.environments) ? e.environments : [e.environments]);

/** The entry's playbook exists, every binding covers exactly its roles with environments of the right kind, the inputs fit. */
function againstPlaybook(e: ScheduleEntryConfig, pb: ParsedPlaybook | undefined, environments: StewardConfig['environments']) {
  if (!pb) return [{ path: ['playbook'], message: `no valid playbook "${e.playbook}" is loaded (see GET /playbooks for files with errors)` }];
  const out: { path: PathSegment[]; message: string }[] = [];
  const roles = new Map(pb.environments.map((r) => [r.name, r.kind]));
  bindings(e).forEach((b, n) => {
    const at = (...p: PathSegment[]) => (Array.isArray(e.environments) ? ['environments', n, ...p] : ['environments', ...p]);
    for (const [role, env] of Object.entries(b)) {
      const kind = roles.get(role);
      if (kind === undefined) out.push({ path: at(role), message: `playbook ${pb.id} has no environment role "${role}" (roles: ${[...roles.keys()].join(', ') || 'none'})` });
      else if (environments[env] && environments[env].kind !== kind) out.push({ path: at(role), message: `environment "${env}" is of kind ${environments[env].kind}; role "${role}" needs ${kind}` });
    }
    for (const role of roles.keys()) if (!(role in b)) out.push({ path: at(), message: `role "${role}" of playbook ${pb.id} is not bound to an environment` });
  });
  const validate = runInputValidator(pb.inputSchema);
  if (!validate(structuredClone(e.inputs ?? {}))) {
    for (const err of formatAjvErrors(validate.errors ?? [], undefined, 'inputs')) {
      const sub = (err.path ?? '').replace(/^inputs\.?/, '');
      out.push({ path: ['inputs'], message: sub ? `${sub}: ${err.message}` : err.message });
    }
  }
  return out;
}

function readSource(file: string): YamlSource | undefined {
  try {
    return YamlSource.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
