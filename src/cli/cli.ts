import { Command, CommanderError } from 'commander';
import { ConfigError, StewardError } from '../common/errors.js';
import { readPackageJson } from '../common/paths.js';
import { loadConfig } from '../config/config.loader.js';
import { Redactor } from '../logging/redactor.js';
import { registerApprovals } from './commands/approvals.js';
import { registerQuestions } from './commands/questions.js';
import { registerConfig } from './commands/config.js';
import { registerOpenApi } from './commands/openapi.js';
import { registerRegistry } from './commands/registry.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerAsk } from './commands/ask.js';
import { registerFollow, registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerValidate } from './commands/validate.js';
import { registerCompletion } from './commands/completion.js';
import { registerContexts } from './commands/contexts.js';
import { registerFindings } from './commands/findings.js';
import { registerInit } from './commands/init.js';
import { registerRuns } from './commands/runs.js';
import { registerThreads } from './commands/threads.js';
import { registerToken } from './commands/token.js';
import type { CliContext } from './context.js';
import { registerSchedules } from '../schedule/schedules.command.js';
import { EXIT } from './exit-codes.js';
import { CliError, type CliIo, defaultIo } from './io.js';

export type { CliIo } from './io.js';

/**
 * LangChain sends traces (prompts, tool calls, results) to LangSmith when these are set in the environment: that
 * would carry customer data past privacy mode to a third party. Steward never traces there.
 */
export const THIRD_PARTY_TRACING = ['LANGSMITH_TRACING', 'LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING', 'LANGCHAIN_TRACING_V2'];

/** Runs the steward command line; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  for (const name of THIRD_PARTY_TRACING) delete process.env[name];
  let code: number = EXIT.OK;
  // Error messages printed at the end may quote a secret (an argument, a target's reply): those of the configuration
  // loaded, bearer credentials and URL passwords are masked as in the log.
  const redactor = new Redactor();
  const ctx: CliContext = {
    io,
    load: (flag) => {
      const loaded = loadConfig({ flag, env: io.env, cwd: io.cwd });
      redactor.add(...loaded.secrets);
      return loaded;
    },
    exit: (c) => (code = c),
  };
  const program = new Command('steward')
    .description('Steward: operate BI deployments as code (plugins, playbooks, MCP, approval gates).')
    .version(readPackageJson().version, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  registerServe(program, ctx);
  registerConfig(program, ctx);
  registerRun(program, ctx);
  registerFollow(program, ctx);
  registerAsk(program, ctx);
  registerApprovals(program, ctx);
  registerQuestions(program, ctx);
  registerValidate(program, ctx);
  registerRegistry(program, ctx);
  registerOpenApi(program, ctx);
  registerSchedules(program, ctx);
  registerSandbox(program, ctx);
  registerRuns(program, ctx);
  registerFindings(program, ctx);
  registerThreads(program, ctx);
  registerInit(program, ctx);
  registerToken(program, ctx);
  registerContexts(program, ctx);
  registerCompletion(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'node' });
    return code;
  } catch (e) {
    return reportError(e, { err: (text) => io.err(redactor.redactString(text)) });
  }
}

function reportError(e: unknown, io: Pick<CliIo, 'err'>): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    return EXIT.INVALID; // commander already printed the message
  }
  if (e instanceof CliError) {
    io.err(`steward: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ConfigError) {
    io.err(`steward: ${e.message}\n`);
    return EXIT.INVALID;
  }
  if (e instanceof StewardError) {
    io.err(`steward: ${e.message}\n`);
    return EXIT.FAILURE;
  }
  io.err(`steward: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.FAILURE;
}
