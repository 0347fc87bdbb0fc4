// wasi-run.mjs - run a WASI command module under Node's node:wasi
// (preview1), the way wasmtime would: args, TIDE_* environment, stdio.
//   node tests/support/wasi-run.mjs build/wasi/x.wasm [args...]
import { WASI } from 'node:wasi';
import fs from 'node:fs';

process.removeAllListeners('warning'); // node:wasi's "experimental" notice
const [file, ...args] = process.argv.slice(2);
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith('TIDE_')),
);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env, returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(file));
const imports = WebAssembly.Module.imports(module);
const foreign = imports.filter((i) => i.module !== 'wasi_snapshot_preview1');
if (foreign.length) {
  // Tide's WASI modules must stay runnable by wasmtime: preview1 only.
  console.error('non-WASI imports:', foreign.map((i) => `${i.module}.${i.name}`).join(', '));
  process.exit(70);
}
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
