/**
 * Side-effect facts: what a function does outside the process (database writes, publishes,
 * HTTP calls, e-mails, payments, counters), which transactions it opens, and which guards make
 * a repeated message a no-op. Rules read these; they never look at library APIs themselves.
 */
export { sideEffectsIn, classifyCall } from './effects';
export { droppedBelow, isDropped, pendingWorkOf, type Escape } from './escapes';
export { transactionsIn, transactionOf, type Transaction } from './transactions';
export { dedupGuardsIn, isClaimRelease } from './dedup';
export { callsInFlow, flowOwner, runsInline } from './flow';
export { calleeOf, factsOfNode, moduleOfImportedValue } from '../project/lookup';
export { readSql, type SqlStatement } from './sql';
export { batchEntries, commandOf } from './aws';
export { sqlTextOf } from './db';
export { DB_WRITE_EVIDENCE, OUTGOING_EFFECT_EVIDENCE, OUTGOING_EVIDENCE, OUTGOING_PACKAGE } from './evidence';
export { familyOf, importedFamilies, moduleOf, shapeOf } from './shape';
export { staticText } from './strings';
export { OUTBOX_NAME, INBOX_NAME, type Effect, type WriteOp } from './types';
