'use strict';
// Flat config for the ESLint peer in `npm run bench`: typescript-eslint's parser and the one rule.
const tseslint = require('typescript-eslint');
const peer = require('./plugin.cjs');

module.exports = [
  {
    // The files eos reads in the bench's corpora (TypeScript, .tsx included; JSX is told by the extension).
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
    plugins: { peer },
    rules: { 'peer/ack-before-process': 'error' },
  },
];
