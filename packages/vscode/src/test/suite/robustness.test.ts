import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ACK_FIRST, activateEos, closeAllEditors, codeActions, eosDiagnostics, RULE, waitFor, workspaceRoot, writeSource } from './helpers';

describe('robustness', () => {
  before(activateEos);
  afterEach(closeAllEditors);

  it('keeps up with many open files and still answers code actions promptly', async () => {
    const uris = Array.from({ length: 25 }, () => writeSource('many', ACK_FIRST));
    for (const uri of uris) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false, preserveFocus: true });
    await waitFor('a diagnostic in each of the 25 files', () => uris.every((u) => eosDiagnostics(u, RULE).length === 1), 60_000);
    const last = uris[uris.length - 1];
    const started = Date.now();
    const actions = await codeActions(last, eosDiagnostics(last, RULE)[0].range, vscode.CodeActionKind.QuickFix.value);
    const ms = Date.now() - started;
    assert.ok(actions.some((a) => a.isPreferred), 'the fix is offered');
    assert.ok(ms < 3000, `code actions answered in ${ms} ms`);
  });

  it('reports an invalid eos.config.json in the status item and keeps analysing with the defaults', async () => {
    const api = await activateEos();
    const config = path.join(workspaceRoot(), 'eos.config.json');
    fs.writeFileSync(config, JSON.stringify({ rules: { 'no-such-rule': 'off' } }));
    try {
      const uri = writeSource('bad-config', ACK_FIRST);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await waitFor('the status item to report the configuration problem', () => api.status().state === 'error' && /eos\.config\.json/.test(api.status().detail ?? ''), 20_000);
      assert.match(api.status().detail ?? '', /no-such-rule/);
      await waitFor('the diagnostic, with default settings', () => eosDiagnostics(uri, RULE).length === 1);
    } finally {
      fs.rmSync(config, { force: true });
    }
    await waitFor('the status item to recover once the file is gone', () => api.status().state === 'ready', 20_000);
  });
});
