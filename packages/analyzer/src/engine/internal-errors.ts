import type { InternalError } from '../types';

/** The first frame of an error's stack, without the leading `at ` (`fn (file:line:column)`). */
export function firstFrame(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  const line = stack?.split('\n').find((l) => /^\s+at /.test(l));
  return line?.trim().slice(3);
}

/**
 * An internal error for a throw while analysing `file`: names the rule (when one threw), the
 * error's message and its first stack frame, and says what is missing because of it.
 */
export function internalError(file: string, error: unknown, ruleId?: string): InternalError {
  const reason = error instanceof Error ? error.message : String(error);
  const frame = firstFrame(error);
  const where = ruleId ? `in rule ${ruleId}` : 'while analysing';
  const missing = ruleId ? `this rule's findings for this file are missing` : `this file's findings are missing`;
  const message = `internal error ${where}: ${reason}${frame ? ` (at ${frame})` : ''}; ${missing} (please report it)`;
  return { file, message, internal: true, ...(ruleId ? { ruleId } : {}), ...(frame ? { frame } : {}) };
}
