// `npm run release`: builds every package and puts what a user installs into release/ (git-ignored):
// the npm tarballs of the publishable packages, the VS Code extension as a .vsix, and SHA256SUMS
// (check with `sha256sum -c SHA256SUMS` in that folder). Refuses to run when the packages'
// versions differ or CHANGELOG.md has no section for the version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'release');
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

const workspaces = readJson(path.join(root, 'package.json')).workspaces.map((dir) => ({ dir, manifest: readJson(path.join(root, dir, 'package.json')) }));
const versions = new Set(workspaces.map((w) => w.manifest.version));
if (versions.size !== 1) fail(`the packages have different versions (${workspaces.map((w) => `${w.manifest.name} ${w.manifest.version}`).join(', ')}); eos releases them together`);
const [version] = versions;
if (!new RegExp(`^## ${version.replace(/\./g, '\\.')}\\b`, 'm').test(fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'))) fail(`CHANGELOG.md has no "## ${version}" section`);

const sh = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);
sh('npm', ['run', 'build']);
const publishable = workspaces.filter((w) => w.manifest.private !== true);
sh('npm', ['pack', '--pack-destination', out, ...publishable.flatMap((w) => ['-w', w.manifest.name])]);
const extension = workspaces.find((w) => w.manifest.contributes !== undefined);
if (extension) {
  sh('npm', ['run', 'package', '-w', extension.manifest.name]);
  fs.renameSync(path.join(root, extension.dir, `${extension.manifest.name}.vsix`), path.join(out, `${extension.manifest.name}-${version}.vsix`));
}

const files = fs.readdirSync(out).filter((f) => f.endsWith('.tgz') || f.endsWith('.vsix')).sort();
const sums = files.map((f) => `${createHash('sha256').update(fs.readFileSync(path.join(out, f))).digest('hex')}  ${f}`);
fs.writeFileSync(path.join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
console.log(`\neos ${version}: ${path.relative(root, out)}/`);
for (const f of files) console.log(`  ${f.padEnd(34)} ${(fs.statSync(path.join(out, f)).size / 1024 / 1024).toFixed(2)} MB`);
console.log('  SHA256SUMS');

function fail(reason) {
  console.error(`release: ${reason}`);
  process.exit(1);
}
