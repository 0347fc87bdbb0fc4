// tap.mjs - the C test programs (tests/c/test_*.c) and the TAP they print,
// for every runner that runs them: c.test.mjs on every host, the fault
// sweeps, the host and thread tests.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './hosts.mjs';

// The C test programs by name (test_barrier, test_cancel, ...).
export const C_PROGRAMS = fs
  .readdirSync(path.join(root, 'tests/c'))
  .filter((f) => /^test_.*\.c$/.test(f))
  .map((f) => f.replace(/\.c$/, ''))
  .sort();

// What a program printed: its cases, each { ok, name, diag: [lines] }, and
// its plan (the N of "1..N"; null if the run never got to print it).
export function parseTap(text) {
  const cases = [];
  let plan = null;
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^(not ok|ok) (\d+) - (.*)$/.exec(line))) cases.push({ ok: m[1] === 'ok', name: m[3], diag: [] });
    else if ((m = /^ {2}# (.*)$/.exec(line)) && cases.length) cases.at(-1).diag.push(m[1]);
    else if ((m = /^1\.\.(\d+)$/.exec(line))) plan = Number(m[1]);
  }
  return { cases, plan };
}
