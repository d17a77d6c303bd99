import type { Command } from 'commander';
import { type CliContext, EXIT_HELP } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { CliError, safe } from '../io.js';
import { addRemoteOptions, remoteFrom, type RemoteOptions } from '../options.js';
import type { RemoteClient } from '../remote.js';

/** A question as GET /questions shows it. */
export interface QuestionView {
  id: string;
  runId: string;
  stepKey: string;
  question: string;
  schema: Record<string, unknown>;
  from: string[] | null;
  askedBy: string;
  status: string;
  answer: unknown;
  answeredBy: string | null;
  answeredAt: string | null;
  expiresAt: string;
}

interface ListOptions extends RemoteOptions {
  pending?: boolean;
  run?: string;
  json?: boolean;
}

interface AnswerOptions extends RemoteOptions {
  json?: string;
}

const REMOTE_ONLY = '\nThese talk to a daemon (--server/--token-file, $STEWARD_SERVER, or a saved context): the run that asked waits there.\n';

const need = (o: RemoteOptions, ctx: CliContext): RemoteClient => {
  const remote = remoteFrom(o, ctx.io);
  if (!remote) throw new CliError(EXIT.INVALID, 'questions are answered on the daemon whose run asked: pass --server <url> with --token-file <file> (or select a context)');
  return remote;
};

/** `steward questions`, `steward answer <id> <value | --json '<json>'>`. */
export function registerQuestions(program: Command, ctx: CliContext): void {
  const list = program
    .command('questions')
    .description('List the questions runs asked a person, newest first: what, on which run and step, the answer expected, until when.')
    .option('--pending', 'only those waiting for an answer')
    .option('--run <run-id>', 'only those of this run')
    .option('--json', "print the API's JSON instead of a table");
  addRemoteOptions(list)
    .addHelpText('after', REMOTE_ONLY + EXIT_HELP)
    .action(async (o: ListOptions) => {
      if (o.run !== undefined && !/^run_[0-9a-z]+$/.test(o.run)) throw new CliError(EXIT.INVALID, '--run must be a run id (run_...)');
      const q = new URLSearchParams({ ...(o.pending && { status: 'pending' }), ...(o.run && { runId: o.run }) });
      const { questions } = await need(o, ctx).get<{ questions: QuestionView[] }>(`/questions${q.size ? `?${q}` : ''}`);
      if (o.json) ctx.io.out(`${JSON.stringify({ questions }, null, 2)}\n`);
      else if (!questions.length) ctx.io.out(`no ${o.pending ? 'pending ' : ''}questions${o.run ? ` for ${o.run}` : ''}\n`);
      else ctx.io.out(questions.map(formatQuestion).join(''));
    });

  const answer = program
    .command('answer')
    .description("Answer a pending question (its run then continues). The value is read as the question's schema says: a number, true/false, or text; --json for anything else.")
    .argument('<question-id>', 'the question id (q_...)')
    .argument('[value]', 'the answer')
    .option('--json <json>', 'the answer as JSON (an object, a list, or any value)');
  addRemoteOptions(answer)
    .addHelpText('after', `${REMOTE_ONLY}\nExit codes: 0 answered, 1 refused (no longer pending, not yours to answer) or a runtime failure, 2 invalid input\n(no such question, an answer its schema refuses, bad flags).\n`)
    .action(async (id: string, value: string | undefined, o: AnswerOptions) => {
      if (!/^q_[0-9a-z]+$/.test(id)) throw new CliError(EXIT.INVALID, `${JSON.stringify(id)} is not a question id (q_...)`);
      if ((value === undefined) === (o.json === undefined)) throw new CliError(EXIT.INVALID, 'give the answer either as a value or with --json (one of them)');
      const remote = need(o, ctx);
      let given: unknown;
      if (o.json !== undefined) {
        try {
          given = JSON.parse(o.json);
        } catch (e) {
          throw new CliError(EXIT.INVALID, `--json is not valid JSON: ${(e as Error).message}`);
        }
      } else given = coerce((await remote.get<QuestionView>(`/questions/${encodeURIComponent(id)}`)).schema, value!);
      const q = await remote.post<QuestionView>(`/questions/${encodeURIComponent(id)}`, { answer: given });
      ctx.io.out(`question ${safe(q.id)} answered: ${safe(JSON.stringify(q.answer))}; run ${safe(q.runId)} continues (steward follow ${safe(q.runId)})\n`);
    });
}

/** A command-line value as the schema's type wants it (the server validates it either way). */
export function coerce(schema: Record<string, unknown>, value: string): unknown {
  const type = schema.type;
  if (type === 'number' || type === 'integer') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) throw new CliError(EXIT.INVALID, `the answer must be a number, not ${JSON.stringify(value)}`);
    return n;
  }
  if (type === 'boolean') {
    if (/^(true|yes|y)$/i.test(value)) return true;
    if (/^(false|no|n)$/i.test(value)) return false;
    throw new CliError(EXIT.INVALID, `the answer must be true or false (yes/no), not ${JSON.stringify(value)}`);
  }
  if (type === 'object' || type === 'array') throw new CliError(EXIT.INVALID, `this question wants ${type === 'object' ? 'an object' : 'a list'}: answer with --json '<json>'`);
  return value;
}

function formatQuestion(q: QuestionView): string {
  const choices = Array.isArray(q.schema.enum) ? ` (one of: ${q.schema.enum.map((v) => JSON.stringify(v)).join(', ')})` : typeof q.schema.type === 'string' ? ` (${q.schema.type})` : '';
  const state = q.status === 'answered' ? `answered by ${safe(q.answeredBy ?? '?')}: ${safe(JSON.stringify(q.answer))}` : q.status === 'pending' ? `pending until ${safe(q.expiresAt)}` : safe(q.status);
  return `${safe(q.id)}  ${safe(q.runId)} ${safe(q.stepKey)}  ${state}\n  ${safe(q.question)}${safe(choices)}\n`;
}
