import type { ts } from 'ts-morph';
import type { RuleContext } from '../../engine/rule';
import { droppedBelow, isDropped, pendingWorkOf, type Escape } from '../../facts/effects';
import type { FileFacts } from '../../facts/file-facts';
import { canReach } from '../../facts/flow';
import { enqueuesInProcess } from '../../facts/in-process-queues';
import type { ConsumerHandler, SettleCall } from '../../facts/model';
import { pathOf } from '../../facts/summaries/path';
import { calleeName, enclosingFunction } from '../../facts/syntax';
import { defersWork, isKnownAsync } from '../../facts/work';
import { snippet, workLabel, type Describe } from './describe';

/**
 * Fire-and-forget through the project's own layers, which `checkNotAwaited` (index.ts) cannot
 * see from the handler's text alone:
 * - the handler drops (or only `.subscribe()`s) a call into its own code that returns a promise
 *   or an Observable and reaches work (`this.useCase.execute(msg)` → repository → TypeORM save);
 * - the handler waits for a call, but a function below it drops its own work
 *   (`await publishResult(…)` where `publishResult` does `topic.publishMessage(…)` without `await`).
 * Either way the library settles (or the handler's own settle runs) while that work is still in
 * flight. The finding names the path to the work.
 */
export function checkEscapedWork(
  consumer: ConsumerHandler, works: ts.CallExpression[], positive: SettleCall[], context: RuleContext, facts: FileFacts, d: Describe,
): void {
  const project = context.project;
  const from = consumer.handler ?? enclosingFunction(works[0] ?? consumer.registration);
  for (const work of works) {
    // What checkNotAwaited reports already: library calls known to be async, queues and timers.
    if (enqueuesInProcess(work, facts) || defersWork(work)) continue;
    const known = isKnownAsync(work, facts, project);
    if (known && isDropped(work)) continue;
    const pending = known ? undefined : pendingWorkOf(work, facts, project);
    const escape = pending ?? droppedBelow(work, facts, project);
    if (!escape) continue;
    const settle = positive.find((s) => canReach(work, s.call));
    const first = settle ? `\`${snippet(settle.call)}\` runs` : consumer.settlement === 'on-resolve' ? d.autoSettle : undefined;
    if (!first) continue;
    const path = pathOf(escape.effect, from);
    if (pending && path.text === '') {
      // A wrapper out of the project's reach, judged by its name: no path to show.
      const messageId = settle ? 'notAwaitedBeforeSettle' : 'notAwaited';
      context.report({ node: work, messageId, data: { ...d, work: workLabel(work), settle: settle ? snippet(settle.call) : '' } });
    } else if (pending) {
      const how = calleeName(work) === 'subscribe' ? ' (`.subscribe()` starts it and returns at once)' : '';
      context.report({
        node: work, messageId: 'notAwaitedInLayers',
        data: { ...d, work: workLabel(escape.dropped), how, first, path: path.text, effect: escape.effect.description },
        related: path.related,
      });
    } else {
      context.report({
        node: work, messageId: 'droppedBelow',
        data: { ...d, work: workLabel(work), dropped: workLabel(escape.dropped), first, path: path.text, effect: escape.effect.description },
        related: droppedRelated(escape, path.related),
      });
    }
  }
}

/** The path's locations, with the dropped call itself when the effect lies further down. */
function droppedRelated(escape: Escape, related: Array<{ node: ts.Node; message: string }>): Array<{ node: ts.Node; message: string }> {
  if (escape.dropped === escape.effect.call) return related;
  return [...related, { node: escape.dropped, message: `not awaited here: ${workLabel(escape.dropped)}` }];
}
