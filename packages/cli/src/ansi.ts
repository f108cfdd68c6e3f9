/**
 * Minimal terminal styling. Colour is used only when the stream is a terminal and the user has
 * not opted out with NO_COLOR (https://no-color.org: present and non-empty disables colour).
 */
export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  underline(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

const colored: Palette = {
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  blue: wrap(34, 39),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
  underline: wrap(4, 24),
};

const identity = (s: string) => s;
const plain: Palette = { red: identity, yellow: identity, blue: identity, cyan: identity, dim: identity, bold: identity, underline: identity };

/** Whether output to `stream` should be coloured. */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export function palette(color: boolean): Palette {
  return color ? colored : plain;
}
