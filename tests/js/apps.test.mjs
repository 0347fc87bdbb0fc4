// apps.test.mjs - programs as people write them (tests/programs/app_*.c),
// each beside its Python twin (app_*.py): the twin runs on CPython 3.13's
// asyncio with a virtual clock (apps_vloop.py), the C on every host with
// TIDE_CLOCK=virtual, and they must print the same lines. They cover what
// the differential programs (tests/diff/) do not: callbacks that re-arm
// themselves, done callbacks that restart tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HOSTS, root, run } from '../support/hosts.mjs';

const dir = path.join(root, 'tests/programs');
const APPS = fs.readdirSync(dir).filter((f) => /^app_.*\.c$/.test(f)).map((f) => f.slice(0, -2)).sort();

test('the apps are there, each with its Python twin', () => {
  assert.deepEqual(APPS, ['app_ratelimit', 'app_supervisor']);
  for (const app of APPS) assert.ok(fs.existsSync(path.join(dir, `${app}.py`)), `${app}.py`);
});

for (const app of APPS) {
  test(`${app} prints what its Python twin prints, on every host`, () => {
    const py = spawnSync(path.join(root, 'tools/cpython313'), [path.join(dir, `${app}.py`)], { encoding: 'utf8', cwd: dir });
    assert.equal(py.status, 0, py.stderr);
    assert.ok(py.stdout.split('\n').length > 5, py.stdout);
    for (const host of HOSTS) {
      const r = run(host, app, { env: { TIDE_CLOCK: 'virtual' } });
      assert.equal(r.status, 0, `${host}: ${r.stderr}`);
      assert.equal(r.stderr, '', host);
      assert.equal(r.stdout, py.stdout, host);
    }
  });
}
