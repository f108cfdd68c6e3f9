import * as path from 'node:path';
import { diskHost, discoverFiles, fixText, readSource, type FileAnalysis, type Finding, type SourceHost } from '@eos/analyzer';
import {
  type CancellationToken,
  CodeActionKind,
  type Connection,
  type Diagnostic,
  DidChangeConfigurationNotification,
  type InitializeParams,
  type InitializeResult,
  type TextEdit,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AuditProgressNotification,
  AuditRequest,
  FIX_ALL_KIND,
  StatusNotification,
  type AuditParams,
  type AuditProgressParams,
  type AuditResult,
  type EosSettings,
  type InitializationOptions,
  type ServerState,
  type StatusParams,
} from '../protocol';
import { codeActionsFor } from './code-actions';
import { toDiagnostic } from './diagnostics';
import { FindingsStore, type OriginResult } from './findings-store';
import { createFolderContext, DEFAULT_SETTINGS, type FolderContext } from './folder-context';
import { IncrementalParser } from './incremental-parser';
import { internalErrorsProblem } from './internal-errors';
import { TextIndex } from './text-index';
import { pathOfUri, uriOfPath } from './uris';

/** Quiet time after the last keystroke before a document is re-analysed (eos.run = onType). */
const TYPING_DEBOUNCE_MS = 150;
/** Upper bound of the debounce: a file whose analysis is slow waits as long as it takes, up to this. */
const MAX_TYPING_DEBOUNCE_MS = 2000;
/** Files analysed between two yields to the event loop during an audit (keeps requests answered). */
const AUDIT_CHUNK = 20;
/** An analysis slower than this is logged, to find what makes the editor slow. */
const SLOW_ANALYSIS_MS = 250;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The eos language server: keeps a warm analyzer per workspace folder, analyses open documents
 * on open, on change (debounced) and on save, publishes findings as diagnostics and answers code
 * actions from their fixes. A failure of the analyzer on one file becomes a log line and an error
 * state in the status item; the server keeps serving every other file.
 */
export class EosServer {
  private readonly documents = new TextDocuments(TextDocument);
  /** Open documents by file path (the analyzer speaks paths, LSP speaks URIs). */
  private readonly openFiles = new Map<string, string>();
  private readonly parser = new IncrementalParser((file) => this.openFiles.has(file));
  private readonly store = new FindingsStore();
  private readonly contexts = new Map<string, Promise<FolderContext>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Files whose diagnostics come from the last audit (re-read from disk when closed). */
  private readonly audited = new Set<string>();
  /** Version of each document at its last analysis; code actions re-analyse when it is older. */
  private readonly analysedVersions = new Map<string, number>();
  private folders: string[] = [];
  private trusted = true;
  /** Where the bundled rule docs are (diagnostic codes link to them). */
  private docsDir: string | undefined;
  private configurationRequests = false;
  private state: StatusParams = { state: 'ready' };
  /** onSave mode: findings of an edited, unsaved version, for code actions only (never published). */
  private readonly unpublished = new Map<string, { version: number; findings: Finding[] }>();
  /** What was last published per URI (serialised), to skip identical publishes. */
  private readonly published = new Map<string, string>();
  /** Duration of each open document's last analysis: slow files are re-analysed less eagerly. */
  private readonly lastDurations = new Map<string, number>();
  /** Last problem per file or folder, shown in the status tooltip until it is resolved. */
  private readonly problems = new Map<string, string>();
  private watchTimer: NodeJS.Timeout | undefined;

  /** Reads imported files from the editor's buffers first, so unsaved edits count. */
  private readonly host: SourceHost = {
    readFile: (file) => {
      const uri = this.openFiles.get(path.resolve(file));
      const doc = uri ? this.documents.get(uri) : undefined;
      return doc ? doc.getText() : diskHost.readFile(file);
    },
  };

  constructor(private readonly connection: Connection) {}

