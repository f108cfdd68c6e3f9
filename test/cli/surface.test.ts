/**
 * The public CLI surface (commands, flags, arguments) is pinned here, so that changing it is a
 * deliberate edit of this file, reviewed with the README, and never an accident.
 */
import { describe, expect, it } from 'vitest';
import Audit from '../../packages/cli/src/commands/audit';
import Rules from '../../packages/cli/src/commands/rules';

type FlagLike = { type: string; char?: string; options?: readonly string[]; default?: unknown; allowNo?: boolean; multiple?: boolean };

function surface(command: { flags?: Record<string, unknown>; args?: Record<string, unknown>; strict?: boolean }) {
  const flags = Object.fromEntries(
    Object.entries((command.flags ?? {}) as Record<string, FlagLike>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, f]) => [
        name,
        {
          type: f.type,
          ...(f.char ? { char: f.char } : {}),
          ...(f.options ? { options: [...f.options] } : {}),
          ...(f.default !== undefined ? { default: f.default } : {}),
          ...(f.allowNo ? { allowNo: true } : {}),
        },
      ]),
  );
  return { flags, args: Object.keys(command.args ?? {}), variadic: command.strict === false };
}

describe('public CLI surface', () => {
  it('eos audit', () => {
    expect(surface(Audit)).toEqual({
      args: ['paths'],
      variadic: true,
      flags: {
        cache: { type: 'boolean' },
        'cache-location': { type: 'option' },
        config: { type: 'option', char: 'c' },
        'dry-run': { type: 'boolean' },
        'fail-on': { type: 'option', options: ['error', 'warning', 'info'], default: 'warning' },
        fix: { type: 'boolean' },
        'fix-unsafe': { type: 'boolean' },
        format: { type: 'option', char: 'f', options: ['stylish', 'json', 'sarif', 'github'], default: 'stylish' },
        gitignore: { type: 'boolean', default: true, allowNo: true },
        'include-tests': { type: 'boolean' },
        output: { type: 'option', char: 'o' },
        // Hidden: for checking on real code that the pre-filter loses nothing (README, Performance).
        prefilter: { type: 'boolean', default: true, allowNo: true },
        shard: { type: 'option' },
        types: { type: 'boolean' },
      },
    });
  });

  it('eos rules', () => {
    expect(surface(Rules)).toEqual({
      args: [],
      variadic: false,
      flags: {
        config: { type: 'option', char: 'c' },
        json: { type: 'boolean' },
      },
    });
  });

  it('every command documents itself: summary, description and examples', () => {
    for (const command of [Audit, Rules]) {
      expect(command.summary?.length ?? 0).toBeGreaterThan(10);
      expect(command.description?.length ?? 0).toBeGreaterThan(40);
      expect(command.examples?.length ?? 0).toBeGreaterThan(1);
      for (const flag of Object.values(command.flags ?? {})) expect((flag as { description?: string }).description?.length ?? 0).toBeGreaterThan(10);
    }
  });

});
