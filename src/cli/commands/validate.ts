import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/config.types.js';
import type { CliContext } from '../context.js';
import { cliLogDestination } from '../logging.js';
import { EXIT } from '../exit-codes.js';
import { configOption, jsonOption, logLevelOption } from '../options.js';

/** Without paths: ./playbooks (validate.command's DEFAULT_PLAYBOOK_PATHS) (when it exists, or when nothing else is configured) and the config's playbooks.dirs. */
export function defaultPlaybookPaths(loaded: LoadedConfig, cwd: string): string[] {
  const dirs = loaded.config.playbooks.dirs.map((d) => resolve(loaded.baseDir, d));
  const local = ['playbooks'].filter((p) => dirs.length === 0 || existsSync(resolve(cwd, p)));
  return [...new Set([...local, ...dirs])];
}

/** `steward validate [paths...]`: static validation against the real plugin catalogue (plugins loaded as the daemon would). */
export function registerValidate(program: Command, { io, load, exit }: CliContext): void {
  program
    .command('validate')
    .description('Validate playbooks without running them: schema, expressions, tools and their arguments, environments. Prints file:line:col: message.')
    .argument('[paths...]', 'playbook files or directories (default: ./playbooks and playbooks.dirs from steward.yaml)')
    .addOption(configOption())
    .addOption(logLevelOption())
    .addOption(jsonOption('print JSON: {ok, playbooks: [ids], diagnostics: [{file, line, col, severity, message}]}'))
    .addHelpText('after', `\nExit codes: 0 no errors (warnings allowed), 1 runtime failure, 2 errors found or invalid configuration.\n`)
    .action(async (paths: string[], o: { config?: string; json?: boolean; logLevel: LoadedConfig['config']['logging']['level'] }) => {
      const loaded = load(o.config);
      const [{ createLogger }, { Redactor }, { validateCommand }, { loadPlugins }] = await Promise.all([
        import('../../logging/logger.js'),
        import('../../logging/redactor.js'),
        import('../../playbooks/validate.command.js'),
        import('../../plugins/plugin.loader.js'),
      ]);
      const logger = createLogger({
        logging: { ...loaded.config.logging, level: o.logLevel },
        redactor: new Redactor(loaded.secrets),
        destination: cliLogDestination(io, loaded.config.logging.format),
      });
      const catalogue = await loadPlugins({ config: loaded.config.plugins, baseDir: loaded.baseDir, logger: logger.child({ component: 'plugins' }) });
      try {
        const environments = Object.fromEntries(Object.entries(loaded.config.environments).map(([name, e]) => [name, { kind: e.kind }]));
        const targets = paths.length ? paths : defaultPlaybookPaths(loaded, io.cwd);
        if (!o.json) return exit(validateCommand(targets, catalogue, io, { environments }));
        const { loadPlaybooks } = await import('../../playbooks/playbook.loader.js');
        const result = loadPlaybooks({ paths: targets, lookup: catalogue, environments, relativeTo: io.cwd });
        const ok = !result.diagnostics.some((d) => d.severity === 'error');
        io.out(`${JSON.stringify({ ok, playbooks: result.playbooks.map((p) => p.id), diagnostics: result.diagnostics }, null, 2)}\n`);
        if (!ok) exit(EXIT.INVALID);
      } finally {
        await catalogue.dispose();
      }
    });
}
