import { ToolError, type Plan, type ToolContext } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { assertPrerequisites, MigrationReport, planOf } from './migration.report.js';
import { withSession, type Session } from './migration.session.js';
import type { MigrationOutput } from './migration.types.js';
import type { Prepared } from './phase.js';

/** Errors that say the migration as asked cannot happen (an unknown or ambiguous reference), as opposed to a failed read. */
const refusal = (e: unknown) => ToolError.is(e) && !e.code.startsWith('SISENSE_') && e.code !== 'SAME_ENVIRONMENT';

/** A migration's dry run: reads both environments, writes nothing; a refused reference becomes one `fail` change. */
export async function planMigration(deps: SisenseDeps, ctx: ToolContext, what: string, concurrency: number | undefined, prepare: (s: Session) => Promise<Prepared>): Promise<Plan> {
  try {
    return await withSession(deps, ctx, concurrency, async (s) => {
      const p = await prepare(s);
      return planOf(what, p.items, p.extra);
    });
  } catch (e) {
    if (!refusal(e)) throw e;
    const err = e as ToolError;
    return { summary: `${what} would fail: ${err.message}`, changes: [{ action: 'fail', target: what, detail: `${err.code}: ${err.message}` }] };
  }
}

/** A one-phase migration: prepare, refuse before writing when the target lacks something, run, report. */
export function runMigration(deps: SisenseDeps, ctx: ToolContext, concurrency: number | undefined, prepare: (s: Session) => Promise<Prepared>): Promise<MigrationOutput> {
  return withSession(deps, ctx, concurrency, async (s) => {
    const p = await prepare(s);
    assertPrerequisites(p.items);
    const report = new MigrationReport(ctx, p.items.length);
    await p.execute(report);
    return report.finish();
  });
}
