import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';

/**
 * The syntactic shape of a call: `this.prisma.order.create(…)` → method 'create', receiver
 * `this.prisma.order`, names ['this', 'prisma', 'order'] (calls in the chain appear as 'name()').
 */
export interface CallShape {
  call: ts.CallExpression;
  /** Last name of the callee: the method, or the function's own name. */
  method?: string;
  /** The expression the method is called on. */
  receiver?: ts.Expression;
  /** Names along the receiver chain, root first. */
  names: string[];
  /** The module the receiver (or the callee itself, for plain calls) comes from, when known. */
  module?: string;
}

/**
 * Reads the shape of a call; `module` comes from the file's import origins. Remembered per file
 * analysis, like `classifyCall` (several fact modules read the shape of the same call).
 */
export function shapeOf(call: ts.CallExpression, facts: FileFacts): CallShape {
  const shapes = facts.memo('effects:shapes', () => new WeakMap<ts.CallExpression, CallShape>());
  let shape = shapes.get(call);
  if (!shape) shapes.set(call, (shape = readShape(call, facts)));
  return shape;
}

/**
 * The `method` of a call's shape (`create` in `this.prisma.order.create(…)`, `fetch` in
 * `fetch(…)`), read without looking up where anything comes from: the classifiers first ask
 * whether this name can be an effect at all, and most calls of ordinary code are not.
 */
export function shapeMethod(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return undefined;
}

function readShape(call: ts.CallExpression, facts: FileFacts): CallShape {
  // Names the method as `shapeMethod` does.
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const receiver = callee.expression;
    return { call, method: callee.name.text, receiver, names: chainNames(receiver), module: moduleOf(receiver, facts) };
  }
  if (ts.isIdentifier(callee)) return { call, method: callee.text, names: [], module: facts.originOf(callee)?.module };
  return { call, names: [] };
}

/** Names of a receiver chain, root first: `knex('orders').where(x)` → ['knex()', 'where()']. */
export function chainNames(expr: ts.Expression): string[] {
  const out: string[] = [];
  let e: ts.Expression = unwrap(expr);
  for (let guard = 0; guard < 32; guard++) {
    if (ts.isPropertyAccessExpression(e)) {
      out.unshift(e.name.text);
      e = unwrap(e.expression);
    } else if (ts.isElementAccessExpression(e)) {
      out.unshift('[]');
      e = unwrap(e.expression);
    } else if (ts.isCallExpression(e)) {
      const inner = unwrap(e.expression);
      if (ts.isPropertyAccessExpression(inner)) {
        out.unshift(`${inner.name.text}()`);
        e = unwrap(inner.expression);
      } else if (ts.isIdentifier(inner)) {
        out.unshift(`${inner.text}()`);
        return out;
      } else {
        return out;
      }
    } else if (ts.isIdentifier(e)) {
      out.unshift(e.text);
      return out;
    } else if (e.kind === ts.SyntaxKind.ThisKeyword) {
      out.unshift('this');
      return out;
    } else if (ts.isNewExpression(e)) {
      out.unshift(`new ${ts.isIdentifier(e.expression) ? e.expression.text : '?'}`);
      return out;
    } else {
      return out;
    }
  }
  return out;
}

/** The module an expression's value comes from, trying the whole chain and then its prefixes. */
export function moduleOf(expr: ts.Expression, facts: FileFacts): string | undefined {
  let e: ts.Expression | undefined = unwrap(expr);
  for (let guard = 0; e && guard < 16; guard++) {
    const origin = facts.originOf(e);
    if (origin) return origin.module;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
    else if (ts.isCallExpression(e)) e = unwrap(e.expression);
    else e = undefined;
  }
  return parameterModule(expr, facts);
}

/** Method names that take a callback and run it inside a transaction; the callback's parameter is a client of the same library. */
export const TRANSACTION_METHODS = new Set(['transaction', '$transaction', 'withTransaction', 'tx', 'runTransaction', 'transactional']);

const ARROW_FUNCTION = ts.SyntaxKind.ArrowFunction;
const FUNCTION_EXPRESSION = ts.SyntaxKind.FunctionExpression;

/**
 * `prisma.$transaction(async (tx) => tx.order.create(…))`: the callback's parameter is a client
 * of the library the transaction was opened on.
 */
function parameterModule(expr: ts.Expression, facts: FileFacts): string | undefined {
  let root: ts.Expression = unwrap(expr);
  while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root) || ts.isElementAccessExpression(root)) root = unwrap(root.expression);
  if (!ts.isIdentifier(root)) return undefined;
  const name = root.text;
  for (let n: ts.Node | undefined = root.parent; n; n = n.parent) {
    // By kind: this climbs every ancestor of most calls' receivers, and ts.isX is a namespace accessor each time.
    if (n.kind !== ARROW_FUNCTION && n.kind !== FUNCTION_EXPRESSION) continue;
    if (!ts.isArrowFunction(n) && !ts.isFunctionExpression(n)) continue;
    if (!n.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name)) continue;
    const call = n.parent;
    if (!ts.isCallExpression(call) || !call.arguments.includes(n)) return undefined;
    const callee = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(callee) || !TRANSACTION_METHODS.has(callee.name.text)) return undefined;
    // Unknown library: remember which transaction method opened it ('tx:$transaction' is Prisma's).
    return moduleOf(callee.expression, facts) ?? `tx:${callee.name.text}`;
  }
  return undefined;
}

