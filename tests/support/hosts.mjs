// hosts.mjs - run a built program (example, test or benchmark) on a host.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOSTS = ['native', 'asan', 'wasi', 'em'];

// Whether the Emscripten that built dist/ (dist/lib/emcc.version) writes a
// pthreads build's worker as a file of its own, X.worker.js: up to 3.1.57;
// from 3.1.58 on the glue is its own worker.
export function emccWritesWorkerFile() {
  const version = fs.readFileSync(path.join(root, 'dist/lib/emcc.version'), 'utf8').trim();
  const [major, minor, tiny] = version.split('.').map(Number);
  return major < 3 || (major === 3 && (minor < 1 || (minor === 1 && tiny < 58)));
}

export function command(host, name, args = []) {
  const b = (p) => path.join(root, 'build', host, p);
  switch (host) {
    case 'native':
    case 'asan':
      return [b(name), args];
    case 'wasi':
      // as a user runs a WASI module without wasmtime: tide-run
      return [process.execPath, [path.join(root, 'wasi/tide-run.mjs'), b(`${name}.wasm`), ...args]];
    case 'em':
      return [process.execPath, [path.join(root, 'tests/support/em-run.mjs'), b(`${name}.mjs`), ...args]];
    default:
      throw new Error(`unknown host ${host}`);
  }
}

export function run(host, name, { env = {}, args = [], timeout = 120000 } = {}) {
  const [cmd, argv] = command(host, name, args);
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: clip(r.stderr), status: r.status, signal: r.signal };
}

// Emscripten's minified glue puts a whole program on one line of a stack
// trace: keep diagnostics readable.
function clip(text) {
  return text
    .split('\n')
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
}
