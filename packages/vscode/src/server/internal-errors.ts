import * as path from 'node:path';
import type { InternalError } from '@eos/analyzer';

/**
 * The status line for the internal errors of one file's analysis (a rule, or the analysis itself,
 * threw): names the rules and the file and says their findings are missing, so a bug in eos is
 * never a silent absence of diagnostics. Undefined when there are none. Each error's own message
 * (with its first stack frame) goes to the eos output beside it.
 */
export function internalErrorsProblem(file: string, errors: readonly InternalError[] | undefined): string | undefined {
  if (!errors || errors.length === 0) return undefined;
  const rules = [...new Set(errors.map((e) => e.ruleId).filter((id): id is string => id !== undefined))];
  const name = path.basename(file);
  const missing =
    rules.length === 0
      ? `the findings of ${name} are missing`
      : `the findings of rule${rules.length === 1 ? '' : 's'} ${rules.join(', ')} for ${name} are missing`;
  return `internal error in eos: ${missing} (see the eos output; please report it)`;
}
