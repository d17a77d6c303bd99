/** The harness the Sisense plugin specs share: simulated tenants, a test host bound to them, and result readers. */
import { expect } from '@jest/globals';
import { createTestHost, type TestHost } from '../../src/plugins/test-host.js';
import type { ToolResult } from '../../src/plugins/tool.result.js';
import { startSisenseSim, type SisenseSim } from '../../test/sisense-sim/sisense-sim.js';
import type { MigrationOutput } from './modules/migration/migration.types.js';

/** Invocation roles for a tool that works on one tenant, registered as environment `src`. */
export const target = { environments: { target: 'src' } };
/** Invocation roles for a migration from `src` to `dst`. */
export const roles = { environments: { source: 'src', target: 'dst' } };
/** Retry options that keep failing tests quick. */
export const fast = { maxRetries: 1, retryBaseMs: 5, retryMaxMs: 10 };

/** The execute output of a tool result, or a thrown error showing the result. */
/* eslint-disable @typescript-eslint/no-explicit-any -- specs read outputs loosely, as the specs' own readers did */
export function outputOf(r: ToolResult): Record<string, any> {
  if (!r.ok || r.mode !== 'execute') throw new Error(`expected an output, got ${JSON.stringify(r).slice(0, 1500)}`);
  return r.output as Record<string, any>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A dry run of `tool`, checked to have written nothing to `sim`; returns its plan. */
export async function planOf(host: TestHost, sim: SisenseSim, tool: string, input: object, roles: object = target) {
  const before = sim.snapshot();
  const r = await host.invoker.invoke(tool, input, { ...roles, mode: 'plan' });
  expect(sim.snapshot()).toBe(before);
  if (!r.ok || r.mode !== 'plan' || !r.plan) throw new Error(`expected a plan, got ${JSON.stringify(r)}`);
  return r.plan;
}

/** A test host with one Sisense environment `src` on `sim`. */
export function hostOn(sim: SisenseSim, options?: Record<string, unknown>, settings?: Record<string, unknown>, token = sim.token) {
  return createTestHost({
    environments: { src: { kind: 'sisense', url: sim.url, token, ...(options ? { options } : {}) } },
    ...(settings ? { config: { sisense: { settings } } } : {}),
  });
}

/** Two simulated tenants: `src` seeded as the source deployment, `dst` as the target. */
export const startTenants = () => Promise.all([startSisenseSim({ seed: 'source' }), startSisenseSim({ seed: 'target' })]);

/** A test host with two Sisense environments, `src` and `dst`, using the fast retry options. */
export function hostOnTenants(src: SisenseSim, dst: SisenseSim, extra: { settings?: Record<string, unknown>; dstTimeoutMs?: number } = {}) {
  return createTestHost({
    environments: {
      src: { kind: 'sisense', url: src.url, token: src.token, options: fast },
      dst: { kind: 'sisense', url: dst.url, token: dst.token, ...(extra.dstTimeoutMs ? { timeoutMs: extra.dstTimeoutMs } : {}), options: fast },
    },
    ...(extra.settings ? { config: { sisense: { settings: extra.settings } } } : {}),
  });
}

/** A migration's output: the execute output, or the detail of a MIGRATION_PARTIAL error. */
export function migrationOutputOf(r: ToolResult): MigrationOutput {
  if (r.ok && r.mode === 'execute') return r.output as MigrationOutput;
  if (!r.ok && r.error.code === 'MIGRATION_PARTIAL') return r.error.detail as MigrationOutput;
  throw new Error(`unexpected result: ${JSON.stringify(r).slice(0, 2000)}`);
}
