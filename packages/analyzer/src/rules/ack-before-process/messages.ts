/** The messages of ack-before-process, by id: what happens, its consequence, and the fix. */
export const messages = {
  settleFirst:
    '{{broker}}: `{{settle}}` runs before the work it confirms (`{{work}}`). If the process crashes or that work fails, the {{unit}} is already {{gone}} (message lost). Fix: settle after the work has completed ({{fix}}).',
  settleInFinally:
    '{{broker}}: `{{settle}}` is in a `finally` block, so it also runs when the work in the `try` block fails; the failed {{unit}} is {{gone}} (message lost). Fix: settle at the end of the `try` block and {{negative}} in a `catch`.',
  finallyAfterRecovery:
    '{{broker}}: `{{settle}}` is in a `finally` block, so it runs whether or not the recovery in the `catch` (`{{recovery}}`) worked; if that send fails or its failure is swallowed, the failed {{unit}} is {{gone}} and no copy exists (message lost). Fix: settle only once the recovery is confirmed (await the publish on a confirm channel, then ack), and {{negative}} when the recovery fails.',
  settleInCatch:
    '{{broker}}: this `catch` runs `{{settle}}` for a {{unit}} whose processing failed, having only logged the error; the {{unit}} is {{gone}} (message lost). Fix: {{negativeFix}}',
  chainFinally:
    '{{broker}}: `{{settle}}` runs in `.finally(…)`, so it also runs when the work earlier in the promise chain fails; the failed {{unit}} is {{gone}} (message lost). Fix: settle in a `.then(…)` after the work and {{negative}} in the rejection handler.',
  chainCatchThenSettle:
    '{{broker}}: this `.catch(…)` swallows the failure of the work before it, so the promise chain carries on to `{{settle}}` as if the work had succeeded; the failed {{unit}} is {{gone}} (message lost). Fix: rethrow in the handler, or {{negative}} there and settle only on success (`.then(() => ack, () => nack)`).',
  catchThenSettle:
    '{{broker}}: this `catch` swallows the failure of the work and execution goes on to `{{settle}}`, so the failed {{unit}} is {{gone}} (message lost). Fix: rethrow, or {{negative}} in the `catch` and return.',
  swallowOnResolve:
    '{{broker}}: this `catch` swallows the failure and the handler returns normally, so {{autoSettle}}; the failed {{unit}} is lost (message lost). Fix: {{swallowFix}}',
  swallowedInCallee:
    '{{broker}}: {{drop}} ({{path}}), so `{{call}}` returns normally when that work fails and {{settles}}; the failed {{unit}} is lost (message lost). Fix: {{swallowFix}}',
  swallowedByWrapper:
    '{{broker}}: this handler is registered through `{{wrapper}}`, whose `catch` around the call to it swallows its failure ({{where}}), so {{settles}} even when `{{work}}` fails; the failed {{unit}} is lost (message lost). Fix: rethrow in the wrapper\'s `catch` (after sending the {{unit}} to a dead-letter destination if you want to keep it out of the retry loop), so the failure reaches the broker.',
  notAwaited:
    '{{broker}}: `{{work}}` is not awaited, so the handler resolves while the work is still running and {{autoSettle}}; a crash or a failure of the work then loses the {{unit}} (message lost). Fix: await it (`await …`; `await Promise.all(…)` for several).',
  deferred:
    '{{broker}}: `{{work}}` schedules the work to run after the handler has returned, so {{first}}; a crash or a failure of the work then loses the {{unit}} (message lost). Fix: do the work in the handler and await it (for a delayed retry, publish to a delay queue or topic instead of holding the {{unit}} in a timer).',
  inProcessQueue:
    '{{broker}}: `{{work}}` hands the work to an in-process queue and does not wait for it, so {{first}} while the task may not even have started; a crash, a restart or a failure of the task then loses the {{unit}} (message lost). Fix: await the task (`await queue.add(…)`), or settle by hand once it has completed.',
  inMemoryHandoff:
    '{{broker}}: the {{unit}} is only pushed to the in-memory `{{buffer}}` and the handler returns, so {{autoSettle}} before anything has processed it; a crash or restart loses everything still buffered (message lost). Fix: process it in the handler and await the work, or settle by hand once the buffered work has completed (kafkajs: `autoCommit: false` and commit the processed offsets).',
  notAwaitedInLayers:
    '{{broker}}: `{{work}}` is not awaited{{how}}, so {{first}} while the work it starts is still running ({{effect}}, through {{path}}); a crash or a failure of that work then loses the {{unit}} (message lost). Fix: await it (return its promise; for an Observable, `await lastValueFrom(…)`).',
  droppedBelow:
    '{{broker}}: the handler calls `{{work}}`, but below it `{{dropped}}` is not awaited ({{effect}}, through {{path}}), so {{first}} before that work has completed; a crash or a failure of it then loses the {{unit}} (message lost). Fix: await (or return) `{{dropped}}` where it is called, so that the handler waits for the work and sees its failure.',
  notAwaitedBeforeSettle:
    '{{broker}}: `{{work}}` is not awaited, so `{{settle}}` runs while the work is still in flight; a crash or a failure of the work then loses the {{unit}} (message lost). Fix: await the work before settling.',
  noAck:
    '{{broker}}: `noAck: true` makes RabbitMQ treat each message as acknowledged as soon as it is sent, so a crash or failure in the handler loses it (message lost). Fix: consume with `noAck: false` and call `channel.ack(msg)` after the work completes (`nack` it on failure).',
  batchPartial:
    'Kafka ({{library}}): this `{{jump}}` leaves `eachBatch` before the rest of the batch is processed, but `eachBatchAutoResolve` (default `true`) then resolves the batch\'s last offset, so the skipped messages are committed and lost (message lost). Fix: set `eachBatchAutoResolve: false` and call `resolveOffset(message.offset)` after each processed message.',
};
