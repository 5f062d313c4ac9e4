import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compileContains,
  compileLike,
  hasUnescapedPercent,
  matchLike,
  unescapePattern,
} from './like.ts';

/** A RegExp reading of the same pattern language, used as the oracle. */
function oracle(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] ?? '';
    const next = pattern[i + 1];
    if (c === '\\' && (next === '%' || next === '_' || next === '\\')) {
      source += next === '\\' ? '\\\\' : next;
      i += 1;
    } else if (c === '%') source += '[^]*';
    else if (c === '_') source += '.';
    else source += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu');
}

describe('LIKE', () => {
  it('tells LIKE from equality by an unescaped %', () => {
    expect(hasUnescapedPercent('a%')).toBe(true);
    expect(hasUnescapedPercent('a\\%')).toBe(false);
    expect(hasUnescapedPercent('a\\\\%')).toBe(true);
    expect(hasUnescapedPercent('a_b')).toBe(false);
    expect(unescapePattern('50\\% \\_ \\\\ \\x')).toBe('50% _ \\ \\x');
  });

  it('searches inside with compileContains, a trailing backslash staying literal', () => {
    expect(matchLike(compileContains('a\\'), 'xa\\y')).toBe(true);
    expect(matchLike(compileContains('a\\'), 'xa%')).toBe(false);
    expect(matchLike(compileContains(''), '')).toBe(true);
  });

  it('agrees with a RegExp reading of the pattern (ASCII and non-ASCII text)', () => {
    const unit = fc.constantFrom('a', 'b', 'A', '%', '_', '\\', 'é', 'É', '😀', '\n', '.', '*');
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'A', 'B', '%', '_', '\\', 'é', 'É', '😀', '\n', '.', '*'),
      maxLength: 10,
    });
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), text, (pattern, value) => {
        expect(matchLike(compileLike(pattern), value)).toBe(oracle(pattern).test(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('stays fast on patterns that make backtracking regexps explode', () => {
    const pattern = compileLike(`${'%a'.repeat(30)}%b`);
    const started = performance.now();
    expect(matchLike(pattern, 'a'.repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
