/**
 * Text that every effect of a kind leaves in the file making the call, for the pre-filter (see
 * `Rule.admits`). Each pattern must match wherever the classifiers in this folder can find such
 * an effect: a name added to a classifier (db.ts, aws.ts, publish.ts, external.ts) must be added
 * here too, or the pre-filter loses its findings (the fixture equivalence test catches the ones
 * a fixture shows). Over-matching only costs a parse.
 */
import { escapeRegExp } from '../../text/regexp';

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
    // Firestore and Datastore clients (their writes are `.set(`, `.add(`, `.save(`…).
    String.raw`\b(getFirestore|firestore|Firestore|Datastore)\b`,
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

/**
 * Packages whose calls leave the process, as `familyOf` (shape.ts) names them: brokers, the AWS
 * SDK, HTTP clients, e-mail, SMS and payment APIs. Prefixes: `bull` covers `bullmq`, `aws-sdk`
 * its `aws-sdk/clients/…` paths.
 */
const OUTGOING_PACKAGES = [
  'amqplib', 'amqp-connection-manager', '@golevelup/nestjs-rabbitmq', 'kafkajs', '@confluentinc/kafka-javascript', '@aws-sdk/', 'aws-sdk',
  '@google-cloud/pubsub', 'nats', '@nats-io/', 'bull', '@nestjs/bull', '@nestjs/microservices', 'ioredis', 'redis', '@redis/client',
  '@nestjs-modules/ioredis', 'mqtt', '@azure/service-bus', 'stripe', 'twilio', 'nodemailer', '@nestjs-modules/mailer', '@sendgrid/mail',
  'resend', 'postmark', 'mailgun.js', 'axios', '@nestjs/axios', 'got', 'node-fetch', 'undici', 'cross-fetch', 'ky', 'superagent',
].map(escapeRegExp).join('|');

/** A package name (as the type checker reports origins, `--types`) whose calls can leave the process. */
export const OUTGOING_PACKAGE = new RegExp(`^(${OUTGOING_PACKAGES})`);

/**
 * What an outgoing effect needs in the text of the file making the call, narrower than
 * OUTGOING_EVIDENCE and used by the pre-filter. The generic method names (`.add`, `.send`, `.emit`,
 * `.post`, `.create`, `.delete`, ...) count only for a receiver from one of OUTGOING_PACKAGES, so
 * the file then names that package in an import or require. The rest are what the classifiers
 * accept without a package: `.publish…(` on a receiver named after a broker or anything (publish.ts,
 * aws.ts), plain calls of publish functions (`publishOrderCreated(…)`, `sendOrderEvent(…)`: with a
 * receiver they need a wrapper's name), the global `fetch(`, SQS by `QueueUrl`, Redis streams,
 * e-mail and SMS by method name, AWS commands, and the receiver names of broker wrappers
 * (publish.ts WRAPPER_RECEIVER), Kafka producers and transactions, Stripe and Twilio clients.
 */
// `\b` before each look-behind: checked at word starts only, not at every character of every file.
// The dot must be on the same line: a sentence ending a comment is no member access.
export const OUTGOING_EFFECT_EVIDENCE = new RegExp(
  [
    String.raw`['"\x60](${OUTGOING_PACKAGES})`,
    String.raw`\bpublish\w*\s*[(<]`,
    String.raw`\b(?<!\$|\.[ \t]*)(produce\w*|(send|emit|dispatch|enqueue)\w*(Event|Message)s?)\s*[(<]`,
    String.raw`\b(?<!\$|\.[ \t]*)fetch\s*[(<]`,
    String.raw`sendToQueue|QueueUrl|xadd|spublish|putEvents|send\w*(Email|Mail|Sms|TextMessage)\b`,
    String.raw`(Send|Publish|PutEvents|PutRecord)\w*Command\b`,
    String.raw`\btransaction\s*\??\.\s*send`,
    String.raw`kafka|rabbit|amqp|sqs|sns|pubsub|nats|jetstream|broker|producer|publisher|messageBus|messagingService|eventPublisher|queueService|stripe|twilio`,
  ].join('|'),
  'i',
);
