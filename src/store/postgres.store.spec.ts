import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { StewardError } from '../common/errors.js';
import { PostgresStore, describeError, redactUrl, secretScrubber } from './postgres.store.js';

describe('redactUrl', () => {
  it.each([
    ['postgres://steward:s3cret@db.example:5432/steward', 'postgres://steward:***@db.example:5432/steward'],
    ['postgresql://u:p%40ss%2Fw@h/db?sslmode=require', 'postgresql://u:***@h/db?sslmode=require'],
    ['postgres://h/db?user=u&password=topsecret', 'postgres://h/db?user=u&password=***'],
    ['postgres://steward@h/db', 'postgres://steward@h/db'],
    ['postgres://h:5432/db', 'postgres://h:5432/db'],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('blanks the password of a string that is not a WHATWG URL too', () => {
    expect(redactUrl('postgres://u:pw@[bad/db')).toBe('postgres://u:***@[bad/db');
  });
});

describe('secretScrubber', () => {
  it('removes the raw and the decoded password from text', () => {
    const scrub = secretScrubber('postgres://u:p%40ss@h/db?password=other');
    expect(scrub('a p%40ss b p@ss c other')).toBe('a *** b *** c ***');
  });
  it('leaves text alone when the URL has no password', () => {
    expect(secretScrubber('postgres://u@h/db')('nothing to hide')).toBe('nothing to hide');
  });
});

describe('describeError', () => {
  it('uses the message, then inner errors of an AggregateError, then the code', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError(new AggregateError([new Error('a'), new Error('b')], ''))).toBe('a; b');
    expect(describeError(Object.assign(new Error(''), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(describeError('plain')).toBe('plain');
  });
});

describe('PostgresStore.open backoff', () => {
  /** A port that accepts TCP and closes at once: every attempt fails fast. */
  async function slamDoorPort(): Promise<{ port: number; close: () => Promise<void> }> {
    const srv = net.createServer((sock) => sock.destroy());
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const addr = srv.address() as net.AddressInfo;
    return { port: addr.port, close: () => new Promise((resolve) => srv.close(() => resolve())) };
  }

  it('waits initialDelayMs, doubling up to maxDelayMs, between 1 + retries attempts', async () => {
    const { port, close } = await slamDoorPort();
    const waits: number[] = [];
    try {
      const err = await PostgresStore.open(`postgres://u:pw@127.0.0.1:${port}/db`, {
        poolSize: 1,
        connect: { retries: 5, initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 1000 },
        logger: pino({ level: 'silent' }),
        sleep: async (ms) => {
          waits.push(ms);
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StewardError);
      expect((err as StewardError).code).toBe('STORE_UNAVAILABLE');
      expect((err as StewardError).message).toMatch(
        new RegExp(`^cannot connect to PostgreSQL at postgres://u:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db after 6 attempts: `),
      );
      expect(waits).toEqual([100, 200, 300, 300, 300]);
    } finally {
      await close();
    }
  });

  it('says "1 attempt" with retries 0 and does not wait', async () => {
    const { port, close } = await slamDoorPort();
    const waits: number[] = [];
    try {
      const err = (await PostgresStore.open(`postgres://u@127.0.0.1:${port}/db`, {
        poolSize: 1,
        connect: { retries: 0, initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 1000 },
        logger: pino({ level: 'silent' }),
        sleep: async (ms) => {
          waits.push(ms);
        },
      }).catch((e: unknown) => e)) as StewardError;
      expect(err.message).toMatch(/ after 1 attempt: /);
      expect(waits).toEqual([]);
    } finally {
      await close();
    }
  });
});
