/**
 * The one rule for a failed plan, whoever asks (a dry run, an approval): a tool's plan fails when any of its changes
 * is `fail` (the plugin API's way to say "this would not succeed": a missing reference, a refused precondition, an
 * asset a migration cannot move), or when the plan could not be computed at all. Returns what failed, or undefined.
 */
export function planFailure(plan: unknown): string | undefined {
  if (plan === null || typeof plan !== 'object') return undefined;
  const p = plan as { changes?: unknown; error?: { code?: string; message?: string } | null };
  if ('error' in p && !('changes' in p)) return p.error ? `the dry run failed: ${p.error.code ?? 'ERROR'}: ${p.error.message ?? ''}` : 'the dry run failed';
  const failed = failedChanges(plan);
  if (!failed.length) return undefined;
  const shown = failed.slice(0, 5).map((c) => `${c.target}${c.detail ? `: ${c.detail}` : ''}`);
  return `${failed.length} change(s) would fail: ${shown.join('; ')}${failed.length > 5 ? `; and ${failed.length - 5} more` : ''}`;
}

/** The plan's `fail` changes. */
export function failedChanges(plan: unknown): { target: string; detail?: string }[] {
  const changes = (plan as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes)) return [];
  return changes.filter((c): c is { action: 'fail'; target: string; detail?: string } => !!c && typeof c === 'object' && (c as { action?: unknown }).action === 'fail');
}
