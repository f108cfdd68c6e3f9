import type { Finding } from '@eos/analyzer';

/** What one analysis run (of one file, the "origin") found, grouped by the file each finding is in. */
export interface OriginResult {
  /** Findings by absolute file path; a finding may land in a file the origin imports. */
  byFile: Map<string, Finding[]>;
  /** The text of each file above as the analysis read it: offsets are only valid against it. */
  texts: Map<string, string>;
}

/**
 * Findings of every analysed origin (open documents, audited files). The diagnostics of a file are
 * the union over all origins, because a handler imported from another file gets its findings when
 * the registering file is analysed.
 */
export class FindingsStore {
  private readonly origins = new Map<string, OriginResult>();

  /** Replaces the result of `origin`; returns every file whose diagnostics may have changed. */
  set(origin: string, result: OriginResult | undefined): Set<string> {
    const touched = new Set<string>();
    const before = this.origins.get(origin);
    if (before) for (const f of before.byFile.keys()) touched.add(f);
    if (result && result.byFile.size > 0) {
      this.origins.set(origin, result);
      for (const f of result.byFile.keys()) touched.add(f);
    } else {
      this.origins.delete(origin);
    }
    return touched;
  }

  has(origin: string): boolean {
    return this.origins.has(origin);
  }

  /** All findings in `file`, each with the text its offsets refer to; duplicates across origins once. */
  findingsIn(file: string): Array<{ finding: Finding; text: string }> {
    const out: Array<{ finding: Finding; text: string }> = [];
    const seen = new Set<string>();
    for (const result of this.origins.values()) {
      const list = result.byFile.get(file);
      const text = result.texts.get(file);
      if (!list || text === undefined) continue;
      for (const finding of list) {
        const key = `${finding.ruleId}:${finding.start}:${finding.end}:${finding.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ finding, text });
      }
    }
    return out;
  }

  /** Origins other than `file` itself whose findings land in `file` (they must re-run when it changes). */
  dependentsOf(file: string): string[] {
    return [...this.origins].filter(([origin, r]) => origin !== file && r.byFile.has(file)).map(([origin]) => origin);
  }

  /** Drops every origin for which `keep` is false; returns the files whose diagnostics changed. */
  prune(keep: (origin: string) => boolean): Set<string> {
    const touched = new Set<string>();
    for (const origin of [...this.origins.keys()]) {
      if (!keep(origin)) for (const f of this.set(origin, undefined)) touched.add(f);
    }
    return touched;
  }

  files(): string[] {
    const all = new Set<string>();
    for (const r of this.origins.values()) for (const f of r.byFile.keys()) all.add(f);
    return [...all];
  }
}
