import { describe, expect, it } from '@jest/globals';
import { DeltaStream } from './delta-stream.js';

describe('DeltaStream', () => {
  it('gathers tokens into one write per interval, in order, and flush() waits for every write before it', async () => {
    const written: string[] = [];
    let slow = true;
    const s = new DeltaStream(async (t) => {
      if (slow) await new Promise((r) => setTimeout(r, 20));
      written.push(t);
    }, 10_000);
    s.push('Hel');
    s.push('lo');
    s.push('');
    expect(written).toEqual([]); // nothing until the interval or a flush
    const first = s.flush();
    s.push(', world');
    slow = false;
    await s.flush();
    await first;
    expect(written).toEqual(['Hello', ', world']);
    await s.close();
  });

  it('writes early once maxChars have gathered, and the timer writes the rest', async () => {
    const written: string[] = [];
    const s = new DeltaStream(async (t) => void written.push(t), 30, 5);
    s.push('abcdef');
    s.push('g');
    await new Promise((r) => setTimeout(r, 10));
    expect(written).toEqual(['abcdef']);
    for (let i = 0; i < 200 && written.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(written).toEqual(['abcdef', 'g']);
  });

  it('a failed write (the run ended) drops that text and later writes go on; close() drops what is gathered', async () => {
    const written: string[] = [];
    let fail = true;
    const s = new DeltaStream(async (t) => {
      if (fail) throw new Error('RUN_FINISHED');
      written.push(t);
    }, 10_000);
    s.push('lost');
    await s.flush();
    fail = false;
    s.push('kept');
    await s.flush();
    s.push('dropped');
    await s.close();
    await s.flush();
    expect(written).toEqual(['kept']);
  });
});
