// c.test.mjs - run the C test programs (tests/c/test_*.c) on every host and
// turn each TAP line they print into a node:test subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HOSTS, root, run } from '../support/hosts.mjs';

const programs = fs
  .readdirSync(path.join(root, 'tests/c'))
  .filter((f) => /^test_.*\.c$/.test(f))
  .map((f) => f.replace(/\.c$/, ''));

function parseTap(out) {
  const cases = [];
  let plan = null;
  for (const line of out.split('\n')) {
    let m;
    if ((m = /^(not ok|ok) (\d+) - (.*)$/.exec(line))) {
      cases.push({ ok: m[1] === 'ok', name: m[3], diag: [] });
    } else if ((m = /^  # (.*)$/.exec(line)) && cases.length) {
      cases.at(-1).diag.push(m[1]);
    } else if ((m = /^1\.\.(\d+)$/.exec(line))) {
      plan = Number(m[1]);
    }
  }
  return { cases, plan };
}

for (const host of HOSTS) {
  for (const prog of programs) {
    test(`${prog} on ${host}`, async (t) => {
      const r = run(host, prog);
      const { cases, plan } = parseTap(r.stdout);
      for (const c of cases) {
        await t.test(c.name, () => {
          assert.ok(c.ok, c.diag.join('\n') || 'failed');
        });
      }
      assert.equal(plan, cases.length, `the run did not finish:\n${r.stdout}\n${r.stderr}`);
      assert.ok(cases.length > 0, 'no test case ran');
      assert.equal(r.status, 0, `exit status ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    });
  }
}
