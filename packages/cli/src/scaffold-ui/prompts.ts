import { confirm, input, number, select } from '@inquirer/prompts';
import { answerProblem, detectProject, type Answers, type AnswerValue, type AskFn, type VariableSpec } from '@eos/analyzer';

/** Asks one template variable with @inquirer/prompts, validating with the engine's own rules. */
export function inquirerAsk(): AskFn {
  const project = detectProject(process.cwd());
  return async (variable: VariableSpec, suggested: AnswerValue | undefined, answers: Readonly<Answers>): Promise<unknown> => {
    const message = `${variable.prompt} (--${variable.flag})`;
    const validate = (value: unknown): string | true => answerProblem(variable, value, project, answers) ?? true;
    switch (variable.type) {
      case 'choice':
        return select({
          message,
          choices: (variable.choices ?? []).map((c) => ({ value: c, name: c })),
          default: typeof suggested === 'string' ? suggested : undefined,
        });
      case 'boolean':
        return confirm({ message, default: typeof suggested === 'boolean' ? suggested : undefined });
      case 'integer':
        return number({ message, default: typeof suggested === 'number' ? suggested : undefined, validate: (v) => (v === undefined ? 'a number is required' : validate(v)) });
      default:
        return input({ message, default: suggested === undefined ? undefined : String(suggested), validate });
    }
  };
}

/** Asks a yes/no question (default yes) on the terminal. */
export function inquirerConfirm(question: string): Promise<boolean> {
  return confirm({ message: question, default: true });
}
