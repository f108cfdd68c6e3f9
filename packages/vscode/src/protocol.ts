/**
 * Messages between the extension (client) and the eos language server beyond standard LSP.
 * Only plain JSON crosses this boundary.
 */

/** What the status bar shows. */
export type ServerState = 'ready' | 'busy' | 'error' | 'disabled';

/** Server → client: the server's state, for the status bar item. */
export const StatusNotification = 'eos/status';
export interface StatusParams {
  state: ServerState;
  /** One line for the tooltip: last error, or what is being analysed. */
  detail?: string;
}

/** Client → server: analyse every source file of the workspace folders and publish the diagnostics. */
export const AuditRequest = 'eos/audit';
export interface AuditParams {
  /** Folder paths to audit; all workspace folders when omitted. */
  folders?: string[];
}
export interface AuditResult {
  files: number;
  /** Files the pre-filter let through to the parser. */
  parsed: number;
  findings: number;
  /** Files that could not be analysed (unreadable, too large, syntax errors), with the reason. */
  skipped: Array<{ file: string; message: string }>;
  cancelled: boolean;
  ms: number;
}

/** Server → client during an audit. */
export const AuditProgressNotification = 'eos/auditProgress';
export interface AuditProgressParams {
  done: number;
  total: number;
}

/** Server → client, as a code action command: insert a suppression comment as a snippet. */
export const DisableForLineCommand = 'eos.disableForLine';
export interface DisableForLineArgs {
  uri: string;
  /** 0-based line the suppression comment goes on (the finding's line; the finding moves down). */
  line: number;
  /** Indentation of the finding's line, repeated on the comment. */
  indent: string;
  ruleId: string;
}

/** Opens a doc page bundled with the extension in the Markdown preview; argument: the page (`docPageOf(ruleId)`). */
export const ShowRuleDocsCommand = 'eos.showRuleDocs';

/** The code action kind of "fix all eos problems". */
export const FIX_ALL_KIND = 'source.fixAll.eos';

/** Settings of one workspace folder, as the client reads them (section `eos`). */
export interface EosSettings {
  enable: boolean;
  run: 'onType' | 'onSave';
  /** Severity per rule id, overriding eos.config.json. */
  rules: Record<string, 'error' | 'warning' | 'info' | 'off'>;
  typeAware: boolean;
}

/** Passed at start-up. */
export interface InitializationOptions {
  /** Restricted Mode: the workspace's own configuration (eos.config.json) is not read. */
  trusted: boolean;
  /** Folder of the rule docs bundled with the extension (out/docs/rules), as a file system path. */
  docsDir?: string;
}
