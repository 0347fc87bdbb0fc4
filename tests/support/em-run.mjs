// em-run.mjs - run an Emscripten-built Tide program under Node through the
// package's JS API (web/package/tide.mjs): TIDE_* environment and arguments go to
// main(), stdout/stderr stream through, and the exit status is the
// program's.
//   node tests/support/em-run.mjs build/em/x.mjs [args...]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from '../../web/package/tide.mjs';

const [file, ...args] = process.argv.slice(2);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TIDE_')));
const program = await load(pathToFileURL(path.resolve(file)));
const run = program.start({
  args,
  env,
  onStdout: (line) => process.stdout.write(`${line}\n`),
  onStderr: (line) => process.stderr.write(`${line}\n`),
});
try {
  await run.result;
  process.exitCode = 0;
} catch (e) {
  // The program has said why on stderr (tide_main does); add only what it
  // could not say itself.
  if (e.exitCode === null || e.code === 'TIDE_CRASHED') process.stderr.write(`em-run: ${e.message}\n`);
  process.exitCode = e.exitCode || 1;
}
