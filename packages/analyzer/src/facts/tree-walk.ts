import { ts } from 'ts-morph';

/**
 * Tree walks without recursion. A syntax tree can be as deep as its code nests: a 2,000-term
 * `"a" + "a" + …` is a chain of 2,000 binary expressions, and a recursive walk (three stack
 * frames a level through `forEachChild`) runs out of call stack near 1,700 levels. The walks
 * below keep their own stack on the heap, so any tree the parser could build can be walked.
 */

/** Read once: `ts.forEachChild` goes through ts-morph's `ts` getter each time. */
const forEachChild = ts.forEachChild;

/**
 * Visits `root` (unless `includeRoot` is false) and its descendants in document order, parents
 * before children, as a recursive `forEachChild` walk does. `visit` returning false skips the
 * node's subtree.
 */
export function walkTree(root: ts.Node, visit: (node: ts.Node) => boolean | void, includeRoot = true): void {
  const stack: ts.Node[] = [];
  const push = (child: ts.Node): void => {
    stack.push(child);
  };
  // Children are pushed in document order, then the segment is reversed so the first pops first.
  const pushChildren = (node: ts.Node): void => {
    const from = stack.length;
    forEachChild(node, push);
    for (let i = from, j = stack.length - 1; i < j; i++, j--) {
      const t = stack[i];
      stack[i] = stack[j];
      stack[j] = t;
    }
  };
  if (includeRoot) stack.push(root);
  else pushChildren(root);
  while (stack.length > 0) {
    const node = stack.pop() as ts.Node;
    if (visit(node) === false) continue;
    pushChildren(node);
  }
}

/**
 * The first node under `root` (itself included) for which `test` holds, in document order, or
 * undefined: the iterative form of `forEachChild(n, (c) => search(c) || undefined)`.
 */
export function findInTree(root: ts.Node, test: (node: ts.Node) => boolean, descend: (node: ts.Node) => boolean = () => true): ts.Node | undefined {
  let found: ts.Node | undefined;
  walkTree(root, (n) => {
    if (found) return false;
    if (test(n)) {
      found = n;
      return false;
    }
    return descend(n);
  });
  return found;
}
