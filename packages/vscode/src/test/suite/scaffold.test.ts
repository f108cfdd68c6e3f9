import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateEos, workspaceRoot } from './helpers';

interface ScaffoldOutcome {
  status: 'written' | 'cancelled' | 'refused' | 'failed';
  written: string[];
  unchanged: string[];
  conflicts: string[];
  nextSteps: string[];
  message?: string;
}

async function scaffold(command: string, args: object): Promise<ScaffoldOutcome> {
  const outcome = await vscode.commands.executeCommand<ScaffoldOutcome>(command, args);
  assert.ok(outcome, `${command} returns its outcome`);
  return outcome;
}

const read = (rel: string) => fs.readFileSync(path.join(workspaceRoot(), rel), 'utf8');

describe('scaffold commands', () => {
  before(activateEos);

  it('EOS: Scaffold dedup store… writes the dedup store for the answers given', async () => {
    const outcome = await scaffold('eos.scaffoldDedup', { answers: { store: 'sqlite', out: 'src/dedup', table: 'processed_messages' }, yes: true });
    assert.equal(outcome.status, 'written', outcome.message);
    assert.deepEqual([...outcome.written].sort(), [
      'src/dedup/dedup-cleanup.ts',
      'src/dedup/dedup-retention.ts',
      'src/dedup/dedup.test.ts',
      'src/dedup/dedup.ts',
      'src/dedup/migrations/processed_messages.sql',
    ]);
    assert.match(read('src/dedup/migrations/processed_messages.sql'), /CREATE TABLE[^;]*processed_messages/i);
    assert.match(read('src/dedup/dedup.ts'), /better-sqlite3/);
  });

  it('EOS: Scaffold outbox… writes the outbox for the answers given, and never overwrites without confirmation', async () => {
    const answers = { store: 'postgres', broker: 'rabbitmq', out: 'src/outbox', table: 'outbox', relay: 'polling' };
    const first = await scaffold('eos.scaffoldOutbox', { answers, yes: true });
    assert.equal(first.status, 'written', first.message);
    assert.ok(first.written.includes('src/outbox/outbox-writer.ts'), first.written.join(', '));
    assert.ok(first.written.includes('src/outbox/migrations/outbox.sql'));
    assert.ok(first.written.includes('src/outbox/outbox-publisher.ts'));
    assert.match(read('src/outbox/outbox-publisher.ts'), /amqplib/);

    const edited = '// edited by hand\n';
    fs.writeFileSync(path.join(workspaceRoot(), 'src/outbox/outbox-writer.ts'), edited);
    const refused = await scaffold('eos.scaffoldOutbox', { answers, yes: true });
    assert.equal(refused.status, 'refused');
    assert.deepEqual(refused.conflicts, ['src/outbox/outbox-writer.ts']);
    assert.equal(read('src/outbox/outbox-writer.ts'), edited, 'the edited file is untouched');

    const forced = await scaffold('eos.scaffoldOutbox', { answers, yes: true, overwrite: true });
    assert.equal(forced.status, 'written');
    assert.deepEqual(forced.written, ['src/outbox/outbox-writer.ts']);
    assert.notEqual(read('src/outbox/outbox-writer.ts'), edited);
  });

  it('EOS: Scaffold idempotent consumer… writes the consumer for the answers given', async () => {
    const outcome = await scaffold('eos.scaffoldConsumer', { answers: { broker: 'rabbitmq', store: 'postgres', out: 'src/consumer' }, yes: true });
    assert.equal(outcome.status, 'written', outcome.message);
    assert.ok(outcome.written.length > 0);
    for (const rel of outcome.written) assert.ok(rel.startsWith('src/consumer/'), rel);
  });

  it('EOS: Scaffold outbox → consumer pipeline… writes the outbox and a consumer wired to it', async () => {
    const outcome = await scaffold('eos.scaffoldPipeline', { answers: { broker: 'nats', store: 'sqlite', out: 'src/pipeline' }, yes: true });
    assert.equal(outcome.status, 'written', outcome.message);
    for (const rel of ['src/pipeline/outbox/outbox-relay.ts', 'src/pipeline/consumer/consumer.ts', 'src/pipeline/pipeline.test.ts']) assert.ok(outcome.written.includes(rel), rel);
    assert.match(read('src/pipeline/consumer/consumer.ts'), /from '\.\.\/outbox\/outbox-publisher\.js'/);
  });

  it('EOS: Scaffold saga… writes the orchestrator, the participant and their test', async () => {
    const outcome = await scaffold('eos.scaffoldSaga', { answers: { broker: 'rabbitmq', store: 'sqlite', out: 'src/saga' }, yes: true });
    assert.equal(outcome.status, 'written', outcome.message);
    for (const rel of ['src/saga/saga-orchestrator.ts', 'src/saga/saga-participant.ts', 'src/saga/saga.test.ts']) assert.ok(outcome.written.includes(rel), rel);
  });

  it('EOS: Scaffold Kafka Connect JDBC sink… writes an upsert connector config and its table', async () => {
    const outcome = await scaffold('eos.scaffoldSink', { answers: { store: 'postgres', topic: 'orders', table: 'orders', key: 'id', out: 'src/sink' }, yes: true });
    assert.equal(outcome.status, 'written', outcome.message);
    const config = outcome.written.find((rel) => rel.endsWith('.json'));
    assert.ok(config, outcome.written.join(', '));
    assert.match(read(config), /"insert\.mode": "upsert"/);
  });

  it('rejects an --out outside the project with the engine\'s own validation', async () => {
    const outcome = await scaffold('eos.scaffoldDedup', { answers: { store: 'sqlite', out: '../elsewhere' }, yes: true });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message ?? '', /outside the project/);
    assert.equal(fs.existsSync(path.resolve(workspaceRoot(), '../elsewhere')), false);
  });
});
