// c.test.mjs - run the C test programs (tests/c/test_*.c) on every host and
// turn each TAP line they print into a node:test subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTS, run } from '../support/hosts.mjs';
import { C_PROGRAMS, parseTap } from '../support/tap.mjs';

for (const host of HOSTS) {
  for (const prog of C_PROGRAMS) {
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
