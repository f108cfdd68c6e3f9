import type { Rule } from '../engine/rule';
import { ackBeforeProcess } from './ack-before-process';
import { dualWrite } from './dual-write';
import { missingDedup } from './missing-dedup';
import { kafkaOffsetsOutsideTransaction } from './kafka-offsets-outside-transaction';
import { poisonRequeueLoop } from './poison-requeue-loop';
import { unstableDedupKey } from './unstable-dedup-key';
import { dedupWindowTooShort } from './dedup-window-too-short';
import { nonAtomicDedup } from './non-atomic-dedup';
import { nonexistentBrokerOption } from './nonexistent-broker-option';
import { publishWithoutDedupId } from './publish-without-dedup-id';
import { unconfirmedAck } from './unconfirmed-ack';
import { handlerOutlivesDeadline } from './handler-outlives-deadline';
import { connectSinkNotIdempotent } from './connect-sink-not-idempotent';
import { outboxRouterMismatch } from './outbox-router-mismatch';

/**
 * Every rule eos ships, in the order `eos rules` lists them. A rule is one module in this folder,
 * one doc page in docs/rules/<id>.md and one fixture folder in test/fixtures/<id>/; the meta test
 * (test/rule-docs.test.ts) proves the four agree.
 */
export const allRules: readonly Rule[] = [
  ackBeforeProcess,
  dualWrite,
  missingDedup,
  kafkaOffsetsOutsideTransaction,
  poisonRequeueLoop,
  unstableDedupKey,
  dedupWindowTooShort,
  nonAtomicDedup,
  nonexistentBrokerOption,
  publishWithoutDedupId,
  unconfirmedAck,
  handlerOutlivesDeadline,
  // Read Kafka Connect connector configs, not source code (see connect/).
  connectSinkNotIdempotent,
  outboxRouterMismatch,
];

/** The rule with this id, or undefined. */
export function ruleById(id: string): Rule | undefined {
  return allRules.find((r) => r.meta.id === id);
}
