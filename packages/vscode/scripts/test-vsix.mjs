// `npm run test:vsix`: packages the extension, installs the .vsix into the VS Code server as a user
// would, and runs the UI-level test against the installed copy (catches files missing from the
// package, a wrong `main`, templates not shipped...).
import * as path from 'node:path';
import { PACKAGE_ROOT } from './test-workspace.mjs';
import { runUiTest } from './ui-test.mjs';

try {
  const screenshot = await runUiTest({ vsix: path.join(PACKAGE_ROOT, 'eos-vscode.vsix') });
  console.log(`== packaged extension: UI test passed (screenshot ${screenshot})`);
} catch (err) {
  console.log(`== packaged extension: UI test FAILED: ${err?.stack ?? err}`);
  process.exit(1);
}
