import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateEos, eosDiagnostics, RULE, workspaceRoot } from './helpers';

interface AuditResult {
  files: number;
  parsed: number;
  findings: number;
  skipped: Array<{ file: string; message: string }>;
  cancelled: boolean;
}

describe('EOS: Audit workspace', () => {
  before(activateEos);

  it('analyses files that are not open and puts their findings in the Problems panel', async () => {
    const file = vscode.Uri.file(path.join(workspaceRoot(), 'src', 'audited-consumer.ts'));
    assert.equal(eosDiagnostics(file).length, 0, 'nothing before the audit: the file was never opened');
    const result = await vscode.commands.executeCommand<AuditResult>('eos.auditWorkspace', { quiet: true });
    assert.ok(result, 'the command returns its result');
    assert.equal(result.cancelled, false);
    assert.ok(result.files >= 2, `files found: ${result.files}`);
    assert.ok(result.parsed < result.files, 'the pre-filter skipped the file without broker imports');
    assert.ok(result.findings >= 1);
    const [d] = eosDiagnostics(file, RULE);
    assert.ok(d, 'ack-before-process in the audited file');
    assert.equal(d.range.start.line, 12);
  });
});
