// run.mjs - running a WASI command module (wasm32-wasip1) on Node's
// node:wasi the way `wasmtime run` does: arguments, environment,
// preopened folders, the process's stdin/stdout/stderr, the module's exit
// status, status 134 for a trap (wasmtime's: 128 + SIGABRT). tide-run is
// its command; the test suite runs every WASI program through it.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { WASI } from 'node:wasi';

export const TRAP_STATUS = 134;

// Node 20's node:wasi keeps a pointer to the module's memory in its fast
// API calls, which goes stale when the module grows its memory: a crash
// (SIGSEGV or a V8 fatal error) or lost output, after or while writing
// (nodejs/node#53087). Off, every WASI call takes the slow, correct path;
// set before any module is compiled, it applies to all of them.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

// A failure before the module runs: the message says what and why.
export class RunError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RunError';
  }
}

// The imports a module needs that `provided` (an import object) lacks:
// ["env.foo", ...].
export function missingImports(module, provided) {
  return WebAssembly.Module.imports(module)
    .filter((i) => i.kind !== 'function' || typeof provided[i.module]?.[i.name] !== 'function')
    .map((i) => `${i.module}.${i.name}${i.kind === 'function' ? '' : ` (a ${i.kind})`}`);
}

// Compiles a module from a file, with errors a user can act on.
export async function compileModule(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new RunError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new RunError(`${file} is not a WebAssembly module: ${e.message}`);
  }
}

// The folders the module may open, as node:wasi takes them ({guest:
// host}): `dirs` are wasmtime's --dir values, HOST or HOST::GUEST.
export function preopens(dirs) {
  const out = {};
  for (const spec of dirs) {
    const [host, guest = host] = spec.split('::');
    if (!host || !guest) throw new RunError(`--dir ${spec}: give HOST or HOST::GUEST`);
    let stat;
    try {
      stat = fs.statSync(host);
    } catch {
      throw new RunError(`--dir ${spec}: ${host} does not exist`);
    }
    if (!stat.isDirectory()) throw new RunError(`--dir ${spec}: ${host} is not a folder`);
    out[guest] = path.resolve(host);
  }
  return out;
}

// Runs `module` (compiled) as a WASI command: `args` are its argv (the
// first is its name), `env` an object of its environment variables,
// `dirs` as preopens() takes them. `wrap(imports, memory)` may replace
// host functions (memory() gives the module's memory once it runs). Resolves
// with {status} or {status: TRAP_STATUS, trap: error}; throws RunError if
// the module cannot run here.
export async function runModule(module, { args, env = {}, dirs = [], wrap } = {}) {
  const wasi = new WASI({ version: 'preview1', args, env, preopens: preopens(dirs), returnOnExit: true });
  let instance = null;
  const imports = wasi.getImportObject();
  if (wrap) wrap(imports, () => instance.exports.memory);
  const missing = missingImports(module, imports);
  if (missing.length)
    throw new RunError(
      `${args[0]} imports what Node's WASI (wasi_snapshot_preview1) does not provide: ${missing.join(', ')}. ` +
        'It must be a WASI command module built for wasm32-wasip1 (tide-cc builds one)'
    );
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  if (!exports.includes('_start'))
    throw new RunError(`${args[0]} is not a WASI command module: it exports no _start` +
      (exports.includes('_initialize') ? ' (it is a reactor, a library: build it with a main function)' : ''));
  if (!exports.includes('memory')) throw new RunError(`${args[0]} exports no memory, which WASI needs`);
  instance = await WebAssembly.instantiate(module, imports);
  try {
    return { status: wasi.start(instance) };
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return { status: TRAP_STATUS, trap: e };
    throw e;
  }
}

// A trap as wasmtime prints one: what happened, then the wasm frames,
// innermost first, by function name where the module has a name section.
export function describeTrap(file, error) {
  const frames = [];
  for (const line of String(error.stack ?? '').split('\n')) {
    const m = /at (?:(.*) )?\(?wasm:\/\/wasm\/[^:]*:wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)?/.exec(line);
    if (!m) continue;
    // V8 names a frame <module name>.<function name>; the module's name is
    // the file it was linked as
    const name = (m[1] ?? '').replace(/^.*\.wasm\./, '') || `function ${m[2]}`;
    frames.push(`  ${frames.length}: ${name} (wasm function ${m[2]}, offset ${m[3]})`);
  }
  return [`${file}: wasm trap: ${error.message}`, ...frames].join('\n');
}
