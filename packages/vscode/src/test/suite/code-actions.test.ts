import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ACK_AFTER, ACK_FIRST, activateEos, closeAllEditors, codeActions, eosDiagnostics, EXTENSION_ID, open, RULE, waitFor, writeSource } from './helpers';

describe('code actions', () => {
  before(activateEos);
  afterEach(closeAllEditors);

  async function buggyEditor(text = ACK_FIRST): Promise<{ editor: vscode.TextEditor; diagnostic: vscode.Diagnostic }> {
    const uri = writeSource('actions', text);
    const editor = await open(uri);
    const [diagnostic] = await waitFor('the diagnostic', () => {
      const list = eosDiagnostics(uri, RULE);
      return list.length > 0 && list;
    });
    return { editor, diagnostic };
  }

  it('offers the safe fix as the preferred quick fix, and applying it gives the corrected consumer', async () => {
    const { editor, diagnostic } = await buggyEditor();
    const actions = await codeActions(editor.document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const preferred = actions.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1, `one preferred fix, got: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(preferred[0].edit, 'the fix carries an edit');
    assert.ok(await vscode.workspace.applyEdit(preferred[0].edit));
    assert.equal(editor.document.getText(), ACK_AFTER);
    await waitFor('the diagnostic to clear', () => eosDiagnostics(editor.document.uri, RULE).length === 0);
  });

  it('offers documentation for the rule and opens the bundled page in the Markdown preview', async () => {
    const { editor, diagnostic } = await buggyEditor();
    const actions = await codeActions(editor.document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const docs = actions.find((a) => a.command?.command === 'eos.showRuleDocs');
    assert.ok(docs?.command, `a "show documentation" action; got ${JSON.stringify(actions.map((a) => [a.title, a.command]))}`);
    assert.deepEqual(docs.command.arguments, [RULE]);
    await vscode.commands.executeCommand(docs.command.command, ...(docs.command.arguments ?? []));
    const preview = await waitFor('the Markdown preview of the rule page', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('markdown.preview') && t.label.includes(`${RULE}.md`)),
    );
    assert.ok(preview);
    // The page it shows is the copy bundled with the extension, which the diagnostic's code links to.
    const page = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'out', 'docs', 'rules', `${RULE}.md`);
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(page)), /^# ack-before-process\n/);
    const target = typeof diagnostic.code === 'object' ? diagnostic.code.target : undefined;
    assert.equal(target?.toString(), page.toString());
  });

  it('fixes every safely fixable problem of a file with source.fixAll.eos', async () => {
    const twice = `${ACK_FIRST}\n${ACK_FIRST.replace(/^import .*\n/gm, '').replace('const db = new Pool();\n', '').replace('export async function start()', 'export async function startAgain()').replace("'orders'", "'orders.retry'")}`;
    const { editor } = await buggyEditor(twice);
    await waitFor('two findings', () => eosDiagnostics(editor.document.uri, RULE).length === 2);
    const whole = new vscode.Range(0, 0, editor.document.lineCount, 0);
    const actions = await codeActions(editor.document.uri, whole, 'source.fixAll.eos');
    assert.equal(actions.length, 1, `one fix-all action, got ${actions.map((a) => a.title).join(' | ')}`);
    assert.equal(actions[0].kind?.value, 'source.fixAll.eos');
    assert.ok(actions[0].edit && (await vscode.workspace.applyEdit(actions[0].edit)));
    const text = editor.document.getText();
    assert.equal((text.match(/channel\.ack\(msg\);\n\s*await db\.query/g) ?? []).length, 0, 'no ack precedes the work any more');
    assert.equal((text.match(/\);\n\s*channel\.ack\(msg\);/g) ?? []).length, 2, 'both acks follow the work');
    await waitFor('both diagnostics to clear', () => eosDiagnostics(editor.document.uri, RULE).length === 0);
  });

  it('disables the rule for one line with a suppression comment whose reason is a placeholder', async () => {
    const { editor, diagnostic } = await buggyEditor();
    const actions = await codeActions(editor.document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const disable = actions.find((a) => a.command?.command === 'eos.disableForLine');
    assert.ok(disable?.command, `a disable-for-line action, got ${actions.map((a) => a.title).join(' | ')}`);
    await vscode.commands.executeCommand(disable.command.command, ...(disable.command.arguments ?? []));
    const lines = editor.document.getText().split('\n');
    const ack = lines.findIndex((l) => l.includes('channel.ack(msg)'));
    assert.equal(lines[ack - 1], '    // eos-ignore-next-line ack-before-process -- reason this is safe');
    // The placeholder is selected, ready to be typed over.
    assert.equal(editor.document.getText(editor.selection), 'reason this is safe');
    await waitFor('the suppressed diagnostic to disappear', () => eosDiagnostics(editor.document.uri).length === 0);
  });
});
