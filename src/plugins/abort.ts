import type { ToolFailure } from './tool.result.js';

/** The failure for an aborted call: TIMEOUT for AbortSignal.timeout(), else CANCELLED with the reason given. */
export function cancellation(signal: AbortSignal): ToolFailure {
  const reason = signal.reason as { name?: string; message?: string } | string | undefined;
  if (typeof reason === 'object' && reason?.name === 'TimeoutError') return { code: 'TIMEOUT', message: 'the tool call timed out' };
  const why = typeof reason === 'string' ? reason : reason?.name === 'AbortError' ? undefined : reason?.message;
  return { code: 'CANCELLED', message: `the tool call was cancelled${why ? `: ${why}` : ''}` };
}

/** Settles with the work, or rejects as soon as the signal aborts (the work's late outcome is then ignored). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
