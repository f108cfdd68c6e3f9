import * as fs from 'node:fs';
import * as path from 'node:path';
import { Args, Flags, type Interfaces } from '@oclif/core';
// The light entry: a cached rerun must not load the TypeScript compiler (see @eos/analyzer's light.ts).
import {
  auditPaths,
  builtInRules,
  cacheFileProblem,
  ConfigError,
  createAnalyzer,
  describeFsError,
  fixText,
  holdInterrupts,
  loadConfig,
  parseShard,
  readSource,
  sortFindings,
  DEFAULT_MAX_FILE_SIZE,
  DEFAULT_SKIPPED_DIRECTORIES,
  TEST_DIRECTORIES,
  SOURCE_EXTENSIONS,
  type AuditResult,
  type Finding,
  type FixSafety,
  type InputError,
  type InternalError,
  type Severity,
  type SeverityOrOff,
  type Shard,
  unifiedDiff,
} from '@eos/analyzer/dist/light';
import { colorEnabled } from '../ansi';
import { EosCommand, EXIT } from '../base-command';
import { FixRefused, metadataRefusal, outsideRefusal, readForFix, writeFixed } from '../fix/write-atomic';
import { FORMATS, reporters, type Format } from '../reporters';
import { shownPath } from '../reporters/paths';
import { Progress } from '../progress';
import { outputProblem, realPathOf } from '../written-paths';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Where --cache keeps results unless --cache-location says otherwise (gitignored in this repo). */
const DEFAULT_CACHE_FILE = '.eos-cache.json';

export default class Audit extends EosCommand {
  static override summary = 'Find exactly-once hazards: acks before the work, missing dedup, dual writes.';

  static override description = `Analyses JavaScript and TypeScript files (${SOURCE_EXTENSIONS.join(' ')}) under the given paths for message-processing bugs that lose messages, double effects on redelivery, or lose events. Folders are walked recursively; .gitignore is honoured and ${DEFAULT_SKIPPED_DIRECTORIES.join(', ')} are skipped, and so is test code (folders named ${TEST_DIRECTORIES.join(', ')}; files named *.test.*, *.spec.*, *.e2e-spec.*, *.e2e.*) unless --include-tests is given: a test's fake consumer or seeded database is not a hazard of the service.

Configuration comes from the nearest eos.config.json, or the "eos" key of package.json, in the working directory or above: rule severities and options, ignore globs, includeTests, maxFileSize.

A finding can be silenced on the line above it with a reason:
  // eos-ignore-next-line <rule-id> -- <why this is safe>
A suppression without a reason, or one that silences nothing, is reported.

Exit codes: 0 when no finding reaches --fail-on; 1 when one does, or when an input could not be analysed (each is named on stderr); 2 for usage or configuration errors and internal failures (one line on stderr).`;

  static override examples = [
    { description: 'Audit a service and show findings with code frames', command: '<%= config.bin %> <%= command.id %> ./src' },
    { description: 'Fail CI only on errors, as GitHub annotations', command: '<%= config.bin %> <%= command.id %> --fail-on error --format github' },
    { description: 'Write SARIF for GitHub code scanning', command: '<%= config.bin %> <%= command.id %> --format sarif --output eos.sarif' },
    { description: 'Show the safe fixes as a diff without writing', command: '<%= config.bin %> <%= command.id %> --fix --dry-run' },
    { description: 'Apply safe and unsafe fixes', command: '<%= config.bin %> <%= command.id %> src --fix-unsafe' },
    { description: 'Use the type checker (nearest tsconfig.json) where syntax cannot tell', command: '<%= config.bin %> <%= command.id %> --types' },
  ];

  static override strict = false;

  static override args = {
    paths: Args.string({ description: 'Files or folders to analyse (default: the working directory).', required: false }),
  };

