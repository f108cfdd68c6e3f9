import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { Effect } from '../effects/types';
import { calleeText } from '../syntax';
import { functionLabel } from './receivers';

/**
 * How a finding shows the way from the function it reports to an effect in another function:
 * "`CreateOrder.run` → `EventBus.publish → RabbitEventBus.publish` → `channel.publish`
 * (../infra/rabbit-event-bus.ts:11)" in its message, and one related location per step, so that
 * editors and SARIF viewers can walk it.
 */
export interface EffectPath {
  /** The path as text, with the effect's file and line (relative to the reporting file's folder); empty when the effect is in the function itself. */
  text: string;
  /** One location per function entered, then the effect's own call. */
  related: Array<{ node: ts.Node; message: string }>;
}

/** The path from `from` (the reported function, when known) to `effect`. */
export function pathOf(effect: Effect, from: ts.Node | undefined): EffectPath {
  const hops = effect.hops ?? [];
  if (hops.length === 0) return { text: '', related: [] };
  const steps = [...(from ? [functionLabel(from)] : []), ...hops.map((h) => h.label), stepCallee(effect.call)];
  const where = locationText(effect.call, from ?? effect.at);
  const related = hops.map((h, i) => ({
    node: nameNode(h.fn),
    message: `step ${i + 1} of the path: \`${h.label}\`, called at ${locationText(h.call, from ?? effect.at)}`,
  }));
  related.push({ node: effect.call, message: `the effect at the end of the path: ${effect.description}` });
  return { text: `${steps.map((s) => `\`${s}\``).join(' → ')} (${where})`, related };
}

/** The callee as a step shows it: `channel.publish`, `prisma.order.create` (for `this.prisma.order.create`), `sql`. */
function stepCallee(call: ts.CallExpression | ts.TaggedTemplateExpression): string {
  return calleeText(call).replace(/^this\./, '');
}

/** `file:line` of a node, the file relative to the folder of `reference`'s file ('' when it is the same file). */
function locationText(node: ts.Node, reference: ts.Node): string {
  const sf = node.getSourceFile();
  const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const refFile = reference.getSourceFile().fileName;
  if (sf.fileName === refFile) return `line ${line}`;
  let rel = path.relative(path.dirname(refFile), sf.fileName).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return `${rel}:${line}`;
}

/** Where a function is best pointed at: its name, or the function itself. */
function nameNode(fn: ts.FunctionLikeDeclaration): ts.Node {
  if (fn.name) return fn.name;
  const p = fn.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p))) return p.name;
  return fn;
}
