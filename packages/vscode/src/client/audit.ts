import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AuditProgressNotification, AuditRequest, type AuditParams, type AuditProgressParams, type AuditResult } from '../protocol';

/** Arguments of `eos.auditWorkspace` (tests pass them; a person runs it without). */
export interface AuditCommandArgs {
  /** Folder paths; every workspace folder when omitted. */
  folders?: string[];
  /** Do not open the Problems panel or show a message (tests). */
  quiet?: boolean;
}

/**
 * `EOS: Audit workspace`: the server analyses every source file of the workspace (honouring
 * .gitignore and eos.config.json) and publishes the findings to the Problems panel.
 */
export async function auditWorkspace(client: LanguageClient, args: AuditCommandArgs = {}): Promise<AuditResult | undefined> {
  if (!vscode.workspace.workspaceFolders?.length && !args.folders?.length) {
    void vscode.window.showWarningMessage('eos: open a folder to audit it.');
    return undefined;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'eos: auditing the workspace', cancellable: true },
    async (progress, token) => {
      let reported = 0;
      const listener = client.onNotification(AuditProgressNotification, (p: AuditProgressParams) => {
        const percent = p.total === 0 ? 100 : (p.done / p.total) * 100;
        progress.report({ increment: percent - reported, message: `${p.done} of ${p.total} files` });
        reported = percent;
      });
      try {
        const params: AuditParams = { folders: args.folders };
        return await client.sendRequest<AuditResult>(AuditRequest, params, token);
      } finally {
        listener.dispose();
      }
    },
  );
  if (!args.quiet) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    const skipped = result.skipped.length > 0 ? `; ${result.skipped.length} skipped (see the eos output)` : '';
    const summary = `eos: ${result.findings} finding${result.findings === 1 ? '' : 's'} in ${result.files} files (${(result.ms / 1000).toFixed(1)} s)${skipped}${result.cancelled ? '; cancelled' : ''}.`;
    void vscode.window.showInformationMessage(summary);
  }
  return result;
}
