import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { hasRole, MinRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { STORE } from '../http/tokens.js';
import type { Store } from '../store/store.types.js';
import { RunEventsService } from './run-events.service.js';
import { isTerminal, type RunEvent, type RunRow } from './run.types.js';
import { mayReadRun, readableRun } from './run.views.js';
import { RunsService } from './runs.service.js';

const CURSOR = /^(0|[1-9][0-9]{0,15})$/;

const frames = new WeakMap<RunEvent, string>();
/** One SSE frame per event, built once however many subscribers it goes to. */
function frame(e: RunEvent): string {
  let f = frames.get(e);
  if (f === undefined) {
    f = `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    frames.set(e, f);
  }
  return f;
}

function openStream(res: Response, heartbeatMs: number, onClose: () => void) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(`retry: 3000\n\n`);
  const beat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
  res.on('close', () => {
    clearInterval(beat);
    onClose();
  });
  return {
    send: (e: RunEvent) => res.write(frame(e)),
    note: (type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
    end: () => res.end(),
  };
}

/** Server-Sent Events: one run's events (replay after a cursor, then live, ending with the run), or every run's. */
@ApiTags('runs')
@ApiBearerAuth()
@Controller()
export class RunEventsController {
  constructor(
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(RunEventsService) private readonly events: RunEventsService,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: StewardConfig,
  ) {}

  @Get('runs/:id/events')
  @MinRole('viewer')
  @ApiOperation({ summary: 'SSE: the run\'s events after Last-Event-ID (or ?after=), then live; ends after run.finished.' })
  async runEvents(@Param('id') id: string, @Query('after') after: string | undefined, @Req() req: Request, @Res() res: Response, @CurrentPrincipal() who: Principal): Promise<void> {
    const header = req.headers['last-event-id'];
    const raw = typeof header === 'string' && header !== '' ? header : (after ?? '0');
    if (!CURSOR.test(raw)) throw new StewardError('CURSOR_INVALID', `event cursor ${JSON.stringify(raw.slice(0, 40))} is not a non-negative integer (Last-Event-ID or ?after=)`);
    let cursor = Number(raw);
    const run = readableRun(await this.runs.get(id), who);
    const buffered: RunEvent[] = [];
    let live = false;
    let finished = false;
    const stream = openStream(res, this.config.runs.sseHeartbeatMs, () => unsubscribe());
    const deliver = (e: RunEvent) => {
      if (finished || e.seq <= cursor) return;
      cursor = e.seq;
      stream.send(e);
      if (e.type === 'run.finished') {
        finished = true;
        stream.end();
      }
    };
    const unsubscribe = this.events.subscribe((e) => (live ? deliver(e) : buffered.push(e)), id);

    const latest = Number(run.last_event_id);
    if (cursor > latest) {
      stream.note('cursor.invalid', { requested: cursor, latest, message: `event ${cursor} does not exist yet; streaming from ${latest}` });
      cursor = latest;
    }
    const first = await this.events.firstSeq(this.store, id);
    if (first !== undefined && cursor + 1 < first) {
      stream.note('cursor.gone', { requested: cursor, earliest: first, message: `events before ${first} are no longer stored; replaying from ${first}` });
    }
    for (;;) {
      const page = await this.events.after(this.store, id, cursor, 500);
      for (const e of page) deliver(e);
      if (page.length < 500 || finished) break;
    }
    live = true;
    for (const e of buffered.splice(0)) deliver(e);
    if (!finished && isTerminal((await this.runs.get(id)).state)) {
      for (const e of await this.events.after(this.store, id, cursor)) deliver(e);
      if (!finished) stream.end();
    }
  }

  @Get('events')
  @MinRole('viewer')
  @ApiOperation({ summary: 'SSE: live events of every run; filters runId, type (prefix, e.g. approval.).' })
  async allEvents(@Query('runId') runId: string | undefined, @Query('type') type: string | undefined, @Res() res: Response, @CurrentPrincipal() who: Principal): Promise<void> {
    if (runId !== undefined && !/^run_[0-9a-z]+$/.test(runId)) throw new StewardError('VALIDATION_FAILED', 'runId must look like run_<id>');
    if (type !== undefined && !/^[a-z.]{1,40}$/.test(type)) throw new StewardError('VALIDATION_FAILED', 'type must be an event type or prefix such as approval.');
    const stream = openStream(res, this.config.runs.sseHeartbeatMs, () => unsubscribe());
    const visible = this.visibility(who);
    const unsubscribe = this.events.subscribe((e) => {
      if (type && !e.type.startsWith(type)) return;
      visible(e, () => stream.send(e));
    }, runId);
  }

  /**
   * For one stream: delivers an event only when `who` may read its run (a thread's run is its owner's), in order. The
   * first event of a run waits for one lookup; its run's later events queue behind it.
   */
  private visibility(who: Principal): (e: RunEvent, send: () => void) => void {
    if (hasRole(who, 'admin')) return (_e, send) => send();
    const known = new Map<string, boolean | (() => void)[]>();
    return (e, send) => {
      const k = known.get(e.runId);
      if (k === true) return send();
      if (k === false) return;
      if (k) return void k.push(send);
      const queue = [send];
      if (known.size >= 10_000) known.clear(); // a long-lived stream looks runs up again rather than grow
      known.set(e.runId, queue);
      void this.store
        .query<RunRow>('SELECT id, kind, inputs, requested_by FROM runs WHERE id = $1', [e.runId])
        .then((r) => !!r.rows[0] && mayReadRun(r.rows[0], who))
        .catch(() => false)
        .then((ok) => {
          known.set(e.runId, ok);
          if (ok) for (const f of queue) f();
        });
    };
  }
}
