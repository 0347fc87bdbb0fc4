// types.test.mjs - the package's TypeScript declarations compile for a
// consumer (tests/types/consumer.ts, which imports 'tide-wasm' through the
// package's own exports map, so dist/*.d.ts are what is checked) and reject
// misuse (its @ts-expect-error lines). Needs `make dist`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from '../support/hosts.mjs';

test('tsc --noEmit accepts a consumer of the API and rejects misuse', { timeout: 120_000 }, () => {
  assert.ok(fs.existsSync(path.join(root, 'dist/tide.d.ts')), 'dist/ is missing: run `make dist`');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', path.join(root, 'tests/types')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
  });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
