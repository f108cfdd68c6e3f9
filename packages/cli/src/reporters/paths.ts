import { displayPath } from '@eos/analyzer/dist/light';

/** A file as users see it in reports: relative to the working directory, forward slashes. */
export function shownPath(file: string, cwd: string): string {
  return displayPath(file, cwd) || '.';
}
