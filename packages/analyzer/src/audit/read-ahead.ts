import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { InputError } from '../types';
import { stampOfRead, type Stamp, type StampMemo } from './cache';
import { resolveRelativeModule } from '../facts/project/module-resolution';
import { Prefilter, type PrefilterDecision, type PrefilterSpec } from '../engine/prefilter';
import type { SourceFiles } from '../facts/project/project-index';
import { readSource } from './source';

/**
 * Read-ahead: a second thread reads the files of a run and runs the pre-filter on them while the
 * main thread parses and analyses the few the pre-filter lets through. On a large repository the
 * reading and the text tests are a third of a run; on their own core they cost no wall time.
 *
 * The thread never loads the TypeScript compiler (the pre-filter is text only; see prefilter.ts),
 * so it adds a few MiB, not a second compiler's worth. The main thread stays synchronous: it
 * waits for each file's result with `Atomics.wait` and takes it with `receiveMessageOnPort`, in
 * the order of the files, so `auditPaths` keeps its synchronous API and its order.
 */

/** What the read-ahead thread says about one file. */
export type ReadAheadItem =
  | { file: string; error: InputError }
  | {
      file: string;
      decision: PrefilterDecision;
      /** The text, when the file must be parsed. */
      text?: string;
      /** The file's own cache stamp and those of the files the decision read, when tracking for the cache. */
      stamp?: Stamp;
      deps?: Record<string, Stamp>;
    };

/** What the main thread gives the read-ahead thread. */
interface ReadAheadInput {
  files: string[];
  spec: PrefilterSpec;
  maxFileSize: number;
  /** Record what each decision read, with cache stamps. */
  track: boolean;
  port: MessagePort;
  /** [0]: items posted by the thread; [1]: items taken by the main thread. */
  counters: SharedArrayBuffer;
}

/** Items the thread may be ahead of the main thread: bounds the texts waiting in the queue. */
const MAX_AHEAD = 512;
/** How long the main thread waits for one item before it stops using the thread and reads itself. */
const STALL_MS = 15_000;

/** The worker script, next to this module once built. Absent when running from TypeScript sources. */
const WORKER_SCRIPT = path.join(__dirname, 'read-ahead-worker.js');

/** The main thread's side: starts the thread and hands out its results in file order. */
export class ReadAhead {
  private readonly counters: Int32Array;
  /** Set when the thread failed, stalled or fell out of step: the caller read the rest itself. */
  failed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    counters: SharedArrayBuffer,
  ) {
    this.counters = new Int32Array(counters);
  }

  /**
   * Starts reading `files` ahead; undefined when no thread can be started (running from sources,
   * where the worker script is not built, or threads unavailable): the caller reads them itself.
   */
  static start(files: readonly string[], spec: PrefilterSpec, options: { maxFileSize: number; track: boolean }): ReadAhead | undefined {
    if (!fs.existsSync(WORKER_SCRIPT)) return undefined;
    try {
      const { port1, port2 } = new MessageChannel();
      const counters = new SharedArrayBuffer(8);
      const input: ReadAheadInput = { files: [...files], spec, maxFileSize: options.maxFileSize, track: options.track, port: port2, counters };
      const worker = new Worker(WORKER_SCRIPT, { workerData: input, transferList: [port2] });
      worker.unref();
      // An error in the thread arrives as a 'failed' item; this keeps an uncaught one from crashing the run.
      worker.on('error', () => undefined);
      return new ReadAhead(worker, port1, counters);
    } catch {
      return undefined;
    }
  }

  /**
   * The next item, which must be `file`'s; undefined when the thread failed, stalled or is out of
   * step, after which it is never asked again and the caller reads the rest itself.
   */
  next(file: string): ReadAheadItem | undefined {
    if (this.failed) return undefined;
    for (;;) {
      const posted = Atomics.load(this.counters, 0);
      const received = receiveMessageOnPort(this.port);
      if (received) {
        Atomics.add(this.counters, 1, 1);
        Atomics.notify(this.counters, 1);
        const item = received.message as ReadAheadItem | { failed: string };
        if ('failed' in item || item.file !== file) return this.giveUp();
        return item;
      }
      if (Atomics.wait(this.counters, 0, posted, STALL_MS) === 'timed-out') return this.giveUp();
    }
  }

  /** Stops the thread (results not taken are dropped). */
  close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private giveUp(): undefined {
    this.failed = true;
    this.close();
    return undefined;
  }
}

