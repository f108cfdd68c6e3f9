import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'eos-tools.eos-vscode';

/** The buggy consumer the suite is built around: amqplib acks before the database write is done. */
export const ACK_FIRST = `import amqp from 'amqplib';
import { Pool } from 'pg';

const db = new Pool();

export async function start(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('orders', async (msg) => {
    if (!msg) return;
    const order = JSON.parse(msg.content.toString()) as { id: string; total: number };
    channel.ack(msg);
    await db.query('INSERT INTO orders (id, total) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [order.id, order.total]);
  });
}
`;

/** The same consumer written correctly: the ack follows the awaited work. */
export const ACK_AFTER = ACK_FIRST.replace(
  `    channel.ack(msg);
    await db.query('INSERT INTO orders (id, total) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [order.id, order.total]);
`,
  `    await db.query('INSERT INTO orders (id, total) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [order.id, order.total]);
    channel.ack(msg);
`,
);

export const RULE = 'ack-before-process';

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite needs a workspace folder');
  return folder.uri.fsPath;
}

export interface EosApi {
  ready: Promise<void>;
  status(): { state: string; detail?: string };
}

/** Activates the extension and waits for its language server. */
export async function activateEos(): Promise<EosApi> {
  const ext = vscode.extensions.getExtension<EosApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  await api.ready;
  return api;
}

/** Polls until `probe` returns a value that is not undefined/false, or fails with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** eos diagnostics of a document, optionally of one rule. */
export function eosDiagnostics(uri: vscode.Uri, rule?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'eos' && (!rule || codeOf(d) === rule));
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

let counter = 0;
/** Writes a new file under src/ (a fresh name per call, so tests never see each other's state). */
export function writeSource(base: string, text: string): vscode.Uri {
  const file = path.join(workspaceRoot(), 'src', `${base}-${++counter}.ts`);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

export async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc);
}

/** Replaces the whole text of an open document (unsaved, as typing would). */
export async function replaceText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'edit not applied');
}

/**
 * The code actions at a range. The editor cancels a code-action request when the document's model
 * changes meanwhile (a file-watcher reload, another extension); a person would press Ctrl+. again,
 * so the request is repeated a few times until eos answers.
 */
export async function codeActions(uri: vscode.Uri, range: vscode.Range, kind?: string): Promise<vscode.CodeAction[]> {
  let last: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const actions = await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>('vscode.executeCodeActionProvider', uri, range, kind);
      const list = (actions ?? []).filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
      if (list.some(isEosAction)) return list;
      last = new Error(`no eos code action among: ${list.map((a) => a.title).join(' | ') || 'none'}`);
    } catch (err) {
      last = err;
    }
    await sleep(300);
  }
  throw last;
}

function isEosAction(a: vscode.CodeAction): boolean {
  return a.diagnostics?.some((d) => d.source === 'eos') === true || a.kind?.value === 'source.fixAll.eos' || a.command?.command.startsWith('eos.') === true;
}

/** Sets an `eos.*` setting in the workspace (.vscode/settings.json); undefined removes it. */
export async function setEosSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('eos').update(key, value, vscode.ConfigurationTarget.Workspace);
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
