import { createHash } from 'node:crypto';
import { Expression, ExpressionError } from '../playbooks/expression.js';
import type { ValueTemplate } from '../playbooks/value-template.js';
import type { CheckStep } from '../playbooks/playbook.types.js';
import type { RunContext, Scope, StepScopeEntry } from './run-context.js';
import type { RunnerDeps } from './runner.js';

/**
 * A check step: its assertions evaluated (once per item with `foreach`), each failing one a finding with a stable
 * fingerprint (check, environment, asset or message), stored with the step's result in one transaction.
 */
export async function runCheckStep(ctx: RunContext, deps: Pick<RunnerDeps, 'repo'>, step: CheckStep, scope: Scope, key: string): Promise<StepScopeEntry> {
  const items = step.foreach ? listOf(step.foreach, scope, key) : [undefined];
  const environment = Object.values(ctx.run.environments).sort().join(',') || null;
  const findings: { check: string; severity: string; asset: string | null; message: string; fingerprint: string; environment: string | null }[] = [];
  let passed = 0;
  for (const item of items) {
    const s = step.foreach ? { ...scope, [step.as]: item } : scope;
    for (const a of step.assert) {
      if (a.that.test(s)) {
        passed++;
        continue;
      }
      const check = a.check?.renderText(s).trim() || `${ctx.playbook?.id ?? 'ad-hoc'}/${a.id}`;
      const asset = a.asset ? a.asset.renderText(s) : null;
      const message = a.message.renderText(s);
      const fingerprint = createHash('sha256').update(JSON.stringify([check, environment, asset ?? message])).digest('hex').slice(0, 32);
      findings.push({ check, severity: a.severity, asset, message, fingerprint, environment });
    }
  }
  const output = { findings, passed, failed: findings.length };
  await ctx.tx(async (db, append) => {
    for (const f of findings) {
      await db.query(
        `INSERT INTO findings (run_id, step_key, fingerprint, check_id, severity, environment, asset, message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id, fingerprint) DO NOTHING`,
        [ctx.run.id, key, f.fingerprint, f.check, f.severity, f.environment, f.asset, f.message],
      );
      await append('finding', { check: f.check, severity: f.severity, asset: f.asset, message: f.message, fingerprint: f.fingerprint }, key);
    }
    await deps.repo.upsertStep(db, ctx.run.id, key, { step_id: step.id, kind: 'check', state: 'succeeded', output, started: true, finished: true });
    await append('step.succeeded', { stepId: step.id, output: { passed, failed: findings.length }, durationMs: 0 }, key);
  });
  return { output, status: 'succeeded', error: null };
}

/** The list a foreach or check iterates: an expression's value, or a literal list whose strings may be templates. */
export function listOf(source: Expression | ValueTemplate, scope: Scope, key: string): unknown[] {
  return toList(source instanceof Expression ? source.evaluate(scope) : source.render(scope), key);
}

function toList(v: unknown, key: string): unknown[] {
  if (!Array.isArray(v)) throw new ExpressionError(`step ${key}: foreach needs a list, got ${v === null ? 'null' : typeof v}`, '');
  return v;
}
