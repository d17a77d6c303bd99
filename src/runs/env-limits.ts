import pLimit, { type LimitFunction } from 'p-limit';
import type { EnvironmentConfig, RunsConfig } from '../config/config.types.js';
import type { Effect } from '../plugins/plugin-api.js';

/**
 * Per-environment caps on tool calls in flight, shared by every run of this daemon: `read` calls (read effect) and
 * `write` calls (write and destructive) each have their own limit, from environments.<name>.concurrency or
 * runs.defaultConcurrency. A call touching several environments (a migration: source and target) holds a slot in each,
 * taken in name order so two such calls cannot deadlock.
 */
export class EnvLimits {
  private readonly limits = new Map<string, LimitFunction>();

  constructor(
    private readonly environments: Record<string, EnvironmentConfig>,
    private readonly defaults: RunsConfig['defaultConcurrency'],
  ) {}

  run<T>(bound: Record<string, string>, effect: Effect, fn: () => Promise<T>): Promise<T> {
    const cls = effect === 'read' ? 'read' : 'write';
    const names = [...new Set(Object.values(bound))].sort();
    const wrap = (i: number): Promise<T> => (i >= names.length ? fn() : this.limit(names[i], cls)(() => wrap(i + 1)));
    return wrap(0);
  }

  private limit(env: string, cls: 'read' | 'write'): LimitFunction {
    const key = `${env}\u0000${cls}`;
    let l = this.limits.get(key);
    if (!l) {
      l = pLimit(this.environments[env]?.concurrency?.[cls] ?? this.defaults[cls]);
      this.limits.set(key, l);
    }
    return l;
  }
}
