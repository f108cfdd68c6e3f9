// Builds the extension into out/: the client, the language server (with the analyzer) and the
// scaffold engine as three bundles, the test suite file by file, and copies of the templates and
// the rule docs.
// `--production` minifies and drops source maps (what `npm run package` ships).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const out = path.join(root, 'out');

fs.rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  tsconfig: path.join(root, 'tsconfig.json'),
  logLevel: 'warning',
  // handlebars registers a require.extensions hook we never use.
  logOverride: { 'unsupported-require-call': 'silent' },
};

/** In the scaffold bundle, `ts-morph` resolves to a lazy stand-in (src/client/lazy-ts-morph.ts) that loads out/ts-morph.js on first use. */
const lazyTsMorph = {
  name: 'lazy-ts-morph',
  setup(build) {
    build.onResolve({ filter: /^ts-morph$/ }, () => ({ path: path.join(root, 'src/client/lazy-ts-morph.ts') }));
  },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: [path.join(root, 'src/extension.ts')], outfile: path.join(out, 'extension.js'), external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: [path.join(root, 'src/server.ts')], outfile: path.join(out, 'server.js') }),
  esbuild.build({ ...common, entryPoints: [path.join(root, 'src/scaffold-engine.ts')], outfile: path.join(out, 'scaffold-engine.js'), plugins: [lazyTsMorph] }),
  esbuild.build({ ...common, stdin: { contents: "export { ts } from 'ts-morph';", resolveDir: root, loader: 'ts' }, outfile: path.join(out, 'ts-morph.js') }),
]);

// The suite runs inside the extension host and loads mocha from node_modules: compile, do not bundle.
const testFiles = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.ts')) testFiles.push(p);
  }
};
walk(path.join(root, 'src/test/suite'));
await esbuild.build({ entryPoints: testFiles, outbase: path.join(root, 'src'), outdir: out, bundle: false, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline', logLevel: 'warning' });

// Unit tests of the server's modules run in plain Node (mocha), bundled like the server itself.
const unitTests = fs.readdirSync(path.join(root, 'src/test/unit')).filter((f) => f.endsWith('.test.ts'));
await esbuild.build({
  ...common,
  sourcemap: 'inline',
  minify: false,
  entryPoints: unitTests.map((f) => path.join(root, 'src/test/unit', f)),
  outdir: path.join(out, 'test', 'unit'),
  external: ['mocha'],
});

// Templates and rule docs ship inside the extension (the scaffold commands render the templates;
// diagnostics and "Show documentation" open the docs), copied from the packages that ship them.
const packageDir = (name) => path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
const templates = packageDir('@eos/templates');
fs.cpSync(templates, path.join(out, 'templates'), { recursive: true, filter: (src) => src === templates || fs.statSync(src).isDirectory() || path.dirname(src) !== templates });
fs.cpSync(path.join(packageDir('@eos/analyzer'), 'docs', 'rules'), path.join(out, 'docs', 'rules'), { recursive: true });

const size = (f) => `${(fs.statSync(path.join(out, f)).size / 1024 / 1024).toFixed(1)} MB`;
console.log(`built out/: extension.js ${size('extension.js')}, server.js ${size('server.js')}, scaffold-engine.js ${size('scaffold-engine.js')}, ts-morph.js ${size('ts-morph.js')}, ${testFiles.length} suite files, ${unitTests.length} unit test files${production ? ' (production)' : ''}`);