  static override flags = {
    format: Flags.string({ char: 'f', description: 'Output format.', options: [...FORMATS], default: 'stylish' }),
    output: Flags.string({ char: 'o', description: 'Write the report to this file instead of stdout.' }),
    'fail-on': Flags.string({ description: 'Lowest severity that makes the run fail (exit 1).', options: ['error', 'warning', 'info'], default: 'warning' }),
    fix: Flags.boolean({ description: 'Apply safe fixes (behaviour changes only as far as the finding asks), then report what remains.' }),
    'fix-unsafe': Flags.boolean({ description: 'Apply safe and unsafe fixes (unsafe: correct in the common case; review the diff).' }),
    'dry-run': Flags.boolean({ description: 'With --fix or --fix-unsafe: print the unified diff of the fixes and write nothing.' }),
    types: Flags.boolean({ description: 'Type-aware resolution using the nearest tsconfig.json (slower; default is syntactic).' }),
    config: Flags.string({ char: 'c', description: 'Use this configuration file (eos.config.json or a package.json with an "eos" key) instead of searching.' }),
    gitignore: Flags.boolean({ description: 'Honour .gitignore files (--no-gitignore analyses ignored files too).', default: true, allowNo: true }),
    'include-tests': Flags.boolean({ description: 'Analyse test folders and files found in folders too (left out by default; "includeTests": true in the configuration does the same).' }),
    cache: Flags.boolean({ description: 'Reuse the results of files unchanged since the last --cache run (and unchanged files they import); keep the cache file between CI runs.' }),
    'cache-location': Flags.string({ description: 'The cache file (default: .eos-cache.json in the working directory).', dependsOn: ['cache'] }),
    prefilter: Flags.boolean({
      description: 'Skip files that cannot hold a finding without parsing them (--no-prefilter parses every file: slower, same findings; for checking that).',
      default: true,
      allowNo: true,
      hidden: true,
    }),
    shard: Flags.string({ description: 'Analyse only slice k of n (e.g. 2/4) for CI matrix jobs: every file lands in exactly one slice, always the same one.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Audit);
    const cwd = process.cwd();
    const paths = (argv as string[]).length > 0 ? (argv as string[]) : ['.'];
    try {
      const setup = this.setUp(flags, paths, cwd);
      const result = this.analyse(paths, setup, cwd);
      this.refuseEmptyRun(result, paths, setup.loaded, cwd);
      const { findings, notFixed } = await this.fixIfAsked(result, flags, paths, setup.options, cwd);
      this.writeReport(this.renderReport(result, findings, notFixed, flags, setup, cwd), flags.output, cwd);
      this.reportUnanalysed(result, cwd);
      process.exitCode = exitCodeOf(result, findings, notFixed, flags['fail-on'] as Severity);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      for (const line of e.lines) this.fail(line);
    }
  }

  /**
   * Everything decided before analysing: the configuration, the shard, and the files the run may
   * write (fixes, cache, report), each checked before anything is written.
   */
  private setUp(flags: AuditFlags, paths: readonly string[], cwd: string): RunSetup {
    if (flags['dry-run'] && !flags.fix && !flags['fix-unsafe']) throw new Stop('--dry-run shows the diff of fixes: use it with --fix or --fix-unsafe');
    const loaded = loadConfigOrStop(cwd, flags.config);
    if (loaded.file && loaded.aboveProject) {
      process.stderr.write(`eos: using the configuration ${shownPath(loaded.file, cwd)}, found above the project in ${shownPath(loaded.aboveProject, cwd) || '.'} (no git repository between them); put an eos.config.json in the project, or name one with --config\n`);
    }
    const cacheFile = flags.cache ? path.resolve(cwd, flags['cache-location'] ?? DEFAULT_CACHE_FILE) : undefined;
    checkOutputFile(flags.output, paths, loaded.file, cacheFile, cwd);
    const cacheProblem = cacheFile && cacheFileProblem(cacheFile);
    if (cacheProblem) throw new Stop(`--cache-location ${shownPath(cacheFile, cwd)}: ${cacheProblem}; nothing was written`);
    const { config } = loaded;
    const options: AnalysisOptions = {
      cwd,
      settings: config.rules,
      ignore: config.ignore,
      ignoreBase: loaded.baseDir,
      gitignore: flags.gitignore,
      includeTests: flags['include-tests'] || (config.includeTests ?? false),
      maxFileSize: config.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      types: flags.types,
      prefilter: flags.prefilter,
    };
    return { loaded, options, cacheFile, shard: shardOf(flags.shard) };
  }

  /** Runs the analysis with a progress line on stderr, and says when the cache could not be used. */
  private analyse(paths: readonly string[], { options, cacheFile, shard }: RunSetup, cwd: string): AuditResult {
    const progress = new Progress();
    let result: AuditResult;
    try {
      result = auditPaths([...paths], { ...options, cacheFile, shard, onProgress: (done, total) => progress.update(done, total) });
    } finally {
      progress.clear();
    }
    if (result.cacheNotice && cacheFile) process.stderr.write(`eos: cache ${shownPath(cacheFile, cwd)} not used (${result.cacheNotice}); analysing afresh\n`);
    return result;
  }

  /** A run that analysed nothing fails as a usage error instead of passing as if it had looked. */
  private refuseEmptyRun(result: AuditResult, paths: readonly string[], loaded: LoadedConfig, cwd: string): void {
    if (result.stats.files === 0 && result.configs.length === 0 && result.errors.length > 0 && result.errors.length === paths.length) {
      // Nothing could be read at all: every named path is wrong.
      throw new Stop(...result.errors.map((e) => `${shownPath(e.file, cwd)}: ${e.message}`));
    }
    const { ignored } = result.discovered;
    if (result.discovered.files === 0 && ignored.config + ignored.gitignore + ignored.tests > 0) {
      // As ESLint does ("all of the files matching the glob pattern are ignored").
      const by = [
        ignored.config > 0 ? `the "ignore" globs of ${loaded.file ? shownPath(loaded.file, cwd) : 'the configuration'}` : '',
        ignored.gitignore > 0 ? '.gitignore' : '',
        ignored.tests > 0 ? 'being test code: --include-tests analyses it' : '',
      ].filter(Boolean).join(' and ');
      throw new Stop(`nothing to analyse: every source file and folder under ${paths.join(', ')} is ignored (by ${by}); change the ignore rules or name the files to analyse`);
    }
  }

  /** With --fix / --fix-unsafe, applies the fixes (see `applyFixes`); otherwise the findings as found. */
  private async fixIfAsked(result: AuditResult, flags: AuditFlags, paths: readonly string[], options: AnalysisOptions, cwd: string): Promise<{ findings: Finding[]; notFixed: InputError[] }> {
    const fixAllow: FixSafety | undefined = flags['fix-unsafe'] ? 'unsafe' : flags.fix ? 'safe' : undefined;
    if (!fixAllow) return { findings: result.findings, notFixed: [] };
    const roots = paths.map((p) => realPathOf(path.resolve(cwd, p)));
    return this.applyFixes(result, fixAllow, Boolean(flags['dry-run']), options, cwd, roots);
  }

  /** The report in the chosen format; the input and internal errors are part of it. */
  private renderReport(result: AuditResult, findings: Finding[], notFixed: InputError[], flags: AuditFlags, { loaded, options }: RunSetup, cwd: string): string {
    const errors: Array<InputError | InternalError> = [...result.errors, ...result.internalErrors, ...notFixed];
    const format = flags.format as Format;
    const severityOf = (ruleId: string): SeverityOrOff =>
      loaded.config.rules[ruleId]?.severity ?? builtInRules().find((r) => r.meta.id === ruleId)?.meta.defaultSeverity ?? 'warning';
    const textCache = new Map<string, string | undefined>();
    return reporters[format]({
      cwd,
      findings,
      errors,
      stats: result.stats,
      // Loaded only by the reporters that list rule metadata (SARIF).
      get rules() {
        return builtInRules();
      },
      severityOf,
      readText: (file) => {
        if (!textCache.has(file)) {
          const read = readSource(file, options.maxFileSize);
          textCache.set(file, read.ok ? read.text : undefined);
        }
        return textCache.get(file);
      },
      color: !flags.output && format === 'stylish' && colorEnabled(process.stdout),
      version: this.config.version,
    });
  }

  /** The report to --output, or to stdout. */
  private writeReport(report: string, output: string | undefined, cwd: string): void {
    if (!output) {
      process.stdout.write(report);
      return;
    }
    try {
      fs.mkdirSync(path.dirname(path.resolve(cwd, output)), { recursive: true });
      fs.writeFileSync(path.resolve(cwd, output), report);
    } catch (e) {
      throw new Stop(`cannot write --output ${output}: ${(e as Error).message}`);
    }
  }

  /**
   * Inputs that could not be analysed and internal errors go to stderr, one line each, in every
   * format (stdout stays parseable); files that could not be fixed were named as they came up.
   */
  private reportUnanalysed(result: AuditResult, cwd: string): void {
    for (const e of result.errors) process.stderr.write(`eos: cannot analyse ${shownPath(e.file, cwd)}: ${e.message}\n`);
    for (const e of result.internalErrors) process.stderr.write(`eos: ${shownPath(e.file, cwd)}: ${e.message}\n`);
  }

  /**
   * Fixes every file that has a fix on offer, pass after pass until stable, and replaces it (see
   * fix/write-atomic.ts), or prints the diff with --dry-run. A file that cannot be fixed
   * faithfully (not UTF-8, outside the audited paths, metadata a replacement would lose, changed
   * meanwhile, a failed write) is named on stderr at once and returned in `notFixed`. Ctrl-C stops
   * between files, never inside a write. Returns the findings that remain.
   */
  private async applyFixes(
    result: AuditResult,
    allow: FixSafety,
    dryRun: boolean,
    options: AnalysisOptions,
    cwd: string,
    roots: readonly string[],
  ): Promise<{ findings: Finding[]; notFixed: InputError[] }> {
    const admits = (f: Finding) => f.fix !== undefined && (allow === 'unsafe' || f.fix.safety === 'safe');
    const toFix = [...new Set(result.findings.filter(admits).map((f) => f.file))];
    const notFixed: InputError[] = [];
    if (toFix.length === 0) return { findings: result.findings, notFixed };
    const { analyzer } = createAnalyzer(options, toFix[0]);
    const remainingByFile = new Map<string, Finding[]>();
    const refuse = (file: string, reason: string) => {
      process.stderr.write(`eos: ${shownPath(file, cwd)}: not fixed: ${reason}\n`);
      notFixed.push({ file, message: `not fixed: ${reason}` });
    };
    let fixedFiles = 0;
    let appliedCount = 0;
    const hold = dryRun ? undefined : holdInterrupts();
    try {
      for (const file of toFix) {
        if (await hold?.checkpoint()) break;
        const read = readSource(file, options.maxFileSize);
        if (!read.ok) continue;
        const snap = readForFix(file);
        if (!snap.ok) {
          refuse(file, snap.reason);
          continue;
        }
        const { snapshot } = snap;
        const refusal = snapshot.text !== read.text ? 'the file changed while eos read it; run eos again' : (outsideRefusal(snapshot, roots) ?? metadataRefusal(snapshot));
        if (refusal) {
          refuse(file, refusal);
          continue;
        }
        const fixed = fixText(analyzer, file, snapshot.text, allow);
        if (fixed.problem) process.stderr.write(`eos: ${shownPath(file, cwd)}: ${fixed.problem}\n`);
        for (const s of fixed.skipped) process.stderr.write(`eos: ${shownPath(file, cwd)}:${s.finding.line}:${s.finding.column}: fix for ${s.finding.ruleId} not applied: ${s.reason}\n`);
        if (fixed.text === snapshot.text) continue;
        if (dryRun) {
          process.stdout.write(unifiedDiff(shownPath(file, cwd), snapshot.text, fixed.text));
        } else {
          try {
            writeFixed(snapshot, fixed.text);
          } catch (e) {
            // A refusal or a file-system error names the file; anything else is a bug in eos.
            if (!(e instanceof FixRefused) && (e as NodeJS.ErrnoException).code === undefined) throw e;
            refuse(file, e instanceof FixRefused ? e.message : `cannot write the fixed file: ${describeFsError(e)}`);
            continue;
          }
          remainingByFile.set(file, fixed.remaining.filter((f) => f.file === file));
        }
        appliedCount += fixed.applied.length;
        fixedFiles++;
      }
    } finally {
      const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
      const interrupted = hold ? await hold.checkpoint() : undefined;
      process.stderr.write(
        `eos: ${interrupted ? `interrupted (${interrupted}): ` : ''}${dryRun ? 'would apply' : 'applied'} ${plural(appliedCount, 'fix', 'fixes')} in ${plural(fixedFiles, 'file')}` +
          `${notFixed.length > 0 ? `; ${plural(notFixed.length, 'file')} not fixed (see above)` : ''}${interrupted ? '; the other files are untouched' : ''}\n`,
      );
      // With a signal received, this ends the process (the signal's own effect, now that every write is whole).
      await hold?.release();
    }
    if (dryRun) return { findings: result.findings, notFixed };
    const kept = result.findings.filter((f) => !remainingByFile.has(f.file));
    return { findings: sortFindings([...kept, ...[...remainingByFile.values()].flat()]), notFixed };
  }
}

type AuditFlags = Interfaces.InferredFlags<typeof Audit.flags>;
type LoadedConfig = ReturnType<typeof loadConfig>;
type AnalysisOptions = Parameters<typeof createAnalyzer>[0];

/** What `setUp` decided, for the steps after it. */
interface RunSetup {
  loaded: LoadedConfig;
  options: AnalysisOptions;
  cacheFile: string | undefined;
  shard: Shard | undefined;
}

/** Ends the run with exit code 2 and these lines on stderr (a usage, configuration or output problem). */
class Stop extends Error {
  readonly lines: string[];
  constructor(...lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

function loadConfigOrStop(cwd: string, file: string | undefined): LoadedConfig {
  try {
    return loadConfig(cwd, () => builtInRules(), file);
  } catch (e) {
    if (e instanceof ConfigError) throw new Stop(`invalid configuration: ${e.message}`);
    throw e;
  }
}

/** --output must name a file that writing cannot harm (not an input, the configuration or the cache). */
function checkOutputFile(output: string | undefined, paths: readonly string[], configFile: string | undefined, cacheFile: string | undefined, cwd: string): void {
  if (output === undefined) return;
  const problem = output === '' ? 'needs a file name (without --output the report goes to stdout)' : outputProblem(path.resolve(cwd, output), { paths: paths.map((p) => path.resolve(cwd, p)), config: configFile, cache: cacheFile });
  if (problem) throw new Stop(`--output ${output}: ${problem}; nothing was written`);
}

function shardOf(flag: string | undefined): Shard | undefined {
  if (flag === undefined) return undefined;
  const parsed = parseShard(flag);
  if (typeof parsed === 'string') throw new Stop(parsed);
  return parsed;
}

/** 2 after an internal error; 1 for a finding at or above --fail-on, an input not analysed or a file not fixed; else 0. */
function exitCodeOf(result: AuditResult, findings: readonly Finding[], notFixed: readonly InputError[], failOn: Severity): number {
  if (result.internalErrors.length > 0) return EXIT.error;
  const threshold = SEVERITY_RANK[failOn];
  const failing = findings.some((f) => SEVERITY_RANK[f.severity] >= threshold);
  return failing || result.errors.length > 0 || notFixed.length > 0 ? EXIT.findings : EXIT.ok;
}
