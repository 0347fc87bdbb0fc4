// fuzz.test.mjs - the short fuzz run of `make test` (fuzz/fuzz_ops.c):
//  - libFuzzer over the committed corpus (fuzz/corpus), then mutating for a
//    few seconds from a fixed seed, with ASan+UBSan; new inputs go to a
//    scratch directory, never into the committed corpus;
//  - the same corpus replayed once by plain programs: gcc's ASan+UBSan
//    build and the 32-bit WASI build.
// Each prints fuzz_ops's summary, which must show every operation reached,
// and every misuse case (an awaitable outside TIDE_AWAIT found each way,
// TIDE_AWAIT_CALL past its limits, chains cancelled and deadlocked through
// each kind of link, calls from another thread) that the host can have.
// The known crashes in fuzz/crashes/ are not run here: `make fuzz-crashes`.
// FUZZ_TEST_SECONDS sets the mutation time (default 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, command } from '../support/hosts.mjs';

const corpusDir = path.join(root, 'fuzz/corpus');
const corpus = fs
  .readdirSync(corpusDir)
  .filter((f) => !f.startsWith('.'))
  .sort()
  .map((f) => path.join(corpusDir, f));
const seconds = Number(process.env.FUZZ_TEST_SECONDS ?? 8);

// "fuzz_ops: 123 runs, ...; operations reached: 55/55"
// "fuzz_ops: misuse cases reached: 63/63"
function summary(stderr) {
  const lines = stderr.split('\n');
  const line = lines.find((l) => l.startsWith('fuzz_ops: ') && l.includes('operations reached'));
  assert.ok(line, `no summary line in:\n${tail(stderr)}`);
  const m = /(\d+) runs, .*operations reached: (\d+)\/(\d+)/.exec(line);
  const misuse = lines.find((l) => l.startsWith('fuzz_ops: misuse cases reached'));
  assert.ok(misuse, `no misuse summary in:\n${tail(stderr)}`);
  const c = /reached: (\d+)\/(\d+)/.exec(misuse);
  const missing = lines.find((l) => l.startsWith('fuzz_ops: misuse cases never reached')) ?? '';
  return {
    line: `${line}; ${misuse.replace('fuzz_ops: ', '')}`,
    runs: Number(m[1]),
    reached: Number(m[2]),
    ops: Number(m[3]),
    cases: Number(c[1]),
    ncases: Number(c[2]),
    missing,
  };
}

function allReached(s) {
  assert.equal(s.reached, s.ops, s.line);
  assert.ok(s.ncases >= 49, s.line); // 18 awaitables x 2 ways, and more
  assert.equal(s.cases, s.ncases, `${s.line}\n${s.missing}`);
}

function tail(text, n = 40) {
  return text.split('\n').slice(-n).join('\n');
}

test('the committed corpus is there', () => {
  assert.ok(corpus.length >= 40, `fuzz/corpus has ${corpus.length} inputs`);
});

test(`libFuzzer: the corpus, then ${seconds} s of mutations (ASan+UBSan)`, (t) => {
  const bin = path.join(root, 'build/fuzz/fuzz_ops');
  assert.ok(fs.existsSync(bin), `${bin} is missing: make fuzz-build`);
  const scratch = path.join(root, 'build/fuzz/test-corpus');
  const artifacts = path.join(root, 'build/fuzz/test-artifacts');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const started = Date.now();
  const r = spawnSync(
    bin,
    [
      `-max_total_time=${seconds}`,
      '-seed=1',
      '-timeout=20',
      '-rss_limit_mb=2048',
      '-print_final_stats=1',
      `-artifact_prefix=${artifacts}/`,
      scratch,
      corpusDir,
    ],
    { encoding: 'utf8', timeout: (seconds + 120) * 1000, maxBuffer: 256 << 20 }
  );
  const took = ((Date.now() - started) / 1000).toFixed(1);
  const err = r.stderr ?? '';
  assert.equal(r.status, 0, `libFuzzer failed (status ${r.status} ${r.signal ?? ''}):\n${tail(err)}`);
  const inited = err.split("\n").find((l) => /INITED cov/.test(l));
  const done = err.split('\n').find((l) => /^Done \d+ runs/.test(l));
  assert.ok(inited && done, tail(err));
  const s = summary(err);
  assert.ok(s.runs >= corpus.length, `${s.runs} runs for ${corpus.length} corpus inputs`);
  allReached(s);
  const cov = /cov: (\d+) ft: (\d+)/.exec(inited);
  t.diagnostic(`${inited.trim()}`);
  t.diagnostic(`${done.trim()} (${took} s in all)`);
  t.diagnostic(s.line);
  if (cov) t.diagnostic(`corpus coverage: ${cov[1]} edges, ${cov[2]} features`);
});

test('the corpus replays on gcc ASan+UBSan (no libFuzzer)', (t) => {
  const bin = path.join(root, 'build/asan/fuzz_replay');
  const r = spawnSync(bin, corpus, {
    encoding: 'utf8',
    timeout: 300000,
    maxBuffer: 64 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' },
  });
  assert.equal(r.status, 0, `status ${r.status} ${r.signal ?? ''}:\n${tail(r.stderr)}`);
  const s = summary(r.stderr);
  assert.equal(s.runs, corpus.length);
  allReached(s);
  t.diagnostic(s.line);
});

test('the corpus replays on WASI (wasm32)', (t) => {
  // Inputs go through stdin, each as a 4-byte little-endian length and its
  // bytes: the WASI runner preopens no directory.
  const parts = [];
  for (const f of corpus) {
    const data = fs.readFileSync(f);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    parts.push(len, data);
  }
  const [cmd, argv] = command('wasi', 'fuzz_replay');
  const r = spawnSync(cmd, argv, {
    input: Buffer.concat(parts),
    encoding: 'utf8',
    timeout: 300000,
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, `status ${r.status} ${r.signal ?? ''}:\n${tail(r.stderr)}`);
  const s = summary(r.stderr);
  assert.equal(s.runs, corpus.length);
  allReached(s);
  t.diagnostic(s.line);
});
