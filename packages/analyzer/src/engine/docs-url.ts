/**
 * Where rule documentation is published. The docs live in this repository
 * (packages/analyzer/docs/rules/<id>.md); links point at their rendering on the project's
 * repository host. One place to change when the project moves.
 */
export const DOCS_BASE_URL = 'https://github.com/eos-tools/eos/blob/main/packages/analyzer/docs/rules/';

/** The documentation page of a rule id. */
export function docsUrlOf(ruleId: string): string {
  return `${DOCS_BASE_URL}${ruleId}.md`;
}
