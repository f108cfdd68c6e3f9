import { palette } from '../ansi';

/**
 * A doc page's Markdown as terminal text: headings emphasised, code blocks indented without their
 * fences, `**bold**` and links resolved, inline code highlighted. Only the constructs the rule
 * docs use; everything else (tables, lists) reads fine as written. Without colour, inline code
 * keeps its backticks so it still stands out.
 */
export function renderMarkdown(markdown: string, color: boolean): string {
  const c = palette(color);
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    const fenceMark = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence !== undefined) {
      if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = undefined;
      else out.push(line === '' ? '' : `    ${c.cyan(line)}`);
      continue;
    }
    if (fenceMark !== undefined) {
      fence = fenceMark;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2], color);
      out.push(heading[1].length === 1 ? c.bold(c.underline(text)) : c.bold(text));
      continue;
    }
    out.push(inline(line, color));
  }
  return out.join('\n');
}

/** Links, inline code and bold of one line (a link's text may hold code; code holds nothing else). */
function inline(line: string, color: boolean): string {
  const c = palette(color);
  return line
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, text: string, href: string) => `${text} ${c.dim(`(${href})`)}`)
    .split(/(`[^`]+`)/)
    .map((part, i) => {
      if (i % 2 === 1) return color ? c.cyan(part.slice(1, -1)) : part;
      return part.replace(/\*\*([^*]+)\*\*/g, (_, text: string) => c.bold(text));
    })
    .join('');
}
