#!/usr/bin/env node
// Entry point of the `eos` binary: hands argv to oclif, which loads the compiled commands.

// Node 22.1 and later keep V8's compiled code between runs (in the OS temp folder), as tsc does:
// a cached rerun is mostly start-up. Node 20 has no such switch, and nothing happens.
try {
  require('node:module').enableCompileCache?.();
} catch {
  // A temp folder that cannot be written only costs the speed-up.
}
// oclif checks Node against its own `engines` (>=18) on every start, loading the 47 modules of
// semver to do so (about 15 ms of a cached rerun); eos's own `engines` (>=20) asks for more.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
require('@oclif/core').execute({ dir: __dirname });
