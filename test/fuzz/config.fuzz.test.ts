/**
 * Properties of configuration loading: whatever `eos.config.json` or a package.json's "eos" key
 * holds (any JSON, near-misses of a valid configuration, bytes that are not JSON at all), loading
 * either returns a configuration of the documented shape or throws a ConfigError naming the file;
 * never another error, never a configuration that breaks the rules it was checked against.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadedConfig } from '@eos/analyzer';
import { anyText, fuzz } from './fuzz';

const RULE_IDS = ['ack-before-process', 'missing-dedup', 'dual-write'];
const SEVERITIES = ['off', 'info', 'warning', 'error'];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-fuzz-config-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Values that are sometimes right for a key and often nearly right. */
const severity = fc.oneof(fc.constantFrom(...SEVERITIES), fc.constantFrom('Error', 'warn', '', 'on'), fc.jsonValue());
const ruleSetting = fc.oneof(severity, fc.tuple(severity), fc.tuple(severity, fc.oneof(fc.dictionary(anyText(8), fc.jsonValue()), fc.jsonValue())), fc.array(fc.jsonValue(), { maxLength: 3 }));
const configLike = fc.record(
  {
    rules: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...RULE_IDS, '__proto__', 'constructor'), anyText(12)), ruleSetting, { maxKeys: 4 }), fc.jsonValue()),
    ignore: fc.oneof(fc.array(fc.oneof(anyText(12), fc.constantFrom('**', 'dist/**', ' ', '')), { maxLength: 4 }), fc.jsonValue()),
    maxFileSize: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1, 4194304, 0, -1, 2 ** 53), fc.jsonValue()),
    $schema: anyText(10),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** What a file may contain: a config-like object as JSON (maybe with a BOM), any JSON, or any text. */
const fileText = fc.oneof(
  { weight: 5, arbitrary: configLike.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: configLike.map((v) => `\uFEFF${JSON.stringify(v, null, 2)}`) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: configLike.map((v) => JSON.stringify(v)).chain((t) => fc.nat({ max: t.length }).map((n) => t.slice(0, n))) },
  { weight: 1, arbitrary: anyText(60) },
);

/** Whether a parsed value breaks a documented rule (those need only the value, not the rule set). */
function plainlyInvalid(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return true;
  const v = value as Record<string, unknown>;
  if (Object.keys(v).some((k) => !['$schema', 'rules', 'ignore', 'maxFileSize'].includes(k))) return true;
  if (v.ignore !== undefined && (!Array.isArray(v.ignore) || v.ignore.some((g) => typeof g !== 'string' || g.trim() === ''))) return true;
  if (v.maxFileSize !== undefined && !(typeof v.maxFileSize === 'number' && Number.isInteger(v.maxFileSize) && v.maxFileSize > 0)) return true;
  if (v.rules !== undefined) {
    if (typeof v.rules !== 'object' || v.rules === null || Array.isArray(v.rules)) return true;
    for (const [id, s] of Object.entries(v.rules)) {
      if (!RULE_IDS.includes(id)) return true;
      const sev = Array.isArray(s) ? s[0] : s;
      if (!SEVERITIES.includes(sev as string)) return true;
      if (Array.isArray(s) && (s.length > 2 || (s.length === 2 && (typeof s[1] !== 'object' || s[1] === null || Array.isArray(s[1]))))) return true;
    }
  }
  return false;
}

/** Loads `text` as the given file; returns the configuration or the ConfigError (anything else fails the property). */
function load(name: 'eos.config.json' | 'package.json', text: string): LoadedConfig | ConfigError {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  try {
    return loadConfig(dir, RULE_IDS, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  } finally {
    fs.rmSync(file);
  }
}

/** The value a file holds as configuration, or undefined when it is not JSON. */
function parsed(name: string, text: string): { value: unknown } | undefined {
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    return { value: name === 'package.json' ? (json as Record<string, unknown> | null)?.eos : json };
  } catch {
    return undefined;
  }
}

describe('configuration loading properties', () => {
  it.each(['eos.config.json', 'package.json'] as const)('loads any %s into the documented shape or refuses it with a ConfigError naming the file', async (name) => {
    // A package.json is either the whole text, or an object with the text under "eos".
    const text = name === 'package.json' ? fc.tuple(fileText, fc.boolean()).map(([t, nested]) => (nested ? `{"name":"svc","eos":${t}}` : t)) : fileText;
    await fuzz(
      fc.property(text, (t) => {
        const result = load(name, t);
        const value = parsed(name, t);
        if (result instanceof ConfigError) {
          expect(result.message.startsWith(path.join(dir, name))).toBe(true);
          expect(result.message).not.toMatch(/\n/);
          return;
        }
        // Accepted: JSON whose value breaks no documented rule, loaded as the documented shape.
        expect(value).toBeDefined();
        expect(plainlyInvalid(value!.value)).toBe(false);
        const { config } = result;
        expect(Object.keys(config).every((k) => ['rules', 'ignore', 'maxFileSize'].includes(k))).toBe(true);
        for (const [id, setting] of Object.entries(config.rules)) {
          expect(RULE_IDS).toContain(id);
          expect(SEVERITIES).toContain(setting.severity);
          if (setting.options !== undefined) expect(typeof setting.options === 'object' && !Array.isArray(setting.options)).toBe(true);
        }
        expect(config.ignore.every((g) => typeof g === 'string' && g.trim() !== '')).toBe(true);
        if (config.maxFileSize !== undefined) expect(Number.isInteger(config.maxFileSize) && config.maxFileSize > 0).toBe(true);
      }),
    );
  });

  it('refuses every configuration that plainly breaks a documented rule', async () => {
    await fuzz(
      fc.property(configLike, (value) => {
        fc.pre(plainlyInvalid(value));
        expect(load('eos.config.json', JSON.stringify(value))).toBeInstanceOf(ConfigError);
      }),
    );
  });
});
