import type { Redactor } from './redactor.js';

/**
 * The redactors of the daemons running in this process, applied where run and approval data is written to the store
 * (run reasons, step inputs, outputs, plans and errors; approvals' inputs and plans) and to problem+json bodies: a
 * provider's error quoting llm.apiKey, or an external MCP server echoing its credential, is stored and served as
 * [REDACTED]. Repositories and the problem renderer are plain code with no injected state, hence this registry rather
 * than a constructor argument. (Bodies routes return are scrubbed by ScrubResponses with the daemon's own redactor.)
 */
const active = new Set<Redactor>();

/** Registers a daemon's redactor; returns its removal (at close). */
export function redactStored(redactor: Redactor): () => void {
  active.add(redactor);
  return () => active.delete(redactor);
}

/** `value` with every secret known to a running daemon replaced by [REDACTED] (the value itself when none is in it). */
export function scrubStored<T>(value: T): T {
  let out = value;
  for (const r of active) out = r.scrub(out);
  return out;
}
