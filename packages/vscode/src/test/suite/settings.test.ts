import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ACK_FIRST, activateEos, closeAllEditors, eosDiagnostics, open, RULE, setEosSetting, waitFor, workspaceRoot, writeSource } from './helpers';

describe('settings', () => {
  before(activateEos);
  afterEach(closeAllEditors);

  it('drops a rule switched off in eos.rules, and brings it back when switched on', async () => {
    const uri = writeSource('rules-setting', ACK_FIRST);
    await open(uri);
    await waitFor('the diagnostic', () => eosDiagnostics(uri, RULE).length === 1);
    await setEosSetting('rules', { [RULE]: 'off' });
    try {
      await waitFor('the diagnostic to disappear', () => eosDiagnostics(uri, RULE).length === 0);
    } finally {
      await setEosSetting('rules', undefined);
    }
    await waitFor('the diagnostic to come back', () => eosDiagnostics(uri, RULE).length === 1);
  });

  it('takes severities from eos.config.json, and eos.rules overrides them', async () => {
    const config = path.join(workspaceRoot(), 'eos.config.json');
    const uri = writeSource('config-file', ACK_FIRST);
    await open(uri);
    await waitFor('the diagnostic', () => eosDiagnostics(uri, RULE).length === 1);
    fs.writeFileSync(config, JSON.stringify({ rules: { [RULE]: 'info' } }));
    try {
      await waitFor('severity info from eos.config.json', () => eosDiagnostics(uri, RULE)[0]?.severity === vscode.DiagnosticSeverity.Information, 20_000);
      await setEosSetting('rules', { [RULE]: 'error' });
      await waitFor('severity error from eos.rules', () => eosDiagnostics(uri, RULE)[0]?.severity === vscode.DiagnosticSeverity.Error);
    } finally {
      await setEosSetting('rules', undefined);
      fs.rmSync(config, { force: true });
    }
  });

  it('shows nothing when eos.enable is false, and the status item says disabled', async () => {
    const api = await activateEos();
    const uri = writeSource('disabled', ACK_FIRST);
    await open(uri);
    await waitFor('the diagnostic', () => eosDiagnostics(uri, RULE).length === 1);
    await setEosSetting('enable', false);
    try {
      await waitFor('no diagnostics when disabled', () => eosDiagnostics(uri).length === 0);
      assert.equal(api.status().state, 'disabled');
    } finally {
      await setEosSetting('enable', undefined);
    }
    await waitFor('the diagnostic after re-enabling', () => eosDiagnostics(uri, RULE).length === 1);
  });
});
