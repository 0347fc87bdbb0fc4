// readme.test.mjs - the programs README.md shows are the programs that
// run: each block marked `<!-- readme-test: NAME -->` is written out as
// NAME, the C ones built natively (cc against build/native/libtide.a, as
// the README says) and with web/package/tide-emcc, the JS ones run against
// dist/tide.mjs in place of the installed 'tide-wasm', and what they print
// compared with the README's NAME.out block. Needs `make native dist`
// (make test does both). Also: the LICENSE is the one package.json names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../support/hosts.mjs';

const README = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

// NAME -> the text of the fenced block after `<!-- readme-test: NAME -->`.
function blocks(text) {
  const out = new Map();
  const re = /<!-- readme-test: (\S+) -->\n```[a-z]*\n([\s\S]*?)```/g;
  for (let m; (m = re.exec(text)); ) out.set(m[1], m[2]);
  return out;
}
const BLOCKS = blocks(README);

let dir;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-readme-'));
  for (const [name, text] of BLOCKS) {
    // the package's name, as an installed app imports it, is this checkout's dist/
    const body = name.endsWith('.mjs')
      ? text.replaceAll("from 'tide-wasm'", `from '${pathToFileURL(path.join(root, 'dist/tide.mjs'))}'`)
      : text;
    fs.writeFileSync(path.join(dir, name), body);
  }
});
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('README.md marks its programs and what they print', () => {
  for (const name of ['hello.c', 'hello.out', 'run-hello.mjs', 'ask.c', 'ask.out', 'run-ask.mjs'])
    assert.ok(BLOCKS.has(name), `no block marked ${name}`);
});

test('the hello program, built natively as the README says, prints what it shows', () => {
  for (const lib of ['build/native/libtide.a'])
    assert.ok(fs.existsSync(path.join(root, lib)), `${lib} is missing: run \`make native\` first`);
  sh('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', `-I${path.join(root, 'include')}`, 'hello.c',
    path.join(root, 'build/native/libtide.a'), '-lm', '-pthread', '-o', 'hello']);
  const r = sh(path.join(dir, 'hello'), []);
  assert.equal(r.stdout, BLOCKS.get('hello.out'));
  assert.equal(r.stderr, '');
});

for (const name of ['hello', 'ask']) {
  test(`${name}.c built with tide-emcc runs through the JS API as the README says`, { timeout: 180_000 }, () => {
    assert.ok(fs.existsSync(path.join(root, 'dist/tide.mjs')), 'dist/ is missing: run `make dist` first');
    sh(path.join(root, 'web/package/tide-emcc'), [`${name}.c`, '-o', `${name}.mjs`]);
    const r = sh(process.execPath, [`run-${name}.mjs`]);
    assert.equal(r.stdout, BLOCKS.get(`${name}.out`));
    assert.equal(r.stderr, '');
  });
}

test('the LICENSE is the one package.json names', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.equal(pkg.license, 'MIT');
  assert.match(license, /^MIT License\n\nCopyright \(c\) the Tide authors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

test('every path README.md names in backquotes is in the repository, or built by make', () => {
  // built by make (dist/, build/), or inside the npm package (lib/, bin/, ...)
  const built = /^(dist|build|lib|bin|examples\/threads|threads)\/|^\.\.?\/|^tide\.(mjs|d\.ts|h)$|\*/;
  const missing = [];
  for (const m of README.matchAll(/`([A-Za-z0-9_.\-/]+\/[A-Za-z0-9_.\-/*]*)`/g)) {
    const p = m[1];
    if (/^(@|https?:)/.test(p) || built.test(p)) continue;
    if (!fs.existsSync(path.join(root, p))) missing.push(p);
  }
  for (const m of README.matchAll(/\.\.\/[A-Za-z]|`\.\/[a-z]+`|\$ [^\n]*\.\/[a-z]/g)) missing.push(m[0]);
  assert.deepEqual([...new Set(missing)], []);
});
