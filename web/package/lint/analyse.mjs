// analyse.mjs - one file's clang output to findings: parse the AST dump,
// read the macro definitions, check. Runs in worker threads (pool.mjs) so
// that clang's next dump is made while this one is checked.
import fs from 'node:fs';
import path from 'node:path';
import { decode } from './ast.mjs';
import { parseDefinitions, MacroTable } from './macros.mjs';
import { checkUnit } from './check.mjs';
import { Source } from './source.mjs';

// {file (absolute), shown (as printed), dump, defs} -> {findings} | {error}
export function analyse({ file, shown, dump, defs }) {
  const root = JSON.parse(dump);
  const main = decode(root);
  if (main && path.resolve(main) !== file) return { error: `clang's output did not match the file (got ${main})` };
  const source = new Source(shown, fs.readFileSync(file, 'latin1'));
  const macros = new MacroTable(parseDefinitions(defs));
  return { findings: checkUnit({ root, main: main ?? file, source, macros }) };
}
