// em-run.mjs - run an Emscripten-built Tide program under Node: load the
// ES module factory, hand it the .wasm bytes (3.1.6's glue cannot fetch a
// file path on Node), pass TIDE_* environment, and take the exit status
// that the program reports when its loop finishes.
//   node tests/em-run.mjs build/em/x.mjs [args...]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, ...args] = process.argv.slice(2);
const { default: create } = await import(pathToFileURL(path.resolve(file)).href);
const env = Object.entries(process.env).filter(([k]) => k.startsWith('TIDE_'));
await create({
  arguments: args,
  wasmBinary: fs.readFileSync(file.replace(/\.mjs$/, '.wasm')),
  preRun: [(m) => { for (const [k, v] of env) m.ENV[k] = v; }],
  onTideExit: (status) => { process.exitCode = status; },
});
