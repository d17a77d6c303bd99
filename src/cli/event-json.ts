import { planView } from '../plans/plan-view.js';
import type { RunEvent, RunEventMap } from '../runs/run.types.js';
import { jsonLine } from './progress.js';

/** With --json --follow: an event as one JSON line; a step's plan also as the structure people read (planView). */
export function eventJson(e: RunEvent): string {
  if (e.type !== 'step.plan') return jsonLine(e);
  const data = e.data as RunEventMap['step.plan'];
  return jsonLine({ ...e, data: { ...data, planView: planView(data.plan) } });
}
