/**
 * Text that every effect of a kind leaves in the file making the call, for the pre-filter (see
 * `Rule.admits`). Each pattern must match wherever the classifiers in this folder can find such
 * an effect: a name added to a classifier (db.ts, aws.ts, publish.ts, external.ts) must be added
 * here too, or the pre-filter loses its findings (the fixture equivalence test catches the ones
 * a fixture shows). Over-matching only costs a parse.
 */

/**
 * Database writes and DB counters: SQL write verbs in the query text (`INSERT INTO`, `UPDATE`,
 * `DELETE FROM`, `REPLACE INTO`, `MERGE INTO`, also as method names: Prisma, Mongo, Knex, Drizzle,
 * query builders), ORM methods that write (`.save()`, `.create()`, `.destroy()`, ...), raw Prisma
 * SQL, and DynamoDB write commands.
 */
export const DB_WRITE_EVIDENCE = new RegExp(
  [
    String.raw`\b(insert|update|delete|upsert)`,
    String.raw`\b(replace|merge)\s+into\b`,
    String.raw`\.\s*(save|create\w*|remove|destroy|bulkCreate|increment|decrement|softDelete|softRemove|findOrCreate|del|bulkWrite|replaceOne|findOneAnd\w+|findByIdAnd\w+)\s*[(<]`,
    String.raw`\$executeRaw|\$queryRaw`,
    String.raw`\b(Put|TransactWrite|BatchWrite)\w*Command\b`,
  ].join('|'),
  'i',
);

/**
 * Effects that leave the process: publishes to a broker (and the user's publish wrappers, judged
 * by name), HTTP requests, e-mail and SMS sends, Stripe calls. Names a plain function call can
 * have come first; the rest are methods.
 */
export const OUTGOING_EVIDENCE = new RegExp(
  [
    String.raw`\b(publish\w*|produce\w*|send\w*|emit\w*|dispatch\w*|enqueue\w*|fetch|axios|got|request)\s*[(<]`,
    String.raw`\.\s*(add|addBulk|xadd|spublish|post|put|patch|delete|create\w*|capture|confirm|pay|finalizeInvoice|attach|putEvents|scheduleMessages)\s*[(<]`,
  ].join('|'),
  'i',
);
