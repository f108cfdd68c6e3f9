import { ts } from 'ts-morph';
import { createRule } from '../engine/rule';
import { keyProblem, optionObjectsOf, type OptionObject } from '../facts/broker-options';
import type { FileFacts } from '../facts/file-facts';
import type { Fix } from '../types';
import { BROKER_LABEL } from '../facts/broker-libraries';
import { replace } from '../fix/edits';

/**
 * Options the client library does not read. JavaScript clients take plain objects and ignore
 * keys they do not know, so a Java-style name (`enableIdempotence`), a misplaced option
 * (`autoCommit` in `kafka.consumer()`), or a widely repeated myth (a Pub/Sub `idempotencyKey`)
 * silently leaves the default in force. The knowledge lives in facts/broker-options.ts and is
 * checked against each library's type definitions by a test.
 */
export const nonexistentBrokerOption = createRule({
  meta: {
    id: 'nonexistent-broker-option',
    description: 'An option the broker client library does not have (a myth, a Java client name, a misplaced or misspelled key): the client ignores it and the default stays in force.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    requiresTypes: false,
    brokers: ['kafka', 'rabbitmq', 'pubsub', 'sqs', 'nats'],
    consequence: 'option-ignored',
  },
  messages: {
    myth: '{{broker}} ({{library}}): `{{key}}` is not an option of `{{api}}` and is ignored (option ignored): {{effect}}. Fix: {{fix}}.',
    misspelled: '{{broker}} ({{library}}): `{{key}}` is not an option of `{{api}}`; the library\'s name is `{{intended}}` and the key as written is never read, so the value you set does not take effect (option ignored). Fix: rename it to `{{intended}}`.',
  },
  // Module names, and the best-known myths themselves: under --types a client reached through a
  // wrapper is placed by the checker even in a file that never names its library.
  triggers: /kafkajs|amqplib|@google-cloud\/pubsub|sqs-consumer|@aws-sdk\/client-sqs|nats|idempotency_?[kK]ey|enableIdempotence|autoAck|msgId\b/,
  create(context) {
    const check = (node: ts.CallExpression | ts.NewExpression) => {
      for (const found of optionObjectsOf(context.facts, node)) checkObject(found);
    };
    const checkObject = ({ site, object, call }: OptionObject) => {
      for (const prop of object.properties) {
        if (!ts.isPropertyAssignment(prop) && !ts.isShorthandPropertyAssignment(prop)) continue;
        const key = ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name) ? prop.name.text : undefined;
        if (key === undefined) continue;
        const problem = keyProblem(site, key);
        if (!problem) continue;
        const common = { broker: BROKER_LABEL[site.broker], library: site.library, api: site.api, key };
        if (problem.kind === 'misspelled') {
          context.report({
            node: prop.name,
            messageId: 'misspelled',
            data: { ...common, intended: problem.intended },
            fix: renameFix(object, prop, problem.intended, 'unsafe'),
          });
          continue;
        }
        const { myth } = problem;
        // The real option is in the same object (`enableIdempotence` beside `idempotent`): redundant, not harmful.
        const sameSiteReal = myth.real?.startsWith(`${site.id}.`) ? myth.real.slice(site.id.length + 1) : undefined;
        if ((myth.rename && hasKey(object, myth.rename.to)) || (sameSiteReal && hasKey(object, sameSiteReal))) continue;
        // `prefetch` in consume options is harmless when the channel's prefetch is set.
        if (site.id === 'amqplib.consume' && key === 'prefetch' && /\.prefetch\s*\(/.test(context.sourceFile.text)) continue;
        // `autoCommit: false` in kafka.consumer() beside the same key in consumer.run(): ignored but harmless.
        if (myth.real && !myth.real.startsWith(`${site.id}.`) && setAtRealPlace(context.facts, myth.real, call)) continue;
        const valueText = ts.isPropertyAssignment(prop) ? prop.initializer.getText() : prop.name.text;
        const rename = myth.rename && (myth.rename.whenValue === undefined || myth.rename.whenValue === valueText) ? myth.rename : undefined;
        const fix = rename
          ? renameFix(object, prop, rename.to, rename.safety)
          : site.id === 'pubsub.publishMessage' ? moveIntoAttributesFix(object, prop, key) : undefined;
        context.report({ node: prop.name, messageId: 'myth', data: { ...common, effect: myth.effect, fix: myth.fix }, fix });
      }
    };
    // After the walk: whether a misplaced option is also set where it belongs needs the whole file.
    return {
      end() {
        for (const call of context.facts.calls) check(call);
        for (const expr of context.facts.news) check(expr);
      },
    };
  },
});

/**
 * Whether the option a myth points to (`<site id>.<key>`) is also written where it belongs —
 * at every such call on the same object (`const consumer = kafka.consumer({...})` →
 * `consumer.run({...})`), or at every such call of the file when the object has no name —
 * which makes the misplaced copy redundant rather than harmful.
 */
function setAtRealPlace(facts: FileFacts, real: string, misplacedAt: ts.CallExpression | ts.NewExpression): boolean {
  const dot = real.lastIndexOf('.');
  const siteId = real.slice(0, dot);
  const key = real.slice(dot + 1);
  const declared = misplacedAt.parent && ts.isVariableDeclaration(misplacedAt.parent) && ts.isIdentifier(misplacedAt.parent.name) ? misplacedAt.parent.name.text : undefined;
  const there = facts.memo(`nonexistent-broker-option:options`, () => [...facts.calls, ...facts.news].flatMap((n) => optionObjectsOf(facts, n)))
    .filter((o) => o.site.id === siteId && (declared === undefined || receiverName(o.call) === declared));
  return there.length > 0 && there.every((o) => hasKey(o.object, key));
}

function receiverName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : undefined;
}

function hasKey(object: ts.ObjectLiteralExpression, key: string): boolean {
  return object.properties.some((p) => p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key);
}

/** Renames the key (keeping the value); declined when the object already has the new key. */
function renameFix(
  object: ts.ObjectLiteralExpression,
  prop: ts.PropertyAssignment | ts.ShorthandPropertyAssignment,
  to: string,
  safety: Fix['safety'],
): Fix | undefined {
  if (hasKey(object, to)) return undefined;
  const edit = ts.isShorthandPropertyAssignment(prop)
    ? replace(prop.name, `${to}: ${prop.name.text}`)
    : replace(prop.name, to);
  return { description: `Rename \`${prop.name.getText()}\` to \`${to}\``, safety, edits: [edit] };
}

/**
 * Pub/Sub: moves a would-be idempotency key into `attributes`, where consumers can read it.
 * Unsafe: attribute values must be strings, and consumers still have to deduplicate on it.
 */
function moveIntoAttributesFix(
  object: ts.ObjectLiteralExpression,
  prop: ts.PropertyAssignment | ts.ShorthandPropertyAssignment,
  key: string,
): Fix | undefined {
  if (hasKey(object, 'attributes')) return undefined;
  const attribute = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`;
  const value = ts.isShorthandPropertyAssignment(prop) ? prop.name.text : prop.initializer.getText();
  return {
    description: `Send \`${key}\` as an attribute for consumers to deduplicate on`,
    safety: 'unsafe',
    edits: [replace(prop, `attributes: { ${attribute}: ${value} }`)],
  };
}
