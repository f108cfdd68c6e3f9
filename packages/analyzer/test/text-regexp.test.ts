import { describe, expect, it } from 'vitest';
import { escapeRegExp } from '../src/text/regexp';

describe('escapeRegExp', () => {
  it('makes a pattern that matches exactly the text, metacharacters included', () => {
    // '*' reached a name lookup of the effect summaries on a real repository and, escaped with the
    // global escape() (URL escaping), threw "Nothing to repeat": an internal error of dual-write.
    for (const text of ['*', 'a.b', '$ref', '(x)', '[y]', 'a|b', 'c++', '^z$', '{n}', 'p/q', 'back\\slash', '@scope/pkg']) {
      const pattern = new RegExp(`^${escapeRegExp(text)}$`);
      expect(pattern.test(text), text).toBe(true);
      expect(pattern.test(`${text}x`), text).toBe(false);
    }
    expect(new RegExp(escapeRegExp('a.b')).test('axb')).toBe(false);
  });
});
