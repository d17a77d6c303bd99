import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { REDACTED, Redactor } from './redactor.js';

class Lines extends Writable {
  lines: Record<string, any>[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(l) as Record<string, any>);
    cb();
  }
}

describe('createLogger', () => {
  const setup = () => {
    const out = new Lines();
    const logger = createLogger({ logging: { level: 'info', format: 'json' }, redactor: new Redactor(['sk-live-abcdef123456']), destination: out, isTty: false });
    return { out, logger };
  };

  it('a logged error keeps its message, code and stack, with secrets redacted', () => {
    const { out, logger } = setup();
    const err = Object.assign(new Error('provider said: bad key sk-live-abcdef123456'), { code: 'E_PROVIDER' });
    logger.error({ err }, 'request failed');
    const line = out.lines[0]!;
    expect(line.err.message).toBe(`provider said: bad key ${REDACTED}`);
    expect(line.err.code).toBe('E_PROVIDER');
    expect(line.err.type).toBe('Error');
    expect(line.err.stack).toContain('logger.spec');
    expect(JSON.stringify(line)).not.toContain('sk-live-abcdef123456');
  });

  it('an error given as the only argument, one nested in a cause, and a thrown non-error are readable too', () => {
    const { out, logger } = setup();
    logger.error(new Error('plain boom'));
    logger.warn({ err: new Error('outer', { cause: new Error('inner sk-live-abcdef123456') }) }, 'wrapped');
    logger.warn({ err: 'a string was thrown' }, 'odd');
    expect(out.lines[0]!.err?.message ?? out.lines[0]!.msg).toBe('plain boom');
    expect(out.lines[1]!.err.message).toBe('outer');
    expect(out.lines[1]!.err.cause.message).toBe(`inner ${REDACTED}`);
    expect(out.lines[2]!.err.message).toBe('a string was thrown');
    expect(JSON.stringify(out.lines)).not.toContain('[object Object]');
  });

  it("an error logged alone: its message becomes the line's msg redacted (pino would copy it verbatim); an AggregateError lists its errors", () => {
    const { out, logger } = setup();
    logger.error(Object.assign(new Error('bad key sk-live-abcdef123456'), { code: 'E_KEY' }));
    logger.error(new AggregateError([new Error('first sk-live-abcdef123456'), new Error('second')], 'both failed'));
    expect(out.lines[0]).toMatchObject({ msg: `bad key ${REDACTED}`, err: { message: `bad key ${REDACTED}`, code: 'E_KEY' } });
    expect(out.lines[1]).toMatchObject({ msg: 'both failed', err: { type: 'AggregateError', errors: [{ message: `first ${REDACTED}` }, { message: 'second' }] } });
    expect(JSON.stringify(out.lines)).not.toContain('sk-live-abcdef123456');
  });
});
