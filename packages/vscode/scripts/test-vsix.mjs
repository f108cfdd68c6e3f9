// `npm run test:vsix`: packages the extension, checks that the .vsix carries every template and
// rule doc, installs it into the VS Code server as a user would, and runs the UI-level test against
// the installed copy (catches files missing from the package, a wrong `main`...).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './test-workspace.mjs';
import { runUiTest } from './ui-test.mjs';

// What the scaffold commands and "Show documentation" read must be inside the package.
const vsix = path.join(PACKAGE_ROOT, 'eos-vscode.vsix');
const entries = new Set(execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n'));
const packageDir = (name) => path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
const docs = fs.readdirSync(path.join(packageDir('@eos/analyzer'), 'docs', 'rules')).map((f) => `extension/out/docs/rules/${f}`);
const templatesDir = packageDir('@eos/templates');
const templates = fs.readdirSync(templatesDir).filter((name) => fs.existsSync(path.join(templatesDir, name, 'template.json'))).map((name) => `extension/out/templates/${name}/template.json`);
const missing = [...docs, ...templates].filter((e) => !entries.has(e));
if (docs.length === 0 || templates.length === 0 || missing.length > 0) {
  console.log(`== packaged extension: FAILED, the .vsix lacks ${missing.join(', ') || 'the docs or the templates'}`);
  process.exit(1);
}
console.log(`== packaged extension: carries ${docs.length} doc pages and ${templates.length} templates`);

try {
  const screenshot = await runUiTest({ vsix });
  console.log(`== packaged extension: UI test passed (screenshot ${screenshot})`);
} catch (err) {
  console.log(`== packaged extension: UI test FAILED: ${err?.stack ?? err}`);
  process.exit(1);
}
