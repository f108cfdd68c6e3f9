import { INVALID_SUPPRESSION, UNUSED_SUPPRESSION, docPageOf, docsHomepage, docsUrlOf, readRuleDoc, type Finding, type Severity } from '@eos/analyzer/dist/light';
import { pathToFileURL } from 'node:url';
import { resolvePageLinks } from '../docs/references';
import { renderMarkdown } from '../docs/terminal-markdown';
import { shownPath } from './paths';
import type { Reporter, ReportInput } from './types';

/** Base id relative artifact URIs resolve against (the working directory of the run). */
const SRCROOT = '%SRCROOT%';

type SarifLevel = 'error' | 'warning' | 'note';

const levelOf = (s: Severity): SarifLevel => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');

/** A rule as SARIF describes it (`reportingDescriptor`). */
interface RuleDescriptor {
  id: string;
  shortDescription: { text: string };
  /** The rule's doc page, shipped with eos (GitHub code scanning shows the Markdown). */
  help?: { text: string; markdown: string };
  /** Only when the docs are published on the web. */
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel; enabled: boolean };
  properties: Record<string, unknown>;
}

/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning and other viewers ingest it: one run whose driver
 * lists every rule (id, short description, its doc page as help, the help URI when the docs are
 * published, default level), results with regions
 * relative to %SRCROOT%, related locations, fixes as replacements, and the inputs that could not
 * be analysed as tool execution notifications.
 */
export const sarif: Reporter = (input) => {
  const rules = ruleDescriptors(input);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'eos',
            semanticVersion: input.version,
            version: input.version,
            ...optionalUri('informationUri', docsHomepage()),
            rules,
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(input.cwd) } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            // False when eos itself failed on a file (a rule threw): the results are incomplete.
            executionSuccessful: !input.errors.some((e) => 'internal' in e),
            toolExecutionNotifications: input.errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              ...('internal' in e && e.ruleId ? { associatedRule: { id: e.ruleId, ...(index.has(e.ruleId) ? { index: index.get(e.ruleId) } : {}) } } : {}),
              locations: [{ physicalLocation: { artifactLocation: artifact(e.file, input) } }],
            })),
          },
        ],
        results: input.findings.map((f) => result(f, input, index.get(f.ruleId))),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

function ruleDescriptors(input: ReportInput): RuleDescriptor[] {
  const help = helpOfPages();
  const descriptors: RuleDescriptor[] = input.rules.map((r) => {
    const configured = input.severityOf(r.meta.id);
    return {
      id: r.meta.id,
      shortDescription: { text: r.meta.description },
      ...help(r.meta.id),
      // The configured severity is what this run reports; "off" rules are listed as disabled.
      defaultConfiguration: { level: levelOf(configured === 'off' ? r.meta.defaultSeverity : configured), enabled: configured !== 'off' },
      properties: {
        tags: ['exactly-once', ...r.meta.brokers],
        consequence: r.meta.consequence,
        fixable: r.meta.fixable,
        requiresTypes: r.meta.requiresTypes,
      },
    };
  });
  const engine: Array<[string, string]> = [
    [UNUSED_SUPPRESSION, 'An eos-ignore-next-line comment that silences nothing'],
    [INVALID_SUPPRESSION, 'An eos-ignore-next-line comment without a rule id or a reason, or naming an unknown rule'],
  ];
  for (const [id, text] of engine) {
    descriptors.push({
      id,
      shortDescription: { text },
      ...help(id),
      defaultConfiguration: { level: 'warning', enabled: true },
      properties: { tags: ['suppressions'] },
    });
  }
  // Findings of rules not in the registry (should not happen) still get a descriptor.
  for (const f of input.findings) {
    if (!descriptors.some((d) => d.id === f.ruleId)) {
      descriptors.push({ id: f.ruleId, shortDescription: { text: f.ruleId }, defaultConfiguration: { level: levelOf(f.severity), enabled: true }, properties: {} });
    }
  }
  return descriptors;
}

/**
 * The help of a rule id: its doc page (read once per page and run), plus its web address when the
 * docs are published. Links to other pages are resolved, since a viewer has no sibling files.
 */
function helpOfPages(): (ruleId: string) => Pick<RuleDescriptor, 'help' | 'helpUri'> {
  const pages = new Map<string, Pick<RuleDescriptor, 'help' | 'helpUri'>>();
  return (ruleId) => {
    const page = docPageOf(ruleId);
    let entry = pages.get(page);
    if (!entry) {
      const markdown = resolvePageLinks(readRuleDoc(page));
      entry = { help: { text: renderMarkdown(markdown, false), markdown }, ...optionalUri('helpUri', docsUrlOf(page)) };
      pages.set(page, entry);
    }
    return entry;
  };
}

/** `{ [key]: uri }` when there is an address, `{}` when there is none (SARIF omits absent URIs). */
function optionalUri<K extends string>(key: K, uri: string | undefined): { [P in K]?: string } {
  return (uri === undefined ? {} : { [key]: uri }) as { [P in K]?: string };
}

function result(f: Finding, input: ReportInput, ruleIndex: number | undefined) {
  return {
    ruleId: f.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: levelOf(f.severity),
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: artifact(f.file, input), region: region(f) } }],
    ...(f.related && f.related.length > 0
      ? {
          relatedLocations: f.related.map((r, id) => ({
            id,
            message: { text: r.message },
            physicalLocation: { artifactLocation: artifact(r.file, input), region: offsetRegion(r.start, r.end) },
          })),
        }
      : {}),
    ...(f.fix
      ? {
          fixes: [
            {
              description: { text: `${f.fix.description} (${f.fix.safety})` },
              artifactChanges: [
                {
                  artifactLocation: artifact(f.file, input),
                  replacements: f.fix.edits.map((e) => ({ deletedRegion: offsetRegion(e.start, e.end), insertedContent: { text: e.text } })),
                },
              ],
            },
          ],
        }
      : {}),
    properties: { consequence: f.consequence, ...optionalUri('docsUrl', docsUrlOf(docPageOf(f.ruleId))) },
  };
}

function region(f: Finding) {
  return { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn, charOffset: f.start, charLength: f.end - f.start };
}

/** A region by character offsets (UTF-16 units, matching columnKind). */
function offsetRegion(start: number, end: number) {
  return { charOffset: start, charLength: end - start };
}

function artifact(file: string, input: ReportInput) {
  const shown = shownPath(file, input.cwd);
  // Files outside the working directory get an absolute file: URI instead of a ../ path.
  if (shown.startsWith('../') || shown === '..') return { uri: pathToFileURL(file).href };
  return { uri: shown.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}
