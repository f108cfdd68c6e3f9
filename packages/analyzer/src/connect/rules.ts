import type { ConnectRule } from './connect-rule';
import { connectSinkNotIdempotent } from './jdbc-sink';
import { outboxRouterMismatch } from './outbox-router';

/** The rules that read Kafka Connect connector configs (also listed in rules/index.ts with the others). */
export const connectRules: readonly ConnectRule[] = [connectSinkNotIdempotent, outboxRouterMismatch];
