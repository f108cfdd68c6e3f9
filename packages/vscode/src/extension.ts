/**
 * The eos extension: a thin client. Analysis runs in the eos language server (out/server.js, a
 * separate Node process over IPC), so the TypeScript compiler and the rules never load into the
 * extension host and a failure there cannot take the editor down.
 */
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { auditWorkspace, type AuditCommandArgs } from './client/audit';
import { runScaffold, SCAFFOLD_COMMANDS, type ScaffoldCommandArgs } from './client/scaffold';
import { StatusItem } from './client/status';
import { DisableForLineCommand, ShowRuleDocsCommand, StatusNotification, type DisableForLineArgs, type InitializationOptions, type StatusParams } from './protocol';

const LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'];
const SHOW_OUTPUT = 'eos.showOutput';

let client: LanguageClient | undefined;

/** What `activate` returns: lets tests wait for the server and read its state. */
export interface EosApi {
  /** Resolves once the language server is running. */
  ready: Promise<void>;
  /** The status item's state: ready | busy | error | disabled | starting | stopped. */
  status(): { state: string; detail?: string };
}

export function activate(context: vscode.ExtensionContext): EosApi {
  const log = vscode.window.createOutputChannel('eos', { log: true });
  const status = new StatusItem(SHOW_OUTPUT);
  context.subscriptions.push(log, status);

  const serverModule = context.asAbsolutePath('out/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watchers = [
    vscode.workspace.createFileSystemWatcher('**/{eos.config.json,package.json,.gitignore}'),
    vscode.workspace.createFileSystemWatcher('**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'),
  ];
  context.subscriptions.push(...watchers);
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
    synchronize: { fileEvents: watchers },
    outputChannel: log,
    diagnosticCollectionName: 'eos',
    initializationOptions: (): InitializationOptions => ({ trusted: vscode.workspace.isTrusted, docsDir: docsDir(context).fsPath }),
  };
  const lc = new LanguageClient('eos', 'eos', serverOptions, clientOptions);
  client = lc;
  context.subscriptions.push(
    lc.onDidChangeState((e) => {
      if (e.newState === State.Running) status.setServer({ state: 'ready' });
      else if (e.newState === State.Starting) status.setServer({ state: 'starting' });
      else status.setServer({ state: 'stopped', detail: 'see the eos output for the reason' });
    }),
    lc.onNotification(StatusNotification, (p: StatusParams) => status.setServer(p)),
  );

  const updateEnabled = () => status.setEnabled(vscode.workspace.getConfiguration('eos').get<boolean>('enable', true));
  updateEnabled();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('eos.enable')) updateEnabled();
    }),
    // Restricted Mode skipped the workspace's eos.config.json: read it now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void lc.restart()),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_OUTPUT, () => log.show(true)),
    vscode.commands.registerCommand('eos.restartServer', () => lc.restart()),
    vscode.commands.registerCommand('eos.auditWorkspace', async (args?: AuditCommandArgs) => {
      await ready;
      return auditWorkspace(lc, args);
    }),
    vscode.commands.registerCommand(ShowRuleDocsCommand, (page: string) => showRuleDoc(context, page)),
    vscode.commands.registerCommand(DisableForLineCommand, (args: DisableForLineArgs) => disableForLine(args)),
    ...SCAFFOLD_COMMANDS.map(({ command, template }) =>
      vscode.commands.registerCommand(command, (args?: ScaffoldCommandArgs) => runScaffold(template, context.extensionPath, log, args)),
    ),
  );

  const ready = lc.start().catch((err: unknown) => {
    // The extension stays loaded (commands answer, the status item explains); the log has the cause.
    log.error(`eos language server failed to start: ${(err as Error)?.stack ?? String(err)}`);
    status.setServer({ state: 'stopped', detail: `failed to start: ${(err as Error)?.message ?? String(err)}` });
  });
  return { ready, status: () => ({ state: status.state, detail: status.detail }) };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

/** The rule docs bundled into the extension (scripts/build.mjs copies them from @eos/analyzer). */
function docsDir(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'out', 'docs', 'rules');
}

/** Opens a bundled doc page in VS Code's Markdown preview; works offline and needs no web address. */
async function showRuleDoc(context: vscode.ExtensionContext, page: string): Promise<void> {
  const uri = vscode.Uri.joinPath(docsDir(context), `${page}.md`);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    // A page the server names but the package lacks is a packaging bug: say so instead of opening an empty preview.
    void vscode.window.showErrorMessage(`eos: the documentation page ${uri.fsPath} is missing from this extension (a packaging bug in eos).`);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}

/**
 * Writes `// eos-ignore-next-line <rule> -- <reason>` above the finding's line as a snippet, so the
 * reason is a selected placeholder the user types over (a suppression without a reason is invalid).
 */
async function disableForLine(args: DisableForLineArgs): Promise<void> {
  const uri = vscode.Uri.parse(args.uri);
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = visible ?? (await vscode.window.showTextDocument(uri));
  const snippet = new vscode.SnippetString(`${args.indent}// eos-ignore-next-line ${args.ruleId} -- `).appendPlaceholder('reason this is safe').appendText('\n');
  await editor.insertSnippet(snippet, new vscode.Position(args.line, 0));
}
