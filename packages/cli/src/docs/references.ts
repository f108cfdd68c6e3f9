import { docPageOf, docsUrlOf } from '@eos/analyzer/dist/light';

/**
 * Where a reader finds the doc page of a rule: its web address when the project publishes the
 * docs (`homepage` of @eos/analyzer), otherwise the command that prints the copy shipped with eos.
 * Takes the light entry so a reporter never loads the compiler.
 */

/** The command that prints a doc page. */
export function explainCommand(page: string): string {
  return `eos explain ${page}`;
}

/** The web address of a rule's doc page, or the `eos explain` command when the docs are not published. */
export function docsReference(ruleId: string, url: (page: string) => string | undefined = docsUrlOf): string {
  const page = docPageOf(ruleId);
  return url(page) ?? explainCommand(page);
}

/** `[text](other-page.md)`: a doc page's link to a sibling page (the only relative links the docs use). */
const SIBLING_PAGE_LINK = /\[([^\]]+)\]\(([a-z0-9-]+)\.md\)/g;

/**
 * A doc page's Markdown for readers who do not have the sibling files beside it (a terminal,
 * GitHub code scanning): links to other pages point at their web address, or become the
 * `eos explain` command when the docs are not published.
 */
export function resolvePageLinks(markdown: string, url: (page: string) => string | undefined = docsUrlOf): string {
  return markdown.replace(SIBLING_PAGE_LINK, (_, text: string, page: string) => {
    const href = url(page);
    return href ? `[${text}](${href})` : `${text} (\`${explainCommand(page)}\`)`;
  });
}
