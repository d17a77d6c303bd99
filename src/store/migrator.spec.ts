import { describe, expect, it } from '@jest/globals';
import { StewardError } from '../common/errors.js';
import { MIGRATIONS } from './migrations.js';
import { validateMigrations } from './migrator.js';
import type { Migration } from './store.types.js';

const m = (id: number, name = `m${id}`, sql = 'SELECT 1'): Migration => ({ id, name, sql });

function reason(list: Migration[]): string {
  try {
    validateMigrations(list);
  } catch (e) {
    expect(e).toBeInstanceOf(StewardError);
    expect((e as StewardError).code).toBe('INTERNAL');
    return (e as StewardError).message;
  }
  return 'valid';
}

describe('validateMigrations', () => {
  it('accepts the shipped list: ids strictly increasing from 1', () => {
    expect(reason([...MIGRATIONS])).toBe('valid');
    expect(MIGRATIONS[0]).toMatchObject({ id: 1, name: 'foundation' });
  });

  it('accepts an empty list and gaps', () => {
    expect(reason([])).toBe('valid');
    expect(reason([m(1), m(5), m(6)])).toBe('valid');
  });

  it('refuses duplicates, decreasing ids, bad ids, missing names or SQL', () => {
    expect(reason([m(1), m(1)])).toMatch(/id greater than 1/);
    expect(reason([m(1), m(3), m(2)])).toMatch(/migration #2 \(id 2, "m2"\) must have an id greater than 3/);
    expect(reason([m(0)])).toMatch(/positive integer id/);
    expect(reason([m(1.5)])).toMatch(/positive integer id/);
    expect(reason([m(1, ' ')])).toMatch(/has no name/);
    expect(reason([m(1, 'x', '  ')])).toMatch(/has no SQL/);
  });
});
