// make-dist.mjs - assemble dist/, the folder the npm package ships
// (package.json "files"). `make dist` runs it after building build/em/.
//
//   node web/package/make-dist.mjs --examples "tasks cancel ..." \
//        --js-libs "src/host/emscripten.js ..." --link-flags "-sMODULARIZE ..." \
//        --threads-examples "to_thread" --threads-link-flags "... -pthread ..."
//
// dist/
//   tide.mjs, tide.d.ts          the JS API (copied from web/)
//   examples.mjs, examples.d.ts  the table of bundled examples that
//                                tide.mjs's loadExample() reads (not an
//                                entry point of the package): one literal
//                                new URL('./examples/x.wasm', import.meta.url)
//                                each so bundlers find every file
//   examples/<name>.{mjs,wasm}   the example programs (from build/em/)
//   examples/threads/<name>.{mjs,wasm[,worker.js]}
//                                pthreads builds of those that call
//                                to_thread (from build/em-mt/; each glue
//                                finds its worker and the worker its glue
//                                by their own names, so they stay as built;
//                                Emscripten 3.1.58 and later make no
//                                separate worker file)
//   include/tide.h               the C API
//   lib/                         libtide.a, the JS libraries, link.flags,
//                                emcc.version (the Emscripten that built
//                                lib/: tide-emcc links only with it)
//   lib/threads/                 libtide.a and link.flags with pthreads
//   bin/tide-emcc                builds your own programs against lib/
//   lint/tide-lint.mjs, lint/*.mjs  the coroutine rules checker (the
//                                `tide-lint` command; web/package/lint/)
//   wasi/tide-cc.mjs, tide-run.mjs, *.mjs  the WASI commands (from wasi/)
//   wasi/lib/libtide.a           Tide for wasm32-wasip1 (from build/wasi/)
//   wasi/lib/clang.version       the @yowasp/clang that built it
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`make-dist: missing ${name}`);
  return process.argv[i + 1].split(/\s+/).filter(Boolean);
}

const examples = option('--examples').sort();
const jsLibs = option('--js-libs');
const linkFlags = option('--link-flags');
const threadsExamples = option('--threads-examples').sort();
const threadsLinkFlags = option('--threads-link-flags');
for (const name of threadsExamples)
  if (!examples.includes(name)) throw new Error(`make-dist: ${name} has a pthreads build but is no example`);

// Start from nothing: a file that is no longer built must not linger.
fs.rmSync(dist, { recursive: true, force: true });
for (const d of ['examples/threads', 'include', 'lib/threads', 'bin', 'lint', 'wasi/lib']) fs.mkdirSync(path.join(dist, d), { recursive: true });

const copy = (from, to, mode) => {
  fs.copyFileSync(path.join(root, from), path.join(dist, to));
  if (mode) fs.chmodSync(path.join(dist, to), mode);
};

copy('web/package/tide.mjs', 'tide.mjs');
copy('web/package/tide.d.ts', 'tide.d.ts');
copy('include/tide.h', 'include/tide.h');
copy('build/em/libtide.a', 'lib/libtide.a');
copy('build/em-mt/libtide.a', 'lib/threads/libtide.a');
copy('web/package/tide-emcc', 'bin/tide-emcc', 0o755);
for (const f of fs.readdirSync(path.join(root, 'web/package/lint')).filter((f) => f.endsWith('.mjs')))
  copy(`web/package/lint/${f}`, `lint/${f}`, f === 'tide-lint.mjs' ? 0o755 : undefined);

// WASI: the commands, and the library they link (the header is include/'s)
const WASI_COMMANDS = ['tide-cc.mjs', 'tide-run.mjs'];
for (const f of fs.readdirSync(path.join(root, 'wasi')).filter((f) => f.endsWith('.mjs')))
  copy(`wasi/${f}`, `wasi/${f}`, WASI_COMMANDS.includes(f) ? 0o755 : undefined);
copy('build/wasi/libtide.a', 'wasi/lib/libtide.a');
const clangPackage = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@yowasp/clang/package.json'), 'utf8'));
fs.writeFileSync(path.join(dist, 'wasi/lib/clang.version'), `${clangPackage.version}\n`);

const libFlags = [];
for (const lib of jsLibs) {
  const base = path.basename(lib);
  copy(lib, `lib/${base}`);
  libFlags.push('--js-library', `@LIB@/${base}`);
}
// one argument a line; @LIB@ is lib/ (tide-emcc reads these)
const writeFlags = (file, more) => fs.writeFileSync(path.join(dist, file), [...libFlags, ...more].join('\n') + '\n');
writeFlags('lib/link.flags', linkFlags);
writeFlags('lib/threads/link.flags', threadsLinkFlags);
// the version of the emcc that built lib/ (Makefile: EMCC)
const emccVersion = execFileSync(process.env.EMCC || 'emcc', ['-dumpversion'], { encoding: 'utf8' })
  .split('\n').map((l) => l.trim()).filter((l) => /^\d+\.\d+\.\d+$/.test(l)).pop();
if (!emccVersion) throw new Error('make-dist: `emcc -dumpversion` did not give a version');
fs.writeFileSync(path.join(dist, 'lib/emcc.version'), `${emccVersion}\n`);

for (const name of examples) {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`make-dist: bad example name ${name}`);
  copy(`build/em/${name}.mjs`, `examples/${name}.mjs`);
  copy(`build/em/${name}.wasm`, `examples/${name}.wasm`);
}
// (the worker file only where this Emscripten makes one: before 3.1.58)
for (const name of threadsExamples)
  for (const ext of ['mjs', 'wasm', 'worker.js'])
    if (ext !== 'worker.js' || fs.existsSync(path.join(root, `build/em-mt/${name}.${ext}`)))
      copy(`build/em-mt/${name}.${ext}`, `examples/threads/${name}.${ext}`);

// The glue/wasm pair of one build, as literal import() and new URL().
const pair = (dir, name, indent) =>
  `${indent}glue: () => import('./${dir}/${name}.mjs'),\n` +
  `${indent}wasm: () => new URL('./${dir}/${name}.wasm', import.meta.url),\n`;
const entries = examples
  .map(
    (name) =>
      `  ${JSON.stringify(name)}: {\n` +
      pair('examples', name, '    ') +
      (threadsExamples.includes(name) ? `    threads: {\n${pair('examples/threads', name, '      ')}    },\n` : '') +
      '  },'
  )
  .join('\n');
fs.writeFileSync(
  path.join(dist, 'examples.mjs'),
  `// examples.mjs - generated by web/package/make-dist.mjs: the example programs
// bundled with the package. loadExample('name') in tide.mjs reads this
// table; it is not an entry point of the package.
export const examples = Object.freeze({
${entries}
});
`
);

const union = examples.map((n) => JSON.stringify(n)).join(' | ');
fs.writeFileSync(
  path.join(dist, 'examples.d.ts'),
  `// examples.d.ts - generated by web/package/make-dist.mjs: the names of the
// bundled examples, for tide.d.ts (loadExample's argument).
/** Names of the example programs bundled with the package. */
export type ExampleName = ${union};
`
);

console.log(`dist/: ${examples.length} examples (${threadsExamples.length} with a pthreads build), ${jsLibs.length} JS libraries, ` +
  `Tide for wasm32-wasip1 (@yowasp/clang ${clangPackage.version})`);
