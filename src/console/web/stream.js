// A run's events over Server-Sent Events: everything from the start (or a cursor), then live, each event once, in
// order. EventSource reconnects by itself and sends Last-Event-ID, so the server resumes after the last event seen;
// when the stream fails for good (an HTTP error), this opens a new one with ?after=<last seq>. Ends at run.finished.
// EventSource delivers only the event types it listens to: TYPES is every type of RunEventMap (src/runs/run.types.ts).
import { get } from './api.js';

const TYPES = [
  'run.queued', 'run.started', 'run.state', 'run.plan_ready', 'run.finished',
  'step.started', 'step.progress', 'step.plan', 'step.succeeded', 'step.failed', 'step.skipped', 'step.retry', 'step.unknown', 'step.cancelled',
  'approval.requested', 'approval.decided', 'approval.expired',
  'question.asked', 'question.answered',
  'agent.model', 'agent.proposed', 'agent.result', 'agent.answer', 'agent.delta',
  'finding', 'cursor.invalid', 'cursor.gone',
];

/**
 * followRun(runId, { onEvent(e), onStatus(status) }) → stop(). status: 'connecting' | 'live' | 'reconnecting' | 'ended'.
 * Events reaching onEvent have strictly increasing seq (repeats after a reconnect are dropped).
 */
export function followRun(runId, { onEvent, onStatus = () => {}, after = 0 }) {
  let last = after;
  let es = null;
  let stopped = false;
  let retryTimer = null;
  let reconnects = 0;

  const open = () => {
    if (stopped) return;
    onStatus(reconnects ? 'reconnecting' : 'connecting');
    es = new EventSource(`/runs/${encodeURIComponent(runId)}/events${last ? `?after=${last}` : ''}`);
    es.onopen = () => onStatus('live');
    const handle = (type) => (msg) => {
      let e;
      try {
        e = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (type === 'cursor.invalid' || type === 'cursor.gone') return onEvent({ type, data: e, note: true });
      if (typeof e.seq !== 'number' || e.seq <= last) return;
      last = e.seq;
      onEvent(e);
      if (e.type === 'run.finished') {
        stopped = true;
        es.close();
        onStatus('ended');
      }
    };
    for (const t of TYPES) es.addEventListener(t, handle(t));
    es.onerror = () => {
      if (stopped) return;
      if (es.readyState === EventSource.CONNECTING) {
        reconnects++;
        return onStatus('reconnecting'); // the browser retries by itself, with Last-Event-ID
      }
      // Closed for good (an HTTP error such as 401, or the run's stream ended without run.finished): find out why.
      es.close();
      reconnects++;
      onStatus('reconnecting');
      get('/console/session').then(
        () => {
          retryTimer = setTimeout(open, 2000);
        },
        () => {
          /* 401: the app shows the sign-in page */
        },
      );
    };
  };
  open();
  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      es?.close();
    },
    get lastSeq() {
      return last;
    },
  };
}
