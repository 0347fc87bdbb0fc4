// types.test.mjs - the package's TypeScript declarations, as consumers
// get them (tests/types/ imports 'tide-wasm' through the package's own
// exports map, so dist/*.d.ts are what is checked):
//  - an ES module consumer (consumer.ts) and CommonJS consumers
//    (consumer-import.cts: await import(); consumer-require.cts: a plain
//    import, which is require()) compile with module NodeNext, and their
//    @ts-expect-error lines prove misuse is rejected;
//  - with module Node16 a CommonJS consumer must use import(): the static
//    import is an error (node16-misuse.cts), import() is not;
//  - the CommonJS consumers, compiled, run under Node and get what the
//    types promise;
//  - the .d.ts lists exactly the error codes of include/tide.h.
// Needs `make dist`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from '../support/hosts.mjs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const types = path.join(root, 'tests/types');

function compile(args) {
  assert.ok(fs.existsSync(path.join(root, 'dist/tide.d.ts')), 'dist/ is missing: run `make dist`');
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8', timeout: 110_000 });
  assert.equal(r.status, 0, `tsc ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

test('tsc accepts ES module and CommonJS consumers of the API and rejects misuse (NodeNext)', { timeout: 120_000 }, () => {
  compile(['--noEmit', '-p', types]);
});

test('with module Node16, a CommonJS consumer must use import(): tsc says so', { timeout: 120_000 }, () => {
  compile(['--noEmit', '-p', path.join(types, 'tsconfig.node16.json')]);
});

test('the CommonJS consumers run: await import() on any Node, require() where Node can load ES modules so', { timeout: 120_000 }, () => {
  // inside the repository, so that 'tide-wasm' resolves to the package itself
  const out = path.join(root, 'build/types-cjs');
  fs.rmSync(out, { recursive: true, force: true });
  compile(['-p', types, '--noEmit', 'false', '--rootDir', types, '--outDir', out]);
  const expected = { value: 0, lines: 8, name: 'TideError', code: 'TIDE_LOAD_FAILED' };
  const runs = ['consumer-import.cjs'];
  if (process.features.require_module) runs.push('consumer-require.cjs');
  for (const file of runs) {
    const r = spawnSync(process.execPath, [path.join(out, file)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${file}:\n${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), expected, file);
  }
  // the compiled consumers are CommonJS, as their file names say
  assert.match(fs.readFileSync(path.join(out, 'consumer-require.cjs'), 'utf8'), /require\("tide-wasm"\)/);
  assert.match(fs.readFileSync(path.join(out, 'consumer-import.cjs'), 'utf8'), /await import\('tide-wasm'\)/);
});

test("the .d.ts lists exactly the C error codes of tide.h's TIDE_ERRORS", () => {
  const header = fs.readFileSync(path.join(root, 'include/tide.h'), 'utf8');
  const table = [...header.matchAll(/^\s*X\((E[A-Z]+), -\d+,/gm)].map((m) => `TIDE_${m[1]}`);
  assert.ok(table.length >= 20, 'TIDE_ERRORS not found in tide.h');
  const dts = fs.readFileSync(path.join(root, 'web/package/tide.d.ts'), 'utf8');
  const block = /export type TideCErrorCode =([^;]*);/.exec(dts);
  assert.ok(block, 'TideCErrorCode not found in tide.d.ts');
  const listed = [...block[1].matchAll(/'(TIDE_[A-Z]+)'/g)].map((m) => m[1]);
  assert.deepEqual(listed, [...table, 'TIDE_EUSER']);
});
