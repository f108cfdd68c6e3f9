// The same mocha suite under @vscode/test-electron, for machines with a desktop VS Code:
//   node scripts/test-in-electron.mjs --vscode /path/to/code     (or VSCODE_EXECUTABLE_PATH=...)
// Without a path, @vscode/test-electron downloads VS Code 1.100.3 (needs internet).
import { runTests } from '@vscode/test-electron';
import { assertBuilt, freshWorkspace, PACKAGE_ROOT, TESTS_PATH } from './test-workspace.mjs';

assertBuilt();
const flag = process.argv.indexOf('--vscode');
const vscodeExecutablePath = flag !== -1 ? process.argv[flag + 1] : process.env.VSCODE_EXECUTABLE_PATH;
const workspace = freshWorkspace('electron');

try {
  await runTests({
    ...(vscodeExecutablePath ? { vscodeExecutablePath } : { version: '1.100.3' }),
    extensionDevelopmentPath: PACKAGE_ROOT,
    extensionTestsPath: TESTS_PATH,
    // Only eos and the built-in extensions; trust the throwaway workspace (Restricted Mode would
    // hide the workspace configuration the suite relies on).
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (err) {
  console.error(`extension tests failed: ${err?.message ?? err}`);
  process.exit(1);
}
