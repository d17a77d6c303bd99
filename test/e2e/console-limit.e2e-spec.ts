import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { configYaml, startTestDaemon, TOKENS, type TestDaemon } from '../helpers/daemon.js';

describe('web console sign-in: failed attempts are limited per address', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon(configYaml());
  });
  afterAll(() => d.close());

  it('ten failures, then 429 RATE_LIMITED with Retry-After (even for a good token); successes never count', async () => {
    // Sign-ins that succeed do not use up the allowance.
    for (let i = 0; i < 12; i++) await request(d.url).post('/console/session').send({ token: TOKENS.viewer }).expect(201);
    for (let i = 0; i < 10; i++) {
      const bad = await request(d.url).post('/console/session').send({ token: `wrong-token-${i}-aaaaaaaaaaaaaaaa` });
      expect(bad.status).toBe(401);
    }
    const limited = await request(d.url).post('/console/session').send({ token: TOKENS.operator }).expect(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Only sign-in is limited: the API still answers the bearer token, and the session check is not a sign-in.
    await request(d.url).get('/whoami').set('Authorization', `Bearer ${TOKENS.operator}`).expect(200);
    await request(d.url).get('/console/session').expect(401);
  });
});