/**
 * Families by module specifier: every classifier asks for the family of the same few modules,
 * call after call, and the answer is a run of some thirty tests.
 */
const families = new Map<string, string | undefined>();

/** The library family of a module specifier. Relative modules and unknown packages have none. */
export function familyOf(module: string | undefined): string | undefined {
  if (!module) return undefined;
  if (families.has(module)) return families.get(module);
  const family = readFamily(module);
  families.set(module, family);
  return family;
}

function readFamily(module: string): string | undefined {
  if (module === 'tx:$transaction') return 'prisma';
  if (module.startsWith('tx:')) return 'db-transaction';
  if (/prisma/.test(module)) return 'prisma';
  if (/^(@nestjs\/)?typeorm$/.test(module)) return 'typeorm';
  if (/^(sequelize|sequelize-typescript|@nestjs\/sequelize)$/.test(module)) return 'sequelize';
  if (/^(mongoose|@nestjs\/mongoose|@typegoose\/typegoose)$/.test(module)) return 'mongoose';
  if (module === 'mongodb') return 'mongodb';
  if (/^(@google-cloud\/firestore|firebase-admin\/firestore|firebase\/firestore)$/.test(module)) return 'firestore';
  if (module === '@google-cloud/datastore') return 'datastore';
  if (module === 'knex' || module === 'nestjs-knex') return 'knex';
  if (/^drizzle-orm(\/|$)/.test(module)) return 'drizzle';
  if (/^(pg|pg-pool|pg-promise|postgres|@neondatabase\/serverless|@vercel\/postgres)$/.test(module)) return 'pg';
  if (/^mysql2?(\/promise)?$/.test(module)) return 'mysql2';
  if (/^(better-sqlite3|sqlite3?|bun:sqlite|node:sqlite)$/.test(module)) return 'sqlite';
  if (/^(amqplib|amqplib\/callback_api|amqp-connection-manager|@golevelup\/nestjs-rabbitmq)$/.test(module)) return 'amqplib';
  if (/^(kafkajs|@confluentinc\/kafka-javascript)$/.test(module)) return 'kafkajs';
  if (module === '@aws-sdk/client-sqs') return 'sqs';
  if (module === '@aws-sdk/client-sns') return 'sns';
  if (module === '@aws-sdk/client-ses' || module === '@aws-sdk/client-sesv2') return 'ses';
  if (module === '@aws-sdk/client-eventbridge') return 'eventbridge';
  if (module === 'aws-sdk' || module.startsWith('aws-sdk/')) return 'aws-sdk';
  if (module === '@google-cloud/pubsub') return 'pubsub';
  if (module === 'nats' || module.startsWith('@nats-io/')) return 'nats';
  if (/^(bullmq|bull|@nestjs\/bull|@nestjs\/bullmq)$/.test(module)) return 'bullmq';
  if (module === '@nestjs/microservices') return 'nestjs-microservices';
  if (module === 'ioredis' || module === 'redis' || module === '@redis/client' || module === '@nestjs-modules/ioredis') return 'redis';
  if (module === 'mqtt') return 'mqtt';
  if (module === '@azure/service-bus') return 'azure-service-bus';
  if (module === 'stripe') return 'stripe';
  if (module === 'twilio') return 'twilio';
  if (module === 'nodemailer' || module === '@nestjs-modules/mailer') return 'nodemailer';
  if (module === '@sendgrid/mail' || module === 'resend' || module === 'postmark' || module === 'mailgun.js') return 'email-api';
  if (/^(axios|@nestjs\/axios|got|node-fetch|undici|cross-fetch|ky|superagent)$/.test(module)) return 'http';
  if (/^(events|node:events|eventemitter2|eventemitter3|@nestjs\/event-emitter|@nestjs\/cqrs|graphql-subscriptions|rxjs)$/.test(module)) return 'in-process';
  return undefined;
}

/** Whether the module is the user's own code (relative import). */
export function isLocalModule(module: string | undefined): boolean {
  return module !== undefined && (module.startsWith('.') || module.startsWith('/'));
}

/** Names of the methods chained after a call: `knex('t').insert(x).onConflict('id').ignore()` from `insert(x)` → ['onConflict', 'ignore']. */
export function laterCalls(call: ts.CallExpression): string[] {
  const out: string[] = [];
  let n: ts.Node = call;
  for (let guard = 0; guard < 16; guard++) {
    const access = n.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== n) break;
    out.push(access.name.text);
    const next = access.parent;
    if (!next || !ts.isCallExpression(next) || next.expression !== access) break;
    n = next;
  }
  return out;
}

/** The outermost call of a fluent chain that starts at `call` (`db.insert(t).values(v).onConflictDoNothing()`). */
export function chainEnd(call: ts.CallExpression): ts.CallExpression {
  let n: ts.CallExpression = call;
  for (let guard = 0; guard < 16; guard++) {
    const access = n.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== n) break;
    const next = access.parent;
    if (!next || !ts.isCallExpression(next) || next.expression !== access) break;
    n = next;
  }
  return n;
}

/** The families of the database / ORM modules a file imports, in import order. */
export function importedFamilies(facts: FileFacts): string[] {
  return facts.memo('effects:families', () => {
    const out: string[] = [];
    for (const b of facts.imports) {
      const f = familyOf(b.module);
      if (f && !out.includes(f)) out.push(f);
    }
    return out;
  });
}
