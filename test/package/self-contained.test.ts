/**
 * The product stands on its own: no file of the repository refers to a file outside it (an
 * absolute path of a build machine, notes kept beside the repository) or to a web address that
 * does not exist. Broker facts are cited from docs/brokers.md and the brokers' own docs; a web
 * address for eos's docs exists only once `homepage` is set (see packages/analyzer/src/rule-docs.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fresh-project';

const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\/work\//, 'an absolute path of a build machine'],
  [/\b(DOMAIN|DESIGN|VSCODE-TESTING)\.md\b/, 'notes that are not in this repository (cite docs/brokers.md or the official docs)'],
  [/\.\.\/shared\//, 'a folder beside the repository'],
  [/github\.com\/eos-tools\b/, 'a placeholder web address (eos has no public repository yet)'],
];

describe('the repository refers to nothing outside it', () => {
  it('no tracked text file names a path outside the repository or a placeholder address', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const file of files) {
      if (file === path.posix.join('test', 'package', 'self-contained.test.ts')) continue;
      const full = path.join(REPO_ROOT, file);
      if (!fs.existsSync(full)) continue;
      const buffer = fs.readFileSync(full);
      if (buffer.includes(0)) continue;
      buffer
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const [pattern, why] of FORBIDDEN) if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${why}: ${line.trim().slice(0, 160)}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
