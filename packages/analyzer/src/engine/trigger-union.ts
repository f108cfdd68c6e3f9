/**
 * One regular expression that matches wherever any of several patterns matches: the pre-filter's
 * first test, run on every file of a repository.
 *
 * Why not just join the sources: most files match none of the patterns, so the union's cost is a
 * full scan, and V8's engine tries every alternative at every position, so that scan costs about
 * as much as all the patterns run one by one. The rules' triggers share many alternatives
 * (`eachMessage`, `dedup`, `amqplib` appear in several) and many literal ones contain another
 * (`consumed` contains `consume`), so the union keeps each alternative once and drops literals
 * that contain a shorter one: every file it matched before it still matches, with a shorter scan.
 * The union is case-insensitive when any pattern is (it may then match more, never less).
 */
export function unionOf(patterns: readonly RegExp[]): RegExp {
  const ignoreCase = patterns.some((p) => p.ignoreCase);
  const literals = new Map<string, string>();
  const others = new Set<string>();
  for (const pattern of patterns) {
    // Joined into one pattern, group numbers shift, and a numbered backreference would point elsewhere.
    if (/\\[1-9]/.test(pattern.source)) throw new Error(`pattern /${pattern.source}/ uses a numbered backreference and cannot be joined`);
    for (const alternative of topLevelAlternatives(pattern.source)) {
      const literal = literalOf(alternative);
      if (literal === undefined) others.add(alternative);
      else literals.set(ignoreCase ? literal.toLowerCase() : literal, alternative);
    }
  }
  const fold = (text: string): string => (ignoreCase ? text.toLowerCase() : text);
  const kept = [...literals].filter(([text]) => ![...literals.keys()].some((shorter) => shorter !== text && text.includes(shorter)));
  const keptTexts = kept.map(([text]) => text);
  // An alternative whose every match starts with text containing a kept literal adds nothing.
  const needed = [...others].filter((alternative) => {
    const prefix = fold(leadingLiteral(alternative));
    return !keptTexts.some((literal) => prefix.includes(literal));
  });
  const sources = [...kept.map(([, source]) => source), ...needed.map((s) => `(?:${s})`)];
  return new RegExp(sources.join('|'), ignoreCase ? 'i' : '');
}

/** The alternatives of a pattern's outermost `|`, outside groups and character classes. */
export function topLevelAlternatives(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
  }
  out.push(source.slice(start));
  return out;
}

/**
 * The literal text every match of an alternative starts with: `handled_?(messages?|events?)` →
 * `handled`, `sendToQueue\(` → `sendToQueue(`, `\bnack` → `` (an assertion or class ends it).
 */
export function leadingLiteral(alternative: string): string {
  let out = '';
  for (let i = 0; i < alternative.length; i++) {
    let c = alternative[i];
    if (c === '\\') {
      const next = alternative[i + 1] ?? '';
      if (!/[^\w\s]/.test(next)) break; // \b, \s, \w, \d...: not a literal character
      c = next;
      i++;
    } else if ('()[].*+?{}|^$'.includes(c)) {
      break;
    }
    const quantifier = alternative[i + 1];
    if (quantifier === '?' || quantifier === '*' || quantifier === '{') break; // may be absent
    out += c;
    if (quantifier === '+') break;
  }
  return out;
}

/** The text an alternative matches when it is a plain literal (letters, digits, `_ @ - / .`), else undefined. */
function literalOf(alternative: string): string | undefined {
  if (!/^(?:[\w@-]|\\[/.-])+$/.test(alternative)) return undefined;
  return alternative.replace(/\\(.)/g, '$1');
}
