import type { EXIT } from './exit-codes.js';

/** Where the command line writes and what it reads from its environment; tests pass a fake. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers signal handlers; tests pass a fake. */
  onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
  /** Whether `out` is a terminal (colours are used there unless NO_COLOR is set). */
  isTTY?: boolean;
}

export const defaultIo = (): CliIo => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  onSignal: (sig, h) => process.on(sig, h),
  isTTY: process.stdout.isTTY === true,
});

/**
 * Colours on `out`: on a terminal unless NO_COLOR is set (no-color.org: any non-empty value); FORCE_COLOR (non-empty,
 * not 0) asks for them anywhere.
 */
export const useColor = (io: Pick<CliIo, 'env' | 'isTTY'>): boolean => {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return io.isTTY === true;
};

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem the command line reports as `steward: <message>` and exits with `exitCode` (1 runtime, 2 invalid input). */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

// C0/C1 controls (escape sequences) and bidirectional overrides: text from the server, tools or playbooks is shown
// on a terminal, and must not be able to move the cursor, recolour, or reorder what the operator reads.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One line of untrusted text, safe to print: control characters become visible escapes. */
export const safe = (v: unknown): string =>
  (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))).replace(UNSAFE, (c) => (c === '\n' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
