// `npm run test:vscode`: the extension's mocha suite inside the real extension host of the VS Code
// server (code-server 4.100.3's VS Code 1.100.3), then the UI-level test in the same workbench.
// Exit code 0 only when both pass.
import * as fs from 'node:fs';
import { runSuiteInWorkbench } from './run-in-browser-workbench.mjs';
import { assertBuilt, freshWorkspace, PACKAGE_ROOT, TESTS_PATH } from './test-workspace.mjs';
import { runUiTest } from './ui-test.mjs';

assertBuilt();
const only = process.argv[2]; // 'suite' | 'ui' | undefined (both)
let failed = false;

if (only !== 'ui') {
  const folder = freshWorkspace('suite');
  console.log(`\n== extension test suite (workspace ${folder})`);
  const code = await runSuiteInWorkbench({ extensionPath: PACKAGE_ROOT, testsPath: TESTS_PATH, folder });
  console.log(`== extension test suite: ${code === 0 ? 'passed' : `FAILED (exit ${code}); workspace kept in ${folder}`}`);
  if (code === 0) fs.rmSync(folder, { recursive: true, force: true });
  failed ||= code !== 0;
}

if (only !== 'suite') {
  console.log('\n== UI test: Problems panel and quick fix from the keyboard');
  try {
    const screenshot = await runUiTest();
    console.log(`== UI test: passed (screenshot ${screenshot})`);
  } catch (err) {
    console.log(`== UI test: FAILED: ${err?.stack ?? err}`);
    failed = true;
  }
}

process.exit(failed ? 1 : 0);
