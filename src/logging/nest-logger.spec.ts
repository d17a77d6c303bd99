import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { NestPinoLogger } from './nest-logger.js';
import { REDACTED, Redactor } from './redactor.js';

class Lines extends Writable {
  lines: Record<string, any>[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(l) as Record<string, any>);
    cb();
  }
}

describe('NestPinoLogger', () => {
  it('an error or an object given as the message is readable (never [object Object]) and redacted', () => {
    const out = new Lines();
    const nest = new NestPinoLogger(createLogger({ logging: { level: 'info', format: 'json' }, redactor: new Redactor(['sk-nest-0123456789']), destination: out, isTty: false }));
    nest.error(Object.assign(new Error('boot failed: sk-nest-0123456789'), { code: 'E_BOOT' }), undefined, 'InstanceLoader');
    nest.warn({ module: 'X', reason: 'slow' }, 'Scanner');
    nest.error('plain text', 'a trace', 'RouterExplorer');
    expect(out.lines[0]).toMatchObject({ context: 'InstanceLoader', msg: `boot failed: ${REDACTED}`, err: { message: `boot failed: ${REDACTED}`, code: 'E_BOOT' } });
    expect(out.lines[1]).toMatchObject({ context: 'Scanner', msg: '{"module":"X","reason":"slow"}' });
    expect(out.lines[2]).toMatchObject({ context: 'RouterExplorer', msg: 'plain text', trace: 'a trace' });
    expect(JSON.stringify(out.lines)).not.toMatch(/\[object Object\]|sk-nest-0123456789/);
  });
});
