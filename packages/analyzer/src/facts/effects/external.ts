import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import type { RawEffect } from './db';
import { familyOf, isLocalModule, type CallShape } from './shape';
import { staticText } from './strings';
import { FRESH_KEY } from './db';
import { objectLiteralOf, propertyValue } from '../syntax';

const HTTP_VERBS = new Set(['post', 'put', 'patch', 'delete', 'request']);
const IDEMPOTENCY_HEADER = /idempotency[-_]?key|x-request-id|idempotencykey/i;
const REDIS_COUNTERS = new Set(['incr', 'incrby', 'incrbyfloat', 'hincrby', 'hincrbyfloat', 'zincrby', 'decr', 'decrby', 'incrBy', 'hIncrBy', 'zIncrBy', 'decrBy', 'incrByFloat', 'hIncrByFloat']);
/** Stripe calls that create something or move money; repeating them without an idempotency key repeats the effect. */
const STRIPE_CREATES = /^(create|capture|confirm|pay|finalizeInvoice|sendInvoice|createReversal|createBalanceTransaction|createLoginLink|createUsageRecord|createSource|createTaxId|attach)$/;
const STRIPE_UPDATES = /^(update|del|cancel|detach|voidInvoice|markUncollectible|close|expire|reject)$/;

/** Functions that make a request when called plainly (`fetch(url)`, `axios(config)`). */
const HTTP_FUNCTIONS = new Set(['fetch', 'axios', 'got', 'request']);
const EMAIL_API_METHOD = /^(send|sendMultiple|sendEmail|sendEmailWithTemplate|sendEmailBatch|create)$/;
const NAMED_EMAIL = /^send\w*(Email|Mail)$/;
const NAMED_SMS = /^send\w*(Sms|SMS|TextMessage)$/;

/**
 * Whether any of `httpCall`, `messagingCall`, `paymentCall` and `redisCounter` can accept a call of
 * this method name (they accept no other).
 */
export function isExternalMethod(method: string): boolean {
  return HTTP_FUNCTIONS.has(method) || HTTP_VERBS.has(method.toLowerCase()) || method === 'sendMail' || EMAIL_API_METHOD.test(method) ||
    STRIPE_CREATES.test(method) || STRIPE_UPDATES.test(method) || REDIS_COUNTERS.has(method);
}

/** Whether `namedExternalCall` can accept a call of this method name (it accepts no other). */
export function isNamedExternalMethod(method: string): boolean {
  return NAMED_EMAIL.test(method) || NAMED_SMS.test(method);
}

/** HTTP method of a request made with `fetch(url, init)` / `axios(config)` / `got(url, options)`. */
function methodFromOptions(options: ts.Expression | undefined): string {
  const obj = objectLiteralOf(options);
  const m = obj ? staticText(propertyValue(obj, 'method')) : undefined;
  return (m ?? 'GET').toUpperCase();
}

function httpEffect(s: CallShape, library: string, method: string, call: ts.CallExpression, url?: ts.Expression): RawEffect | undefined {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
  const keyed = IDEMPOTENCY_HEADER.test(call.arguments.map((a) => a.getText()).join(' '));
  const target = url ? staticText(url) : undefined;
  return {
    kind: 'http', library, call: s.call,
    idempotent: keyed || method === 'PUT' || method === 'DELETE',
    description: `HTTP ${method}${target ? ` ${target}` : ''} via ${library}`,
  };
}

/** Requests that change remote state: fetch, axios, got, NestJS HttpService (GET/HEAD are reads). */
export function httpCall(s: CallShape, facts: FileFacts): RawEffect | undefined {
  const callee = unwrap(s.call.expression);
  const family = familyOf(s.module);
  if (ts.isIdentifier(callee)) {
    // fetch is a global unless imported; a local function named fetch is not a request.
    if (callee.text === 'fetch' && (family === 'http' || (!s.module && !facts.functionNamed('fetch')))) {
      return httpEffect(s, s.module ?? 'fetch', methodFromOptions(s.call.arguments[1]), s.call, s.call.arguments[0]);
    }
    if (family === 'http' && (callee.text === 'axios' || callee.text === 'got' || callee.text === 'request')) {
      const opts = callee.text === 'axios' && s.call.arguments.length === 1 ? s.call.arguments[0] : s.call.arguments[1];
      return httpEffect(s, s.module ?? callee.text, methodFromOptions(opts), s.call);
    }
    return undefined;
  }
  if (family !== 'http' || !s.method) return undefined;
  const lower = s.method.toLowerCase();
  if (!HTTP_VERBS.has(lower)) return undefined;
  const method = lower === 'request' ? methodFromOptions(s.call.arguments[0]) : lower.toUpperCase();
  return httpEffect(s, s.module!, method, s.call, s.call.arguments[0]);
}

