// Runs an extension's mocha suite inside the real Node extension host of the VS Code server
// (scripts/vscode-server.mjs), opened in headless Debian Chromium through playwright-core.
// The suite's exit code comes from the workbench's `codeAutomationExit` hook, never from the
// server log (which always says 0).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, startVSCodeServer } from './vscode-server.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Workbench chatter that says nothing about the suite (no network here, no bundled tsserver in the web build). */
const NOISE = [/^Resolving connection token|^Resolved connection token|^Creating a socket|^Updating additional builtin extensions cache|^ChatSessionStore:|ENOTFOUND open-vsx\.org|^\[Service Worker\]/];

function log(message) {
  process.stderr.write(`[workbench] ${message}\n`);
}

/**
 * Prepares an isolated run: data folders under a fresh temp dir, user settings that turn workspace
 * trust off (otherwise the folder opens in Restricted Mode) plus the caller's settings.
 */
export function prepareRun({ userSettings = {} } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-vscode-run-'));
  const settings = {
    'security.workspace.trust.enabled': false,
    // The server build ships no TypeScript of its own; lend it the workspace's, so the built-in
    // TypeScript features run instead of failing with a notification over the workbench.
    'typescript.tsdk': path.dirname(createRequire(import.meta.url).resolve('typescript/lib/tsserver.js')),
    // VS Code for the Web saves after a delay by default; the desktop default (off) is what the
    // suite's onSave test describes.
    'files.autoSave': 'off',
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    ...userSettings,
  };
  // This server keeps user settings on disk under --user-data-dir (not in the browser's storage).
  const userDir = path.join(dataDir, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(settings, null, 2));
  return { dataDir, logFile: path.join(dataDir, 'server.log') };
}

/** The workbench URL that opens `folder` with the extension under development (and its tests). */
export function workbenchUrl(port, { folder, extensionPath, testsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionPath)]];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Runs the suite at `testsPath` (a folder whose index.js exports `run()`) with the extension at
 * `extensionPath`, in `folder`. Resolves to the suite's exit code.
 */
export async function runSuiteInWorkbench({ extensionPath, testsPath, folder, timeoutMs = 10 * 60_000, userSettings, env }) {
  const { dataDir, logFile } = prepareRun({ userSettings });
  Object.assign(process.env, env ?? {});
  const server = await startVSCodeServer({ dataDir, logFile });
  log(`server on port ${server.port}, data in ${dataDir}`);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let settle;
    const exitCode = new Promise((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationExit', (code) => settle(code));
    // The extension host's console (mocha's reporter included) arrives as printf-style arguments.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const list = Array.isArray(args) ? args : [args];
      const text = typeof list[0] === 'string' ? format(...list) : list.map((a) => JSON.stringify(a)).join(' ');
      if (!NOISE.some((re) => re.test(text))) process.stdout.write(`${text}\n`);
    });
    page.on('pageerror', (err) => log(`page error: ${err.message}`));
    await page.goto(workbenchUrl(server.port, { folder, extensionPath, testsPath }));
    const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
    const result = await Promise.race([exitCode, timer]);
    if (result === 'timeout') {
      log(`suite did not finish within ${timeoutMs / 1000} s; server log: ${logFile}`);
      return 1;
    }
    // A passing run leaves nothing behind; a failing one keeps its logs (the path is printed above).
    if (result === 0) fs.rmSync(dataDir, { recursive: true, force: true });
    return result;
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
}
