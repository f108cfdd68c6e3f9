/**
 * The scaffold engine of @eos/analyzer, bundled as its own file (out/scaffold-engine.js) and
 * loaded by the extension on the first scaffold command only: it carries the TypeScript compiler
 * (JavaScript output) and Handlebars, which the extension host should not pay for at start-up.
 */
export * from '@eos/analyzer/scaffold';
