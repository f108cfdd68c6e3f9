/**
 * Source files in encodings other than UTF-8 (issue 12, smaller items): UTF-16 with a byte-order
 * mark is read as text, not called "binary content"; what eos cannot read is named as such.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPaths, readSource } from '@eos/analyzer';

const CONSUMER = `import * as amqp from 'amqplib';

// Commandes reçues — 注文
export async function start(): Promise<void> {
  const channel = await (await amqp.connect('amqp://localhost')).createChannel();
  await channel.consume('orders', async (msg) => {
    if (!msg) return;
    channel.ack(msg);
    await fetch('https://example.com/charge', { method: 'POST', body: msg.content });
  });
}
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function project(bytes: Buffer): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-enc-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'consumer.ts'), bytes);
  return { dir, file: path.join(dir, 'consumer.ts') };
}

const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => {
  const body = Buffer.from(text, 'utf16le');
  body.swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), body]);
};
const found = (dir: string) => {
  const r = auditPaths(['.'], { cwd: dir });
  return { errors: r.errors, findings: r.findings.map((f) => `${f.line}:${f.column}:${f.ruleId}`) };
};

describe('source encodings', () => {
  it.each([
    ['UTF-16LE', utf16le],
    ['UTF-16BE', utf16be],
  ])('issue 12 (smaller): %s with a byte-order mark is read as text, with the findings of the same file in UTF-8', (_, encode) => {
    const expected = found(project(Buffer.from(CONSUMER)).dir);
    expect(expected.findings).toEqual(['8:5:ack-before-process', '9:11:missing-dedup']);
    const { dir, file } = project(encode(CONSUMER));
    expect(found(dir)).toEqual(expected);
    expect(readSource(file)).toEqual({ ok: true, text: CONSUMER });
  });

  it('issue 12 (smaller): UTF-32 and a UTF-16 file cut mid-character are named for what they are, not "binary content"', () => {
    const utf32 = project(Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]));
    expect(readSource(utf32.file)).toEqual({ ok: false, error: { file: utf32.file, message: expect.stringMatching(/^UTF-32 text \(byte-order mark\), which eos does not read/) } });
    const cut = project(utf16le(CONSUMER).subarray(0, 11));
    expect(readSource(cut.file)).toEqual({ ok: false, error: { file: cut.file, message: expect.stringMatching(/^UTF-16 text \(byte-order mark\) with an odd number of bytes \(11\)/) } });
  });

  it('a path into a file saved with a UTF-8 byte-order mark is followed as in a file without one', () => {
    // Analysed in this order: the first listener locates `Store.keep` before store.ts is analysed
    // itself, the second one after (the two readings of store.ts must agree on positions).
    const files: Record<string, string> = {
      'a-listener.ts': LISTENER,
      'b-store.ts': STORE,
      'c-listener.ts': LISTENER,
    };
    const write = (bom: boolean): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-enc-'));
      dirs.push(dir);
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), (bom ? '\uFEFF' : '') + text);
      return dir;
    };
    const plain = found(write(false));
    expect(plain.findings.filter((f) => f === '8:5:ack-before-process')).toHaveLength(2);
    expect(found(write(true))).toEqual(plain);
  });
});

/** A golevelup listener whose write is behind an interface implemented in another file. */
const LISTENER = `import { RabbitSubscribe } from '@golevelup/nestjs-rabbitmq';
import type { Store } from './b-store';

export class Listener {
  constructor(private readonly store: Store) {}
  @RabbitSubscribe({ exchange: 'x', routingKey: 'k', queue: 'q' })
  onMessage(msg: { id: string }): void {
    this.store.keep(msg);
  }
}
`;

const STORE = `import { Repository } from 'typeorm';

export interface Store {
  keep(row: { id: string }): Promise<void>;
}

export class SqlStore implements Store {
  constructor(private readonly rows: Repository<{ id: string }>) {}
  async keep(row: { id: string }): Promise<void> {
    await this.rows.save(row);
  }
}
`;
