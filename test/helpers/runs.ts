import request from 'supertest';
import { bearer, type TOKENS } from './daemon.js';

/** Polls GET /runs/{id} until the run is in one of `states`; returns the run (with its steps). A thread's run: as its owner. */
export async function waitForRun(d: { url: string }, id: string, states: string[], timeoutMs = 15000, as: keyof typeof TOKENS = 'viewer'): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await request(d.url).get(`/runs/${id}`).set('Authorization', bearer(as)).expect(200);
    if (states.includes(r.body.state)) return r.body;
    if (Date.now() > until) throw new Error(`run ${id} is ${r.body.state}, expected ${states.join('|')}`);
    await new Promise((r2) => setTimeout(r2, 25));
  }
}
