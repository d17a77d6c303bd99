import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { configOption, jsonOption } from '../options.js';

/** `steward registry build|check`. */
export function registerRegistry(program: Command, { io, load, exit }: CliContext): void {
  const registry = program.command('registry').description('The generated tool registry (registry/tools.registry.json).');
  const action = (which: 'buildRegistryFile' | 'checkRegistryFile') => async (o: { config?: string; json?: boolean }) => {
    const loaded = o.config ? load(o.config) : undefined;
    const fn = (await import('../../registry/registry.commands.js'))[which];
    const result = await fn({ plugins: loaded?.config.plugins, baseDir: loaded?.baseDir });
    if (o.json) io.out(`${JSON.stringify({ ok: result.ok, message: result.message })}\n`);
    else (result.ok ? io.out : io.err)(`${result.message}\n`);
    if (!result.ok) exit(EXIT.FAILURE);
  };
  registry
    .command('build')
    .description('Regenerate the registry from the plugins, deterministically.')
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText('after', EXIT_HELP)
    .action(action('buildRegistryFile'));
  registry
    .command('check')
    .description('Exit 1 when the committed registry is stale or a plugin fails to load (CI runs this).')
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText('after', EXIT_HELP)
    .action(action('checkRegistryFile'));
}
