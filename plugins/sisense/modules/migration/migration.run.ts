import { ToolError, type Plan, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { MigrationReport, planOf } from './migration.report.js';
import { withSession, type ReadReuse, type Session } from './migration.session.js';
import type { MigrationOutput } from './migration.types.js';
import type { Prepared } from './phase.js';

/** Errors that say the migration as asked cannot happen (an unknown or ambiguous reference), as opposed to a failed read. */
const refusal = (e: unknown) => ToolError.is(e) && !e.code.startsWith('SISENSE_') && e.code !== 'SAME_ENVIRONMENT';

/**
 * A migration's dry run: reads both environments, writes nothing; a refused reference becomes one `fail` change.
 * With `reuse`, its reads are kept for the run that follows (migration.session.ts).
 */
export async function planMigration(deps: SisenseDeps, ctx: ToolContext, what: string, concurrency: number | undefined, prepare: (s: Session) => Promise<Prepared>, reuse?: string): Promise<Plan> {
  try {
    return await withSession(
      deps,
      ctx,
      concurrency,
      async (s) => {
        const p = await prepare(s);
        return planOf(what, p.items, p.extra, p.excludable);
      },
      reuse === undefined ? undefined : { key: reuse, mode: 'plan' },
    );
  } catch (e) {
    if (!refusal(e)) throw e;
    const err = e as ToolError;
    return { summary: `${what} would fail: ${err.message}`, changes: [{ action: 'fail', target: what, detail: `${err.code}: ${err.message}` }] };
  }
}

/**
 * A one-phase migration: prepare (from the plan's reads when `reuse` names them), run, report. An asset the target
 * lacks something for fails on its own with the reason; the others are migrated.
 */
export function runMigration(deps: SisenseDeps, ctx: ToolContext, concurrency: number | undefined, prepare: (s: Session) => Promise<Prepared>, reuse?: string): Promise<MigrationOutput> {
  const reads: ReadReuse | undefined = reuse === undefined ? undefined : { key: reuse, mode: 'run' };
  return withSession(
    deps,
    ctx,
    concurrency,
    async (s) => {
      const p = await prepare(s);
      const report = new MigrationReport(ctx, p.items.length);
      await p.execute(report);
      return report.finish();
    },
    reads,
  );
}