  /** Wires every handler and starts listening. */
  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => {
      if (this.configurationRequests) void c.client.register(DidChangeConfigurationNotification.type, { section: 'eos' });
      c.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(e.removed.map((f) => pathOfUri(f.uri)));
        this.folders = this.folders.filter((f) => !removed.has(f)).concat(e.added.map((f) => pathOfUri(f.uri)).filter((f): f is string => !!f));
        this.resetContexts();
      });
    });
    c.onDidChangeConfiguration(() => this.resetContexts());
    c.onDidChangeWatchedFiles((params) => {
      // Configuration or sources changed on disk (git checkout, another tool): rebuild the analyzers
      // (their caches of imported files may be stale) once the burst of events is over.
      if (params.changes.length === 0) return;
      clearTimeout(this.watchTimer);
      this.watchTimer = setTimeout(() => this.resetContexts(), 300);
    });
    c.onCodeAction((params) => {
      const doc = this.documents.get(params.textDocument.uri);
      const file = pathOfUri(params.textDocument.uri);
      if (!doc || !file) return [];
      const started = performance.now();
      return this.freshFindings(doc, file).then(({ ctx, findings }) => {
        const actions = codeActionsFor({
          doc,
          findings,
          range: params.range,
          diagnostics: params.context.diagnostics,
          only: params.context.only,
          fixAll: () => this.fixAllEdits(ctx, doc, file),
        });
        const ms = performance.now() - started;
        if (ms > SLOW_ANALYSIS_MS) this.log(`${file}: code actions took ${Math.round(ms)} ms`);
        return actions;
      });
    });
    c.onRequest(AuditRequest, (params: AuditParams, token: CancellationToken) => this.audit(params, token));

    const d = this.documents;
    d.onDidOpen((e) => {
      const file = pathOfUri(e.document.uri);
      if (file) this.openFiles.set(file, e.document.uri);
      this.schedule(e.document.uri, 0);
    });
    d.onDidChangeContent((e) => {
      // The first change event follows didOpen immediately; the open schedule already covers it.
      if (!this.analysedVersions.has(e.document.uri) && this.timers.has(e.document.uri)) return;
      void this.contextOfUri(e.document.uri).then((ctx) => {
        if (ctx?.settings.run === 'onType') this.schedule(e.document.uri, this.typingDelay(e.document.uri));
      });
    });
    d.onDidSave((e) => this.schedule(e.document.uri, 0));
    d.onDidClose((e) => this.closed(e.document.uri));
    d.listen(c);
    c.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    this.trusted = options.trusted !== false;
    this.docsDir = options.docsDir;
    this.configurationRequests = !!params.capabilities.workspace?.configuration;
    this.folders = (params.workspaceFolders ?? []).map((f) => pathOfUri(f.uri)).filter((f): f is string => !!f);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'eos' },
    };
  }

  // ---- folder contexts (settings, configuration, warm analyzer) ----

  private folderOf(file: string): string | undefined {
    let best: string | undefined;
    for (const f of this.folders) {
      const rel = path.relative(f, file);
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && (!best || f.length > best.length)) best = f;
    }
    return best;
  }

  private contextOfUri(uri: string): Promise<FolderContext | undefined> {
    const file = pathOfUri(uri);
    return file ? this.contextOf(file) : Promise.resolve(undefined);
  }

  private contextOf(file: string): Promise<FolderContext> {
    const folder = this.folderOf(file);
    const key = folder ?? '';
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = this.settingsFor(folder ?? file).then((settings) => {
        const context = createFolderContext({ folder, settings, trusted: this.trusted, host: this.host, parse: (f, t) => this.parser.parse(f, t) });
        this.log(`settings of ${folder ?? 'files outside the workspace folders'}: ${JSON.stringify(settings)}${context.config?.file ? `; configuration ${context.config.file}` : ''}`);
        this.noteProblem(`config:${key}`, context.configProblem);
        return context;
      });
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  private async settingsFor(scope: string): Promise<EosSettings> {
    if (!this.configurationRequests) return DEFAULT_SETTINGS;
    try {
      const raw = (await this.connection.workspace.getConfiguration({ scopeUri: uriOfPath(scope), section: 'eos' })) as Partial<EosSettings> | null;
      return {
        enable: raw?.enable ?? DEFAULT_SETTINGS.enable,
        run: raw?.run === 'onSave' ? 'onSave' : 'onType',
        rules: raw?.rules && typeof raw.rules === 'object' ? raw.rules : {},
        typeAware: raw?.typeAware === true,
      };
    } catch (e) {
      this.log(`cannot read the eos settings (${(e as Error).message}); using defaults`);
      return DEFAULT_SETTINGS;
    }
  }

  /** Settings or configuration changed: rebuild every analyzer and re-analyse what is shown. */
  private resetContexts(): void {
    this.contexts.clear();
    for (const key of [...this.problems.keys()]) if (key.startsWith('config:') || key.startsWith('types:')) this.problems.delete(key);
    this.sendStatus();
    for (const doc of this.documents.all()) {
      // With eos.run = onSave an edited, unsaved buffer waits for its save, even now.
      void this.contextOfUri(doc.uri).then((ctx) => {
        if (ctx?.settings.run !== 'onSave' || this.analysedVersions.get(doc.uri) === doc.version) this.schedule(doc.uri, 0);
      });
    }
    const closedAudited = [...this.audited].filter((f) => !this.openFiles.has(f));
    if (closedAudited.length > 0) void this.analyseFilesFromDisk(closedAudited);
  }

  // ---- analysis of open documents ----

  private schedule(uri: string, delayMs: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.analyseDocument(uri);
      }, delayMs),
    );
  }

  /**
   * Debounce after a keystroke: at least TYPING_DEBOUNCE_MS, and as long as the document's last
   * analysis took (capped), so a huge file is not re-analysed after every key while its server
   * thread is still busy with the previous run.
   */
  private typingDelay(uri: string): number {
    return Math.min(MAX_TYPING_DEBOUNCE_MS, Math.max(TYPING_DEBOUNCE_MS, this.lastDurations.get(uri) ?? 0));
  }

  private async analyseDocument(uri: string): Promise<void> {
    const doc = this.documents.get(uri);
    const file = pathOfUri(uri);
    if (!doc || !file) return;
    const ctx = await this.contextOf(file);
    if (this.documents.get(uri) !== doc) return; // closed (or reopened) meanwhile
    const started = performance.now();
    this.analyseText(ctx, file, doc.getText(), uri);
    this.lastDurations.set(uri, performance.now() - started);
    this.analysedVersions.set(uri, doc.version);
    // Files whose findings land in this one were analysed against its old text.
    for (const origin of this.store.dependentsOf(file)) {
      const originUri = this.openFiles.get(origin);
      if (originUri) this.schedule(originUri, this.typingDelay(originUri));
    }
  }

  /**
   * Code actions need findings whose offsets match the current text. With eos.run = onType a stale
   * document is re-analysed (and published) now; with onSave the diagnostics must wait for the
   * save, so the fresh findings serve the code actions only (once per document version: the editor
   * asks for code actions at every cursor move).
   */
  private async freshFindings(doc: TextDocument, file: string): Promise<{ ctx: FolderContext; findings: Finding[] }> {
    const ctx = await this.contextOf(file);
    if (this.analysedVersions.get(doc.uri) === doc.version) return { ctx, findings: this.currentFindings(file, doc) };
    if (ctx.settings.run === 'onType') {
      clearTimeout(this.timers.get(doc.uri));
      this.timers.delete(doc.uri);
      this.analyseText(ctx, file, doc.getText(), doc.uri);
      this.analysedVersions.set(doc.uri, doc.version);
      return { ctx, findings: this.currentFindings(file, doc) };
    }
    const cached = this.unpublished.get(doc.uri);
    if (cached?.version === doc.version) return { ctx, findings: cached.findings };
    let findings: Finding[] = [];
    try {
      if (ctx.settings.enable && !ctx.isIgnored(file)) findings = ctx.analyzer.analyzeText(file, doc.getText()).findings.filter((f) => f.file === file);
    } catch (e) {
      this.log(`internal error while analysing ${file} for code actions: ${(e as Error)?.stack ?? String(e)}`);
    }
    this.unpublished.set(doc.uri, { version: doc.version, findings });
    return { ctx, findings };
  }

  /**
   * Analyses one text as the origin `file` and publishes the diagnostics it changes. Never throws:
   * a failing analysis is logged, shown in the status item, and leaves the file without findings.
   */
  private analyseText(ctx: FolderContext, file: string, text: string, uri?: string): FileAnalysis | undefined {
    const problemKey = `file:${file}`;
    if (!ctx.settings.enable || ctx.isIgnored(file)) {
      this.publish(this.store.set(file, undefined), file);
      this.noteProblem(problemKey, undefined);
      return undefined;
    }
    if (Buffer.byteLength(text) > ctx.maxFileSize) {
      this.publish(this.store.set(file, undefined), file);
      this.noteProblem(problemKey, undefined);
      this.log(`${file}: larger than ${ctx.maxFileSize} bytes (maxFileSize); not analysed`);
      return undefined;
    }
    const started = performance.now();
    let analysis: FileAnalysis;
    try {
      analysis = ctx.analyzer.analyzeText(file, text);
    } catch (e) {
      const err = e as Error;
      this.log(`internal error while analysing ${file}: ${err?.stack ?? String(e)}`);
      this.noteProblem(problemKey, `analysis of ${path.basename(file)} failed: ${err?.message ?? String(e)} (see the eos output)`);
      this.publish(this.store.set(file, undefined), file);
      return undefined;
    }
    const ms = performance.now() - started;
    if (ms > SLOW_ANALYSIS_MS) this.log(`${file}: analysis took ${Math.round(ms)} ms`);
    this.noteInternalErrors(file, analysis);
    const typeProblem = ctx.typeAwareProblem();
    if (typeProblem) this.noteProblem(`types:${ctx.folder ?? ''}`, `eos.typeAware: ${typeProblem}; analysing syntactically`);
    if (analysis.errors.length > 0) {
      // Syntax errors: a half-parsed file gives bogus findings, so nothing new is reported. The
      // previous diagnostics stay while the user is typing through an incomplete statement.
      if (!this.store.has(file) || uri === undefined) this.publish(this.store.set(file, undefined), file);
      return analysis;
    }
    this.publish(this.store.set(file, this.originResult(ctx, file, text, analysis.findings)), file);
    return analysis;
  }

  private originResult(ctx: FolderContext, file: string, text: string, findings: Finding[]): OriginResult {
    const byFile = new Map<string, Finding[]>();
    const texts = new Map<string, string>([[file, text]]);
    for (const f of findings) {
      const list = byFile.get(f.file);
      if (list) list.push(f);
      else byFile.set(f.file, [f]);
      if (!texts.has(f.file)) {
        const other = ctx.analyzer.project.factsOf(f.file)?.sourceFile.text ?? this.host.readFile(f.file);
        if (other !== undefined) texts.set(f.file, other);
      }
    }
    return { byFile, texts };
  }

  private closed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.analysedVersions.delete(uri);
    this.lastDurations.delete(uri);
    this.unpublished.delete(uri);
    const file = pathOfUri(uri);
    if (!file) return;
    this.openFiles.delete(file);
    this.parser.forget(file);
    this.problems.delete(`file:${file}`);
    if (this.audited.has(file)) void this.analyseFilesFromDisk([file]);
    else this.publish(this.store.set(file, undefined), file);
    this.sendStatus();
  }

  /** Findings shown in `file` whose offsets match the document's current text. */
  private currentFindings(file: string, doc: TextDocument): Finding[] {
    const text = doc.getText();
    return this.store.findingsIn(file).filter((x) => x.text === text).map((x) => x.finding);
  }

  /** The fix-all edit: safe fixes applied and re-analysed until stable, as one minimal edit. */
  private fixAllEdits(ctx: FolderContext, doc: TextDocument, file: string): TextEdit[] | undefined {
    const original = doc.getText();
    let result;
    try {
      result = fixText(ctx.analyzer, file, original, 'safe');
    } catch (e) {
      this.log(`fix-all failed on ${file}: ${(e as Error)?.stack ?? String(e)}`);
      return undefined;
    } finally {
      // The fix passes analysed intermediate texts; put the document's own result back.
      this.analyseText(ctx, file, original, doc.uri);
    }
    if (result.problem) this.log(`fix-all on ${file}: ${result.problem}`);
    if (result.text === original) return undefined;
    return [minimalEdit(doc, original, result.text)];
  }

  // ---- audit ----

  private async audit(params: AuditParams, token: CancellationToken): Promise<AuditResult> {
    const started = performance.now();
    const folders = params.folders?.length ? params.folders : this.folders;
    const result: AuditResult = { files: 0, parsed: 0, findings: 0, skipped: [], cancelled: false, ms: 0 };
    // A new audit replaces the previous one; open documents keep their live diagnostics.
    this.audited.clear();
    this.publishAll(this.store.prune((origin) => this.openFiles.has(origin)));
    this.setState({ state: 'busy', detail: 'auditing the workspace' });
    try {
      const work: Array<{ ctx: FolderContext; file: string }> = [];
      for (const folder of folders) {
        const ctx = await this.contextOf(path.join(folder, '.'));
        if (!ctx.settings.enable) continue;
        const discovery = discoverFiles([folder], { cwd: folder, ignore: ctx.config?.config.ignore, ignoreBase: ctx.config?.baseDir, includeTests: ctx.config?.config.includeTests });
        for (const e of discovery.errors) result.skipped.push(e);
        for (const file of discovery.files) work.push({ ctx, file });
      }
      result.files = work.length;
      for (let i = 0; i < work.length; i++) {
        if (i % AUDIT_CHUNK === 0) {
          const progress: AuditProgressParams = { done: i, total: work.length };
          void this.connection.sendNotification(AuditProgressNotification, progress);
          await yieldToEventLoop();
          if (token.isCancellationRequested) {
            result.cancelled = true;
            break;
          }
        }
        const { ctx, file } = work[i];
        const analysis = this.analyseFile(ctx, file, result.skipped);
        if (!analysis) continue;
        this.audited.add(file);
        if (analysis.parsed) result.parsed++;
        for (const e of analysis.errors) result.skipped.push(e);
      }
      result.findings = this.store.files().reduce((n, f) => n + this.store.findingsIn(f).length, 0);
    } finally {
      result.ms = Math.round(performance.now() - started);
      this.setState({ state: 'ready' });
      this.sendStatus();
    }
    this.log(`audit: ${result.files} files, ${result.parsed} parsed, ${result.findings} findings, ${result.skipped.length} skipped, ${result.ms} ms${result.cancelled ? ' (cancelled)' : ''}`);
    for (const s of result.skipped) this.log(`  skipped ${s.file}: ${s.message}`);
    return result;
  }

  /** Analyses a file from disk (or from its open buffer). Undefined when it could not be read. */
  private analyseFile(ctx: FolderContext, file: string, skipped: AuditResult['skipped']): FileAnalysis | undefined {
    const uri = this.openFiles.get(file);
    const doc = uri ? this.documents.get(uri) : undefined;
    if (doc) return this.analyseText(ctx, file, doc.getText(), uri);
    const read = readSource(file, ctx.maxFileSize);
    if (!read.ok) {
      skipped.push(read.error);
      return undefined;
    }
    return this.analyseText(ctx, file, read.text);
  }

  private async analyseFilesFromDisk(files: string[]): Promise<void> {
    for (let i = 0; i < files.length; i++) {
      if (i % AUDIT_CHUNK === 0) await yieldToEventLoop();
      const file = files[i];
      if (this.openFiles.has(file)) continue;
      const ctx = await this.contextOf(file);
      if (!this.analyseFile(ctx, file, [])) this.publish(this.store.set(file, undefined), file);
    }
  }

  // ---- publishing ----

  private publishAll(files: Iterable<string>): void {
    for (const f of files) this.publishFile(f);
  }

  private publish(touched: Set<string>, file: string): void {
    touched.add(file);
    this.publishAll(touched);
  }

  private publishFile(file: string): void {
    const uri = this.openFiles.get(file) ?? uriOfPath(file);
    const indexes = new Map<string, TextIndex>();
    const indexOfText = (text: string): TextIndex => {
      let index = indexes.get(text);
      if (!index) indexes.set(text, (index = new TextIndex(text)));
      return index;
    };
    const indexOfFile = (other: string): TextIndex | undefined => {
      const text = this.host.readFile(other);
      return text === undefined ? undefined : indexOfText(text);
    };
    const diagnostics: Diagnostic[] = this.store.findingsIn(file).map(({ finding, text }) => toDiagnostic(finding, indexOfText(text), indexOfFile, this.docsDir));
    // Every publish is a marker change in the editor, which restarts its pending code-action
    // requests (a Ctrl+. menu can vanish): send only what changed.
    const key = JSON.stringify(diagnostics);
    if (this.published.get(uri) === key) return;
    if (diagnostics.length === 0) this.published.delete(uri);
    else this.published.set(uri, key);
    void this.connection.sendDiagnostics({ uri, diagnostics });
  }

  // ---- status and log ----

  private noteProblem(key: string, problem: string | undefined): void {
    const before = this.problems.get(key);
    if (problem === before) return;
    if (problem === undefined) this.problems.delete(key);
    else {
      this.problems.set(key, problem);
      this.log(problem);
    }
    this.sendStatus();
  }

  /**
   * A rule that threw leaves its findings out of the file's diagnostics: the status item turns to
   * error naming the rules, a warning says so once per file and rules, and the log keeps each
   * error with its stack frame. A later clean analysis of the file clears it.
   */
  private noteInternalErrors(file: string, analysis: FileAnalysis): void {
    const problem = internalErrorsProblem(file, analysis.internalErrors);
    const key = `file:${file}`;
    if (problem !== undefined && this.problems.get(key) !== problem) {
      for (const e of analysis.internalErrors ?? []) this.log(`${file}: ${e.message}`);
      void this.connection.window.showWarningMessage(`eos: ${problem}`);
    }
    this.noteProblem(key, problem);
  }

  private setState(state: StatusParams): void {
    this.state = state;
    void this.connection.sendNotification(StatusNotification, state);
  }

  /** Ready, or error with the latest problem; busy states are set around audits only. */
  private sendStatus(): void {
    if (this.state.state === 'busy') return;
    const problems = [...this.problems.values()];
    const next: StatusParams = problems.length > 0 ? { state: 'error' as ServerState, detail: problems[problems.length - 1] } : { state: 'ready' };
    if (next.state === this.state.state && next.detail === this.state.detail) return;
    this.setState(next);
  }

  private log(message: string): void {
    this.connection.console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
  }
}

/** One edit turning `before` into `after`: the span between their common prefix and suffix. */
function minimalEdit(doc: TextDocument, before: string, after: string): TextEdit {
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return {
    range: { start: doc.positionAt(prefix), end: doc.positionAt(before.length - suffix) },
    newText: after.slice(prefix, after.length - suffix),
  };
}