/**
 * Files read from disk for the pre-filter, recording what was read while tracking: the text, null
 * for a file probed and absent, or undefined for a file recorded without its text (`record`), whose
 * stamp is then taken from the disk (or the run's stamps) without it.
 */
class DiskFiles implements SourceFiles {
  reads: Map<string, string | null | undefined> | undefined;
  /**
   * Whether each file read while tracking exists. Files are taken to hold still during a run (as
   * the stamps are): a dependency recorded again, by every file whose pre-filter reaches it or
   * probes its path, is not read again. Reading it once per dependent was most of the read-ahead
   * thread's time in a cold `--cache` run of a large monorepo.
   */
  private readonly exists = new Map<string, boolean>();

  get tracking(): boolean {
    return this.reads !== undefined;
  }

  readFile(fileName: string): string | undefined {
    let text: string | undefined;
    try {
      text = fs.readFileSync(fileName, 'utf8');
    } catch {
      text = undefined;
    }
    this.reads?.set(fileName, text ?? null);
    if (this.reads) this.exists.set(fileName, text !== undefined);
    return text;
  }

  record(fileName: string): boolean {
    const known = this.exists.get(fileName);
    if (known === undefined || !this.reads) return this.readFile(fileName) !== undefined;
    if (!this.reads.has(fileName)) this.reads.set(fileName, known ? undefined : null);
    return known;
  }

  /**
   * Resolutions by the path a specifier names, while not tracking: a run's files do not appear or
   * vanish under it, and probing by reading costs a whole read per candidate (a fifth of this
   * thread's time on a large monorepo before).
   */
  private readonly resolved = new Map<string, string | undefined>();

  resolveModule(fromFile: string, specifier: string): string | undefined {
    // While tracking (the cache) every probe is a read, so that the result records what it depends on.
    if (this.tracking) return resolveRelativeModule(fromFile, specifier, (candidate) => this.record(candidate));
    const key = path.resolve(path.dirname(fromFile), specifier);
    if (this.resolved.has(key)) return this.resolved.get(key);
    const file = resolveRelativeModule(fromFile, specifier, isFile);
    this.resolved.set(key, file);
    return file;
  }
}

function isFile(fileName: string): boolean {
  try {
    return fs.statSync(fileName, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** The thread's side: reads and judges every file in order, posting one item each. */
export function runReadAhead(input: ReadAheadInput): void {
  const counters = new Int32Array(input.counters);
  const files = new DiskFiles();
  const post = (item: ReadAheadItem | { failed: string }): void => {
    input.port.postMessage(item);
    Atomics.add(counters, 0, 1);
    Atomics.notify(counters, 0);
  };
  try {
    const prefilter = Prefilter.fromSpec(input.spec, files);
    const stamps: StampMemo = new Map();
    let posted = 0;
    for (const file of input.files) {
      // Far enough ahead: wait until the main thread takes more.
      while (posted - Atomics.load(counters, 1) >= MAX_AHEAD) Atomics.wait(counters, 1, Atomics.load(counters, 1), 1000);
      posted++;
      const read = readSource(file, input.maxFileSize);
      if (!read.ok) {
        post({ file, error: read.error });
        continue;
      }
      if (input.track) files.reads = new Map();
      const decision = prefilter.decide(file, read.text);
      const text = decision.parse ? read.text : undefined;
      if (!input.track) {
        post({ file, decision, text });
        continue;
      }
      const deps: Record<string, Stamp> = {};
      for (const [dep, depText] of files.reads ?? []) if (dep !== file) deps[dep] = stampOfRead(dep, depText, stamps);
      files.reads = undefined;
      post({ file, decision, text, stamp: stampOfRead(file, read.text, stamps), deps });
    }
  } catch (e) {
    post({ failed: (e as Error)?.message ?? String(e) });
  }
}
