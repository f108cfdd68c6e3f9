// A fresh copy of test-fixtures/workspace per run: the suite writes files and settings into it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TESTS_PATH = path.join(PACKAGE_ROOT, 'out', 'test', 'suite');

export function freshWorkspace(label = 'ws') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eos-vscode-${label}-`));
  fs.cpSync(path.join(PACKAGE_ROOT, 'test-fixtures', 'workspace'), dir, { recursive: true });
  // The repository's packages (amqplib, pg and their types), so the workbench's TypeScript sees
  // the imports resolve as in a real project; eos itself never reads node_modules.
  fs.symlinkSync(path.resolve(PACKAGE_ROOT, '..', '..', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return fs.realpathSync(dir);
}

export function assertBuilt() {
  for (const f of ['out/extension.js', 'out/server.js', 'out/test/suite/index.js']) {
    if (!fs.existsSync(path.join(PACKAGE_ROOT, f))) throw new Error(`${f} is missing: run \`npm run build -w packages/vscode\` first`);
  }
}
