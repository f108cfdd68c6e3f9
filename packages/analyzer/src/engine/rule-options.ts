/**
 * Rule options: each rule declares the options it takes (name, type, default, description);
 * configuration is checked against that declaration (a typo or a wrong type is an error naming the
 * rule and the key), and the rule reads the values, defaults filled in, typed from it.
 * Free of TypeScript imports: configuration is checked by the light entry too.
 */

/** One option a rule takes. */
export type OptionSpec =
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'number'; default: number; description: string }
  | { type: 'string'; default: string; description: string; values?: readonly string[] };

/** The options a rule takes, by name. */
export type OptionsSchema = Readonly<Record<string, OptionSpec>>;

/** The values a rule reads for a schema: every option present, typed by its declaration. */
export type OptionValues<S extends OptionsSchema> = {
  readonly [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : S[K]['type'] extends 'number' ? number : string;
};

/** What is wrong with one option of a configuration, by key. */
export interface OptionProblem {
  key: string;
  reason: string;
}

/**
 * The first problem of `options` against `schema` (an unknown key, a value of the wrong type), or
 * undefined when they fit. `ruleId` names the rule in the reason.
 */
export function optionProblem(ruleId: string, schema: OptionsSchema | undefined, options: Readonly<Record<string, unknown>>): OptionProblem | undefined {
  const known = Object.keys(schema ?? {});
  for (const [key, value] of Object.entries(options)) {
    const spec = schema?.[key];
    if (!spec) {
      const takes = known.length > 0 ? `known: ${known.join(', ')}` : 'it takes none';
      return { key, reason: `unknown option of rule ${ruleId} (${takes})` };
    }
    const problem = valueProblem(spec, value);
    if (problem) return { key, reason: `option of rule ${ruleId} ${problem}, got ${kindAndValue(value)}` };
  }
  return undefined;
}

function valueProblem(spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      return spec.values && !spec.values.includes(value) ? `must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}` : undefined;
  }
}

/** A value by its kind and, for a primitive, its text (`number 5`, `an array`), for error messages. */
export function kindAndValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  // JSON reads a number beyond ±1.8e308 (`1e309`) as Infinity, which JSON.stringify would show
  // as `null`, a value nobody wrote.
  if (typeof value === 'number' && !Number.isFinite(value)) return `a number ${value < 0 ? 'below' : 'above'} what JSON can hold (read as ${value})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The option values a rule reads: the configured ones over the declared defaults. */
export function optionValues(schema: OptionsSchema | undefined, configured: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema ?? {})) {
    const value = configured?.[key];
    // Configuration is checked when loaded; a library caller's value of the wrong type falls back too.
    values[key] = value !== undefined && valueProblem(spec, value) === undefined ? value : spec.default;
  }
  return values;
}
