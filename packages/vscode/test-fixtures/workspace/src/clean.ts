// Plain arithmetic: nothing here can hold a finding, so the pre-filter never parses it.
export function sum(a: number, b: number): number {
  return a + b;
}
