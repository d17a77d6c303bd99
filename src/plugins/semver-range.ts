/**
 * Just enough semver to check a manifest's `host` range against Steward's version (no dependency for it): ranges
 * are `||`-separated sets of space-separated comparators — `1.2.3`, `=1.2.3`, `>1.2`, `>=1.2.3`, `<2`, `<=1.x`,
 * `^0.1.0`, `~1.4`, `*`. Pre-release tags are compared as lower than the release and otherwise ignored.
 */

type Triple = [number, number, number];
type Comparator = { op: '>' | '>=' | '<' | '<=' | '='; v: Triple };

export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL = /^(=|>=|<=|>|<|\^|~)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?$/;

/** True when `version` satisfies `range`; throws a TypeError naming the part of the range it cannot read. */
export function satisfies(version: string, range: string): boolean {
  const m = SEMVER.exec(version);
  if (!m) throw new TypeError(`"${version}" is not a semver version`);
  const v: Triple = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pre = m[4] !== undefined;
  return parseRange(range).some((set) => set.every((c) => test(v, pre, c)));
}

export function parseRange(range: string): Comparator[][] {
  return range.split('||').map((set) => {
    const parts = set.trim().split(/\s+/).filter(Boolean);
    return parts.length === 0 ? [] : parts.flatMap(comparators);
  });
}

function comparators(part: string): Comparator[] {
  const m = PARTIAL.exec(part);
  if (!m) throw new TypeError(`"${part}" is not a semver comparator`);
  const op = m[1] ?? '=';
  const nums = [m[2], m[3], m[4]].map((s) => (s === undefined || /[xX*]/.test(s) ? undefined : Number(s)));
  const given = nums.findIndex((n) => n === undefined);
  const len = given === -1 ? 3 : given; // how many leading numbers were given
  const base: Triple = [nums[0] ?? 0, len > 1 ? (nums[1] ?? 0) : 0, len > 2 ? (nums[2] ?? 0) : 0];
  const bump = (i: number): Triple => (i === 0 ? [base[0] + 1, 0, 0] : i === 1 ? [base[0], base[1] + 1, 0] : [base[0], base[1], base[2] + 1]);
  if (len === 0) return op === '<' || op === '>' ? [{ op: '<', v: [0, 0, 0] }] : [];
  switch (op) {
    case '^': {
      const first = base.findIndex((n) => n !== 0);
      const upTo = len < 3 && (first === -1 || first >= len) ? len - 1 : first === -1 ? 2 : first;
      return [{ op: '>=', v: base }, { op: '<', v: bump(upTo) }];
    }
    case '~':
      return [{ op: '>=', v: base }, { op: '<', v: bump(len === 1 ? 0 : 1) }];
    case '=':
      return len === 3 ? [{ op: '=', v: base }] : [{ op: '>=', v: base }, { op: '<', v: bump(len - 1) }];
    case '>':
      return len === 3 ? [{ op: '>', v: base }] : [{ op: '>=', v: bump(len - 1) }];
    case '<=':
      return len === 3 ? [{ op: '<=', v: base }] : [{ op: '<', v: bump(len - 1) }];
    default:
      return [{ op: op as Comparator['op'], v: base }];
  }
}

function test(v: Triple, pre: boolean, c: Comparator): boolean {
  let cmp = v[0] - c.v[0] || v[1] - c.v[1] || v[2] - c.v[2];
  if (cmp === 0 && pre) cmp = -1;
  return c.op === '=' ? cmp === 0 : c.op === '>' ? cmp > 0 : c.op === '>=' ? cmp >= 0 : c.op === '<' ? cmp < 0 : cmp <= 0;
}
