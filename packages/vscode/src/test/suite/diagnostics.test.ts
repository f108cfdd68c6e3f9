import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ACK_AFTER, ACK_FIRST, activateEos, closeAllEditors, codeOf, eosDiagnostics, open, replaceText, RULE, setEosSetting, sleep, waitFor, writeSource } from './helpers';

describe('diagnostics', () => {
  before(activateEos);
  afterEach(closeAllEditors);

  it('reports ack-before-process on a buggy amqplib consumer, with rule link and related location, and clears it once fixed', async () => {
    const uri = writeSource('consumer', ACK_FIRST);
    const editor = await open(uri);
    const [d] = await waitFor('the ack-before-process diagnostic', () => {
      const list = eosDiagnostics(uri, RULE);
      return list.length > 0 && list;
    });
    assert.equal(d.source, 'eos');
    assert.equal(codeOf(d), RULE);
    const code = d.code as { value: string; target: vscode.Uri };
    assert.match(code.target.toString(), /ack-before-process\.md$/, 'code links to the rule documentation');
    const ackLine = ACK_FIRST.split('\n').findIndex((l) => l.includes('channel.ack(msg)'));
    assert.equal(d.range.start.line, ackLine, 'the diagnostic starts on the ack');
    assert.match(d.message, /RabbitMQ|amqplib/i, 'the message names the broker');
    assert.ok(d.relatedInformation && d.relatedInformation.length > 0, 'related information points at the work the ack precedes');
    const workLine = ACK_FIRST.split('\n').findIndex((l) => l.includes('db.query'));
    assert.ok(d.relatedInformation.some((r) => r.location.uri.fsPath === uri.fsPath && r.location.range.start.line === workLine), 'related location is the db.query call');

    await replaceText(editor.document, ACK_AFTER);
    await waitFor('the diagnostic to clear after the edit', () => eosDiagnostics(uri, RULE).length === 0);
  });

  it('re-analyses on save only when eos.run is onSave', async () => {
    await setEosSetting('run', 'onSave');
    try {
      const uri = writeSource('on-save', ACK_FIRST);
      const editor = await open(uri);
      // The diagnostic proves the analysis on open has run.
      await waitFor('the diagnostic on open', () => eosDiagnostics(uri, RULE).length === 1);
      await replaceText(editor.document, ACK_AFTER);
      await sleep(1500);
      assert.equal(eosDiagnostics(uri, RULE).length, 1, 'no re-analysis while typing: the diagnostic stays until the save');
      await editor.document.save();
      await waitFor('the diagnostic to clear after the save', () => eosDiagnostics(uri, RULE).length === 0);
    } finally {
      await setEosSetting('run', undefined);
    }
  });

  it('survives a file with syntax errors: no crash, no findings from the broken text, back to normal once it parses', async () => {
    const api = await activateEos();
    const broken = ACK_FIRST.replace('channel.ack(msg);', 'channel.ack(msg;\n    const = ;');
    const uri = writeSource('broken', broken);
    const editor = await open(uri);
    // Give the server time to analyse; nothing may appear and the server must keep running.
    await sleep(1500);
    assert.deepEqual(eosDiagnostics(uri), [], 'no eos diagnostics for a file that does not parse');
    assert.notEqual(api.status().state, 'stopped', 'the language server is still running');
    await replaceText(editor.document, ACK_FIRST);
    await waitFor('the diagnostic once the file parses', () => eosDiagnostics(uri, RULE).length === 1);
  });
});
