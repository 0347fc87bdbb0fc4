#!/usr/bin/env node
// tide-lint - check C coroutines written with Tide against the coroutine
// rules (include/tide.h), on clang's AST. `tide-lint --help` says how.
import { main } from './cli.mjs';

process.exitCode = await main(process.argv.slice(2));
