#!/usr/bin/env node
// Entry point of the `eos` binary: hands argv to oclif, which loads the compiled commands.
require('@oclif/core').execute({ dir: __dirname });
