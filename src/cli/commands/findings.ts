import { type Command, Option } from 'commander';
import { SEVERITIES } from '../../findings/findings.types.js';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError, safe } from '../io.js';
import { addRemoteOptions, configOption, jsonOption, logLevelOption, remoteFrom } from '../options.js';
import { type ReadOptions, table } from './runs.js';

interface FindingsOptions extends ReadOptions {
  environment?: string;
  check?: string;
  playbook?: string;
  severity?: string;
  minSeverity?: string;
  state?: 'open' | 'resolved';
  limit: string;
}

interface FindingItem {
  fingerprint: string;
  check: string;
  severity: string;
  environment: string | null;
  asset: string | null;
  message: string;
  state: string;
  lastSeenAt: string | null;
  timesSeen: number;
}

/** `steward findings [filters]`. */
export function registerFindings(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('findings')
    .description('Findings across runs (what checks reported), most recently seen first.')
    .option('--environment <name>', 'only those of this environment')
    .option('--check <id>', 'only those of this check (e.g. datamodel.island-table)')
    .option('--playbook <id>', 'only those reported by this playbook')
    .option('--severity <list>', `only these severities, comma-separated (${SEVERITIES.join(', ')})`)
    .addOption(new Option('--min-severity <severity>', 'only this severity or worse').choices([...SEVERITIES]))
    .addOption(new Option('--state <state>', 'open or resolved').choices(['open', 'resolved']))
    .option('--limit <n>', 'at most this many (1-999)', '100')
    .addOption(jsonOption())
    .addOption(configOption())
    .addOption(logLevelOption());
  addRemoteOptions(cmd)
    .addHelpText('after', `\nWithout --server (or a context) they are read from the configured store directly.\n${EXIT_HELP}`)
    .action(async (o: FindingsOptions) => {
      if (!/^[1-9][0-9]{0,2}$/.test(o.limit)) throw new CliError(EXIT.INVALID, '--limit must be a whole number from 1 to 999');
      const severity = o.severity?.split(',').map((s) => s.trim());
      const bad = severity?.find((s) => !(SEVERITIES as readonly string[]).includes(s));
      if (bad !== undefined) throw new CliError(EXIT.INVALID, `--severity ${JSON.stringify(bad)} is not a severity (${SEVERITIES.join(', ')})`);
      const remote = remoteFrom(o, ctx.io);
      let findings: FindingItem[];
      if (remote) {
        const q = new URLSearchParams({ limit: o.limit });
        for (const [k, v] of [['environment', o.environment], ['check', o.check], ['playbook', o.playbook], ['severity', severity?.join(',')], ['minSeverity', o.minSeverity], ['state', o.state]] as const) if (v) q.set(k, v);
        findings = (await remote.get<{ findings: FindingItem[] }>(`/findings?${q}`)).findings;
      } else {
        const filter = { environment: o.environment, check: o.check, playbook: o.playbook, severity, minSeverity: o.minSeverity, state: o.state, limit: Number(o.limit) };
        findings = await (await import('./runs.local.js')).listFindingsLocal(ctx.load(o.config), filter, ctx.io, o.logLevel);
      }
      if (o.json) return ctx.io.out(`${JSON.stringify({ findings }, null, 2)}\n`);
      if (!findings.length) return ctx.io.out('no findings\n');
      ctx.io.out(table(['SEVERITY', 'STATE', 'CHECK', 'ENVIRONMENT', 'ASSET', 'MESSAGE'], findings.map((f) => [f.severity, f.state, f.check, f.environment ?? '-', f.asset ?? '-', safe(f.message)])));
    });
}
