// diff.test.mjs - differential testing against CPython's asyncio, the part
// of `make test` (tests/diff/README.md):
//  - a fixed set of generated programs (seeds 1..SEEDS) and the hand-written
//    ones of tests/diff/programs/ run on Tide's interpreter on every host and
//    on the twin interpreter on CPython 3.13's asyncio (tools/cpython313
//    finds it; the run fails, saying so, without it); the traces must agree
//    (the comparison rules, deliberate differences included, are
//    tests/diff/compare.py's: Python judges, so there is one copy of them);
//  - the programs of tests/diff/known/ are known Tide bugs: they run too, as
//    TODO tests, listed with their reason, so they show up until fixed.
// `make fuzz-diff N=...` runs more seeds natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HOSTS, root, run } from '../support/hosts.mjs';

const SEEDS = Number(process.env.DIFF_SEEDS ?? 400);
const fuzz = path.join(root, 'tests/diff/fuzz.py');
const cpython = path.join(root, 'tools/cpython313');

function python(args, input) {
  const r = spawnSync(cpython, [fuzz, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `tools/cpython313 fuzz.py ${args[0]} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function progFiles(dir) {
  const d = path.join(root, 'tests/diff', dir);
  if (!fs.existsSync(d)) return []; // no known bugs: tests/diff/known/ may be absent
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.prog'))
    .sort()
    .map((f) => path.join(d, f));
}

// The first line of a known failure says what is wrong: "# known: ...".
function reason(file) {
  const first = fs.readFileSync(file, 'utf8').split('\n')[0];
  return first.replace(/^#\s*known:\s*/, '').trim() || path.basename(file);
}

const label = (seed) =>
  String(seed).startsWith('file:') ? path.relative(root, String(seed).slice(5)) : `seed ${seed}`;

// CPython's traces: computed once, compared against every host.
const seeds = Array.from({ length: SEEDS }, (_, i) => String(i + 1));
const items = python(['--emit', [...seeds, ...progFiles('programs').map((f) => `file:${f}`)].join(',')]);
const known = progFiles('known');
const knownItems = known.length ? python(['--emit', known.map((f) => `file:${f}`).join(',')]) : [];

for (const host of HOSTS) {
  test(`differential: ${SEEDS} seeds and ${items.length - SEEDS} programs on ${host}`, async (t) => {
    const r = run(host, 'diff_interp', { args: items.map((i) => i.program) });
    const verdicts = python(['--verdict'], JSON.stringify({ items, output: r.stdout }));
    const bad = verdicts.filter((v) => v.diff !== null);
    for (const v of bad) {
      const which = String(v.seed).startsWith('file:') ? `--program ${label(v.seed)}` : `--seeds ${v.seed}`;
      await t.test(label(v.seed), () => {
        assert.fail(`${v.diff}\n(both traces: tools/cpython313 tests/diff/fuzz.py ` +
          `--interp build/native/diff_interp ${which} --show)`);
      });
    }
    assert.equal(bad.length, 0, `${bad.length} program(s) diverge: ${bad.map((v) => label(v.seed)).join(', ')}`);
    assert.equal(r.status, 0, `exit status ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  });

  for (const item of knownItems) {
    const why = reason(String(item.seed).slice(5));
    test(`known Tide bug on ${host}: ${label(item.seed)}`, { todo: why }, () => {
      // a known bug may hang: a short leash
      let out = '';
      try {
        out = run(host, 'diff_interp', { args: [item.program], timeout: 5000 }).stdout;
      } catch (e) {
        assert.fail(`did not finish: ${e.message}`);
      }
      const [v] = python(['--verdict'], JSON.stringify({ items: [item], output: out }));
      assert.equal(v.diff, null);
    });
  }
}