/** E-mail and SMS sends: nodemailer, SendGrid/Resend/Postmark/Mailgun, Twilio. (SES and SNS are in aws.ts.) */
export function messagingCall(s: CallShape): RawEffect | undefined {
  const m = s.method;
  if (!m || !s.receiver) return undefined;
  const family = familyOf(s.module);
  const chain = s.names.join('.');
  if (m === 'sendMail' && (family === 'nodemailer' || family === undefined || isLocalModule(s.module))) {
    return { kind: 'email', library: family === 'nodemailer' ? s.module! : 'nodemailer', call: s.call, idempotent: false, description: `${chain}.sendMail` };
  }
  if (family === 'email-api' && EMAIL_API_METHOD.test(m)) {
    return { kind: 'email', library: s.module!, call: s.call, idempotent: false, description: `${chain}.${m} via ${s.module}` };
  }
  const twilio = family === 'twilio' || /twilio/i.test(chain);
  if (twilio && m === 'create' && /(^|\.)(messages|calls)$/.test(chain)) {
    return { kind: 'sms', library: 'twilio', call: s.call, idempotent: false, description: `twilio ${chain.split('.').pop()}.create` };
  }
  return undefined;
}

/** Stripe API calls; creates and captures are doubled on a retry unless an idempotencyKey is passed. */
export function paymentCall(s: CallShape): RawEffect | undefined {
  const m = s.method;
  if (!m || !s.receiver || s.names.length < 2) return undefined;
  const family = familyOf(s.module);
  if (family !== 'stripe' && !(family === undefined && /stripe/i.test(s.names[0] === 'this' ? s.names[1] ?? '' : s.names[0]))) return undefined;
  const creates = STRIPE_CREATES.test(m);
  if (!creates && !STRIPE_UPDATES.test(m)) return undefined;
  const withKey = s.call.arguments.some((a) => {
    const obj = objectLiteralOf(a);
    return obj !== undefined && propertyValue(obj, 'idempotencyKey') !== undefined;
  });
  const ownId = !withKey && ownIdCreate(s, m);
  const keyed = withKey || ownId;
  const resource = s.names.filter((n) => n !== 'this' && !/stripe/i.test(n)).join('.');
  return { kind: 'payment', library: 'stripe', call: s.call, idempotent: keyed || !creates, description: `stripe ${resource}.${m}${withKey ? ' with idempotencyKey' : ownId ? ' with its own id' : ' without an idempotencyKey'}` };
}

/** Stripe objects a caller may name (`products.create({ id })`, coupons, plans): a repeat with the same id fails instead of creating a second one. */
const STRIPE_OWN_ID = /^(products|coupons|plans|promotionCodes|taxRates)$/;

function ownIdCreate(s: CallShape, method: string): boolean {
  if (method !== 'create' || !STRIPE_OWN_ID.test(s.names[s.names.length - 1] ?? '')) return false;
  const params = objectLiteralOf(s.call.arguments[0]);
  const id = params && propertyValue(params, 'id');
  return id !== undefined && !FRESH_KEY.test(id.getText());
}

/** Redis counters (`INCR` and friends). */
export function redisCounter(s: CallShape): RawEffect | undefined {
  if (!s.method || !REDIS_COUNTERS.has(s.method) || !s.receiver) return undefined;
  const family = familyOf(s.module);
  if (family !== undefined && family !== 'redis') return undefined;
  return { kind: 'counter', library: family === 'redis' ? s.module! : 'redis', call: s.call, idempotent: false, description: `redis ${s.method.toUpperCase()}` };
}

/** Names that say what a call of the user's own, unfollowable code does (`this.mailer.sendWelcomeEmail(…)`). */
export function namedExternalCall(s: CallShape): RawEffect | undefined {
  const m = s.method;
  // A plain function (`sendInviteEmail(user)`) counts too: one imported from a workspace package
  // of a monorepo, or from anywhere the lookup cannot follow.
  if (!m || (!s.receiver && !ts.isIdentifier(unwrap(s.call.expression)))) return undefined;
  const family = familyOf(s.module);
  if (family !== undefined && !isLocalModule(s.module)) return undefined;
  const name = s.receiver ? `${s.names.join('.')}.${m}` : m;
  if (NAMED_EMAIL.test(m)) return { kind: 'email', library: s.receiver ? s.names.join('.') : m, call: s.call, idempotent: false, description: name };
  if (NAMED_SMS.test(m)) return { kind: 'sms', library: s.receiver ? s.names.join('.') : m, call: s.call, idempotent: false, description: name };
  return undefined;
}
