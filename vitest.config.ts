import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (no build needed), except the
// end-to-end suites under test/, which run the built `eos` binary as a user would.
export default defineConfig({
  resolve: {
    alias: {
      // The light entry (compiler-free API, see packages/analyzer/src/light.ts); listed first, as the
      // first matching alias wins and '@eos/analyzer' also matches its subpaths.
      '@eos/analyzer/dist/light': path.resolve(__dirname, 'packages/analyzer/src/light.ts'),
      '@eos/analyzer': path.resolve(__dirname, 'packages/analyzer/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/fixtures/**', 'packages/vscode/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
