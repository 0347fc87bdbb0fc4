// cli.mjs - tide-lint: checks C coroutines written with Tide against the
// rules of include/tide.h, on clang's AST. `make lint` runs it over the
// project; the npm package ships it as `npx tide-lint`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findClang, dumpFiles } from './clang.mjs';
import { Pool } from './pool.mjs';
import { RULES } from './rules.mjs';

const HELP = `usage: tide-lint [options] file.c ... [-- clang options]

Checks C coroutines written with Tide (tide.h) against the coroutine rules
and prints each finding as file:line:col: error: what, why, what instead.

  -I DIR, -D NAME[=VALUE], -U NAME, -std=STD, -include FILE
                  passed to clang, as is everything after \`--\`; Tide's own
                  include directory is added last
  --clang CMD     the clang to use: a command, or \`yowasp\` for the npm
                  package @yowasp/clang (default: $TIDE_LINT_CLANG, else the
                  first of clang, clang-22 ... clang-14 on PATH, else
                  @yowasp/clang if it is installed)
  --format FMT    text (default) or json
  --batch N       files per clang start (default 16)
  --list-rules    print the rules and exit
  -h, --help      print this and exit

Exit status: 0 nothing flagged, 1 something flagged, 2 a usage error, no
clang found, a file clang could not compile, or one too large to check.

A finding is silenced by a comment on its line or the line before:
    /* tide-lint: ignore local-across-await */   (or no rule: all of them)
or in the whole file by one anywhere in it:
    /* tide-lint: ignore-file awaitable-outside-await */
`;

const PASS_WITH_VALUE = new Set(['-I', '-D', '-U', '-include', '-isystem', '-idirafter', '-iquote', '--target', '-target']);
const PASS_JOINED = /^(-I|-D|-U|-std=|-isystem|-idirafter|-iquote|--target=|-m|-f)/;

// Tide's include directory: the repository's include/ or the package's
// dist/include/.
function tideInclude() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.join(here, '../../../include'), path.join(here, '../include')])
    if (fs.existsSync(path.join(dir, 'tide.h'))) return path.resolve(dir);
  return null;
}

function parseArgs(argv) {
  const o = { files: [], flags: [], format: 'text', batch: 16, clang: process.env.TIDE_LINT_CLANG || null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--') o.flags.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--list-rules') o.listRules = true;
    else if (a === '--clang') o.clang = value();
    else if (a === '--format') o.format = value();
    else if (a === '--batch') o.batch = Number(value());
    else if (PASS_WITH_VALUE.has(a)) o.flags.push(a, value());
    else if (PASS_JOINED.test(a)) o.flags.push(a);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (clang options go after --)`);
    else o.files.push(a);
  }
  if (!['text', 'json'].includes(o.format)) throw new Error(`--format must be text or json, not ${o.format}`);
  if (!(Number.isInteger(o.batch) && o.batch > 0)) throw new Error('--batch needs a positive integer');
  return o;
}

// Include directories among clang flags (for @yowasp/clang's file system).
function includeDirs(flags) {
  const dirs = [];
  flags.forEach((f, i) => {
    if (['-I', '-isystem', '-idirafter', '-iquote'].includes(f) && flags[i + 1]) dirs.push(flags[i + 1]);
    else if (/^-I./.test(f)) dirs.push(f.slice(2));
  });
  return dirs.map((d) => path.resolve(d));
}

// A path as the user would write it: relative to the current directory
// when it is under it.
function shown(file) {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

// Checks `files`; returns {clang, findings, errors} or {tried} when no
// clang could be found.
export async function lint(files, { flags = [], clang: wanted = null, batch = 16, maxDump } = {}) {
  const clang = await findClang(wanted);
  if (!clang.run) return { tried: clang.tried };
  const inc = tideInclude();
  // relative -I paths as absolute (the virtual file system of @yowasp/clang)
  const absFlags = flags.map((f, i) => (flags[i - 1] === '-I' ? path.resolve(f) : /^-I[^/]/.test(f) ? `-I${path.resolve(f.slice(2))}` : f));
  const allFlags = [...absFlags, ...(inc ? ['-I', inc] : [])];
  const inputs = files.map((f) => path.resolve(f));
  const results = new Map(); // file -> promise of {findings} | {error}
  const pool = new Pool();
  try {
    await dumpFiles(clang, inputs, allFlags, includeDirs(allFlags), batch, (file, r) => {
      if (r.error) return void results.set(file, Promise.resolve({ error: r.error, compiled: r.compiled }));
      results.set(file, pool.run({ file, shown: shown(file), dump: r.dump, defs: r.defs }));
      return pool.saturated();
    }, maxDump);
    for (const [file, p] of results) results.set(file, await p);
  } finally {
    await pool.close();
  }
  const findings = [], errors = [];
  for (const file of inputs) {
    const r = results.get(file) ?? { error: 'clang produced nothing for it' };
    if (r.error) errors.push({ file: shown(file), message: r.error, ...(r.compiled ? { compiled: true } : {}) });
    else findings.push(...r.findings);
  }
  return { clang: clang.name, findings, errors };
}

export async function main(argv, out = process.stdout, err = process.stderr) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    err.write(`tide-lint: ${e.message}\n${HELP}`);
    return 2;
  }
  if (o.help) {
    out.write(HELP);
    return 0;
  }
  if (o.listRules) {
    for (const [id, text] of Object.entries(RULES)) out.write(`${id.padEnd(26)} ${text}\n`);
    return 0;
  }
  if (!o.files.length) {
    err.write(`tide-lint: no files given\n${HELP}`);
    return 2;
  }
  const stats = o.files.map((f) => fs.statSync(f, { throwIfNoEntry: false }));
  const dirs = o.files.filter((f, i) => stats[i]?.isDirectory());
  const missing = o.files.filter((f, i) => !stats[i]?.isFile() && !dirs.includes(f));
  if (missing.length || dirs.length) {
    if (missing.length) err.write(`tide-lint: no such file: ${missing.join(', ')}\n`);
    // a folder is not searched: the shell names the files (dir/*.c)
    if (dirs.length) err.write(`tide-lint: ${dirs.join(', ')}: a folder, not a C file: name its files (e.g. ${dirs[0].replace(/\/+$/, '')}/*.c)\n`);
    return 2;
  }
  const r = await lint(o.files, o);
  if (r.tried) {
    err.write(`tide-lint: no usable clang found. Tried: ${r.tried.join('; ')}.\n`
      + 'Install one (Debian/Ubuntu: apt-get install clang; any clang from 9 on works),\n'
      + 'or `npm install --save-dev @yowasp/clang` (Clang compiled to WebAssembly),\n'
      + 'or name one with --clang CMD or TIDE_LINT_CLANG.\n');
    return 2;
  }
  if (r.clang === '@yowasp/clang' && !o.clang)
    err.write('tide-lint: no clang on PATH, using @yowasp/clang (Clang in WebAssembly): a few seconds a file; a native clang is much faster\n');
  if (o.format === 'json') out.write(JSON.stringify({ clang: r.clang, findings: r.findings, errors: r.errors }, null, 2) + '\n');
  else {
    for (const f of r.findings) out.write(`${f.file}:${f.line}:${f.col}: error: ${f.message} [${f.rule}]\n`);
    for (const e of r.errors)
      err.write(e.compiled ? `tide-lint: ${e.file}: not checked: ${e.message}\n`
        : `tide-lint: ${e.file}: clang could not compile it, so it was not checked:\n${e.message}\n`);
  }
  if (r.errors.length) return 2;
  return r.findings.length ? 1 : 0;
}
