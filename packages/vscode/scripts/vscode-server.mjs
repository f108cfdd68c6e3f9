// Installs (once, cached) and starts the VS Code server that `code-server@4.100.3` bundles:
// @vscode/test-electron cannot download VS Code on a machine without internet, but the npm registry
// and Debian packages are reachable there, and this server runs the real Node extension host behind
// a browser workbench.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const here = path.dirname(fileURLToPath(import.meta.url));
/** Tools folder, gitignored; survives between runs so the install is paid once. */
export const TOOLS_DIR = path.resolve(here, '..', '.vscode-test-server');
const VSCODE_DIR = path.join(TOOLS_DIR, 'node_modules', 'code-server', 'lib', 'vscode');
const STAMP = path.join(TOOLS_DIR, `installed-${CODE_SERVER_VERSION}`);
export const CHROMIUM = '/usr/bin/chromium';
const DEBIAN_PACKAGES = [
  { name: 'ripgrep', present: () => fs.existsSync('/usr/bin/rg') },
  { name: 'libkrb5-dev', present: () => dpkgInstalled('libkrb5-dev') },
  { name: 'chromium', present: () => fs.existsSync(CHROMIUM) },
];

function log(message) {
  process.stderr.write(`[vscode-server] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}${opts.cwd ? `   (in ${path.relative(process.cwd(), opts.cwd) || '.'})` : ''}`);
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function dpkgInstalled(name) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
}

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** npm through the project's install lock, so two installs never run at once on a shared tree. */
function npm(args, cwd, env = {}) {
  const full = { cwd, env: { ...process.env, ...env } };
  if (hasCommand('flock')) run('flock', ['/tmp/eos-npm.lock', 'npm', ...args], full);
  else run('npm', args, full);
}

/** Installs the Debian packages the server and the browser need, when they are missing. */
export function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Installs the VS Code server into TOOLS_DIR unless a finished install is already there. */
export function ensureVSCodeServer() {
  ensureDebianPackages();
  if (fs.existsSync(STAMP)) return VSCODE_DIR;
  const started = Date.now();
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  // Its own package.json makes this folder npm's prefix: the tools never enter the workspace's lockfile.
  fs.writeFileSync(path.join(TOOLS_DIR, 'package.json'), JSON.stringify({ name: 'eos-vscode-test-server', private: true }, null, 2) + '\n');
  // Install scripts reach the internet; each one that matters is replayed offline below.
  npm(['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--workspaces=false'], TOOLS_DIR);
  npm(['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--workspaces=false'], VSCODE_DIR);
  // @vscode/ripgrep's postinstall downloads a binary but stops early when bin/ exists: use Debian's.
  const rgBin = path.join(VSCODE_DIR, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  fs.rmSync(path.join(rgBin, 'rg'), { force: true });
  fs.symlinkSync('/usr/bin/rg', path.join(rgBin, 'rg'));
  // Native modules (node-pty, kerberos, spdlog...) are built here; node-pty's script calls `npx node-gyp`.
  npm(['rebuild'], VSCODE_DIR, { npm_config_yes: 'true' });
  const asar = path.join(VSCODE_DIR, 'node_modules.asar');
  if (!fs.existsSync(asar)) fs.symlinkSync('node_modules', asar);
  fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
  log(`VS Code server ${CODE_SERVER_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return VSCODE_DIR;
}

/** Installs a packaged extension (.vsix) into the extensions folder of a run, as a user would. */
export function installVsix(vsix, dataDir) {
  const vscodeDir = ensureVSCodeServer();
  run(process.execPath, [
    path.join(vscodeDir, 'out', 'server-main.js'),
    '--server-data-dir', path.join(dataDir, 'server-data'),
    '--extensions-dir', path.join(dataDir, 'extensions'),
    '--accept-server-license-terms',
    '--install-extension', vsix,
  ]);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server on a free port with its data under `dataDir` (so runs stay independent) and
 * resolves once it accepts HTTP. Returns the port and a stop function.
 */
export async function startVSCodeServer({ dataDir, logFile }) {
  const vscodeDir = ensureVSCodeServer();
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      path.join(vscodeDir, 'out', 'server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--server-data-dir', path.join(dataDir, 'server-data'),
      '--user-data-dir', path.join(dataDir, 'user-data'),
      '--extensions-dir', path.join(dataDir, 'extensions'),
      '--disable-telemetry',
    ],
    { stdio: ['ignore', out, out], env: { ...process.env, VSCODE_CLI: undefined } },
  );
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 250))]);
    if (gone) throw new Error(`VS Code server exited early (${JSON.stringify(gone)}); see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/version`);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`VS Code server did not answer on port ${port} within 60 s; see ${logFile}`);
    }
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return { port, stop };
}

// `node scripts/vscode-server.mjs install`: pre-install (CI caches the folder).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'install') {
  ensureVSCodeServer();
}
