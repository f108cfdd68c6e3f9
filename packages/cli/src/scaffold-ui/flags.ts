import { Flags, type Interfaces } from '@oclif/core';
import { allVariables, loadTemplate, type TemplateSpec, type VariableSpec } from '@eos/analyzer';

/** Flags every scaffold command has besides the template's variables. */
export const COMMON_FLAGS = {
  yes: Flags.boolean({ char: 'y', description: 'Accept every default without asking (SQLite is the embedded default store).' }),
  'dry-run': Flags.boolean({ description: 'Print the file plan with contents (or a diff for changed files); write nothing.' }),
  force: Flags.boolean({ description: 'Overwrite existing files whose content differs (without it such a file stops the run, exit 1).' }),
};

/** How a variable's default is described in help text. */
function defaultNote(v: VariableSpec): string {
  const parts: string[] = [];
  if (v.detect === 'store' || v.detect === 'broker') parts.push('detected from package.json dependencies');
  if (v.detect === 'language') parts.push('detected: ts when tsconfig.json exists');
  if (v.detect === 'module') parts.push('detected: esm when package.json has "type": "module"');
  if (v.type === 'outbox') parts.push('detected: the one eos outbox in the project for the same broker; none to consume without one');
  if (v.default !== undefined) parts.push(`default ${String(v.default)}`);
  const note = parts.length > 0 ? ` (${parts.join('; ')})` : '';
  return `${v.prompt}${note}.${v.required ? ' Required without a terminal unless --yes.' : ''}`;
}

/**
 * One oclif flag per template variable, so every prompt is also a flag. No oclif defaults: an
 * absent flag must stay distinguishable from a default so the engine can prompt or detect.
 */
export function variableFlags(template: TemplateSpec): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {};
  for (const v of allVariables(template)) {
    const description = defaultNote(v);
    switch (v.type) {
      case 'choice':
        flags[v.flag] = Flags.string({ description, options: v.choices });
        break;
      case 'boolean':
        flags[v.flag] = Flags.boolean({ description, allowNo: true });
        break;
      case 'integer':
        flags[v.flag] = Flags.integer({ description });
        break;
      default:
        flags[v.flag] = Flags.string({ description, helpValue: v.type === 'path' || v.type === 'outbox' ? 'DIR' : v.list ? 'NAME,NAME...' : 'NAME' });
    }
  }
  return flags;
}

/**
 * The flags of a scaffold command, built from its template.json. A broken template must not break
 * `eos --help`: then only the common flags are declared and the run reports the template error.
 */
export function scaffoldFlags(templateName: string): Interfaces.FlagInput {
  try {
    return { ...variableFlags(loadTemplate(templateName)), ...COMMON_FLAGS };
  } catch {
    return { ...COMMON_FLAGS };
  }
}
