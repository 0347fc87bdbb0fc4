// streams.test.mjs - stdin and stdout as Tide streams (tide_reader,
// tide_writer) on real pipes, natively and under WASI (node:wasi, whose
// poll_oneoff FD_READ / FD_WRITE subscriptions the loop waits on), with
// this test as the other end of each pipe: input in pieces and slowly,
// lines past the limit, binary bytes, an early end of input, a read
// cancelled by its timeout, a reader that stops reading, a reader that
// goes away, and a runtime that cannot poll fds. WASI runs through
// wasi/tide-run.mjs, as a user runs a module (tests/support/hosts.mjs);
// the last test calls tide-run itself for the example. The program is
// tests/programs/streams.c; its header says what each mode prints. The C
// cases of tests/c/test_stream.c cover the same natively with pipes of
// their own, and the semantics on every host with fed readers.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { command, root } from '../support/hosts.mjs';
import { killLeftovers, start } from '../support/piped.mjs';

const HOSTS = ['native', 'asan', 'wasi'];
afterEach(killLeftovers);
const lines = (text) => text.split('\n').filter((l) => l !== '');

// The program's sum of a block (streams.c, sum()).
function sum(bytes) {
  let s = 0;
  for (const b of bytes) s = (Math.imul(s, 31) + b) >>> 0;
  return s;
}

for (const host of HOSTS) {
  test(`${host}: lines come as their "\\n" does, in pieces, slowly; the loop runs on meanwhile`, async () => {
    const p = start(host, 'streams', { args: ['lines'] });
    // a piece, then wait until the program has ticked twice since: it
    // waits for the rest of the line without holding up its other task
    let at = 0;
    for (const piece of ['he', 'llo\nwo', 'rld\n', 'no end']) {
      await p.write(piece);
      at = await p.waitFor('stderr', (t) => t.split('tick\n').length > 2, at);
    }
    await p.waitFor('stdout', /6:world\$\n/);
    assert.deepEqual(lines(p.said('stdout')), ['6:hello$', '6:world$']);
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['6:hello$', '6:world$', '6:no end', 'end']);
    assert.match(r.stderr, /^(tick\n)+$/);
  });

  test(`${host}: lines past the limit, the default limit and a small one`, async () => {
    const long = 'x'.repeat(70000);
    let p = start(host, 'streams', { args: ['lines'] });
    await p.write(`${long}\nok\n${'y'.repeat(65536)}\n`);
    p.end();
    let r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['too long', '3:ok$', `65537:${'y'.repeat(65536)}$`, 'end']);

    p = start(host, 'streams', { args: ['lines', '8'] });
    await p.write('0123456789\nshort\n012345678');
    p.end();
    r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['too long', '6:short$', 'too long', 'end']);
  });

  test(`${host}: readexactly: blocks of bytes, then the end of input in the middle of one`, async () => {
    const bytes = Buffer.from('abcd\0\0\n\xffefg', 'latin1');
    const p = start(host, 'streams', { args: ['exactly', '4'] });
    await p.write(bytes.subarray(0, 7));
    await p.waitFor('stdout', /^4:\d+\n$/);
    await p.write(bytes.subarray(7));
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `4:${sum(bytes.subarray(0, 4))}`,
      `4:${sum(bytes.subarray(4, 8))}`,
      'incomplete 3 of 4',
      'end',
    ]);
  });

  test(`${host}: binary bytes through stdin and stdout, unchanged`, async () => {
    const data = crypto.randomBytes(300000);
    data.fill(0, 1000, 2000); // a run of NULs
    const p = start(host, 'streams', { args: ['copy'] });
    await p.write(data);
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'copied 300000\n');
    assert.ok(r.stdoutBytes.equals(data), 'the bytes came out changed');
  });

  test(`${host}: a read cancelled by its timeout loses nothing it read`, async () => {
    const p = start(host, 'streams', { args: ['timeout', '300'] });
    await p.write('half a ');
    await p.waitFor('stdout', /timeout \(7 bytes buffered\)\n/);
    await p.write('line\nnext');
    await p.waitFor('stdout', /12:half a line\$\n/);
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).filter((l) => !l.startsWith('timeout')), ['12:half a line$', '4:next', 'end']);
  });

  test(`${host}: a writer whose reader does not read waits in drain, then goes on`, async () => {
    const n = 20000;
    // stdout a named pipe nobody reads: it fills, then the writer's buffer
    const p = start(host, 'streams', { args: ['flood', String(n)], stdout: 'fifo' });
    await p.waitFor('stderr', /paused at \d+\n/);
    const at = /paused at (\d+)/.exec(p.said('stderr'))[1];
    // (time for a drain that does not wait to show itself)
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.doesNotMatch(p.said('stderr'), /resumed/, 'drain returned while nobody read');
    p.readStdout();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `paused at ${at}\nresumed at ${at}\n`);
    const out = lines(r.stdout);
    assert.equal(out.length, n);
    for (let i = 0; i < n; i += 997) assert.equal(out[i].slice(0, 13), `line ${String(i).padStart(8, '0')}`);
    assert.equal(out[n - 1].slice(0, 13), `line ${String(n - 1).padStart(8, '0')}`);
  });

  test(`${host}: the reader of stdout goes away: a broken pipe, said clearly`, async () => {
    const p = start(host, 'streams', { args: ['flood', '10000000'] });
    await p.waitFor('stdout', /line 00000100/);
    p.closeStdout();
    const r = await p.done;
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /streams: broken pipe: write to fd 1: Broken pipe\n$/);
  });

  test(`${host}: stdin from a file and from /dev/null, stdout to a file`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-streams-'));
    const input = path.join(dir, 'in.txt');
    fs.writeFileSync(input, 'one\ntwo\nthree');
    const outFile = path.join(dir, 'out.txt');
    const inFd = fs.openSync(input, 'r');
    const outFd = fs.openSync(outFile, 'w');
    let p = start(host, 'streams', { args: ['lines'], stdin: inFd, stdout: outFd });
    let r = await p.done;
    fs.closeSync(inFd);
    fs.closeSync(outFd);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(fs.readFileSync(outFile, 'utf8')), ['4:one$', '4:two$', '5:three', 'end']);
    const nullFd = fs.openSync('/dev/null', 'r');
    p = start(host, 'streams', { args: ['lines'], stdin: nullFd });
    r = await p.done;
    fs.closeSync(nullFd);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'end\n');
    fs.rmSync(dir, { recursive: true });
  });
}

test('WASI: a runtime that cannot poll fds is a clear error, not a hang', () => {
  const r = spawnSync(
    process.execPath,
    ['--no-turbo-fast-api-calls', path.join(root, 'tests/support/wasi-fault.mjs'), 'nofd',
      path.join(root, 'build/wasi/streams.wasm'), 'lines'],
    { encoding: 'utf8', input: 'a line\n', timeout: 60000 }
  );
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  // (the detail of the call that failed says which fd, and why)
  assert.match(
    r.stderr,
    /^tide: main task failed: not supported on this host: tide_writer_create: this WASI runtime cannot wait for fd 1 \(no FD_READ \/ FD_WRITE subscriptions\)\n/
  );
});

// examples/cli/lines.c, the command-line example: lines from stdin worked
// on by a pool of workers with a timeout each, progress on stderr, a
// summary at the end.
const LINES_INPUT = `one\ntwo words here\nthree\n${'w '.repeat(20)}\n${'x'.repeat(100)}\nlast no newline`;
const LINES_RESULTS = [
  'line 1: 1 word, 3 bytes',
  'line 2: 3 words, 14 bytes',
  'line 3: 1 word, 5 bytes',
  'line 4: timed out after 0.5 s',
  'line 5: longer than 50 bytes, skipped',
  'line 6: 3 words, 15 bytes',
];
const LINES_ARGS = ['per_word=0.05', 'timeout=0.5', 'limit=50'];
// Its results, in the order of their line numbers, and its summary.
function linesSaid(stdout) {
  const out = lines(stdout);
  const byNumber = (l) => Number(/^line (\d+):/.exec(l)?.[1] ?? Infinity);
  return { results: out.slice(0, -1).sort((a, b) => byNumber(a) - byNumber(b)), summary: out.at(-1) };
}

for (const host of HOSTS) {
  test(`${host}: example lines: piped input, as asyncio's twin prints it`, async () => {
    const p = start(host, 'lines', { args: [...LINES_ARGS, 'every=0.3'], env: { TIDE_CLOCK: 'virtual' } });
    await p.write(LINES_INPUT);
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    const { results, summary } = linesSaid(r.stdout);
    assert.deepEqual(results, LINES_RESULTS);
    assert.equal(summary, '6 lines: 4 done, 1 timed out, 1 too long; 8 words');
    // virtual time: line 4's work ends at its timeout, 0.5 s, after the
    // one report of 0.3 s, when line 4 was still in work
    assert.equal(r.stderr, 'progress: 6 lines read, 5 done, 1 waiting or in work\n');
  });

  test(`${host}: example lines: slow input; progress reports go on while it waits for lines`, async () => {
    const p = start(host, 'lines', { args: [...LINES_ARGS, 'every=0.05'] });
    let at = 0;
    const pieces = ['one\n', 'two words ', 'here\n', 'three\n'];
    for (const [i, piece] of pieces.entries()) {
      await p.write(piece);
      // two reports after each piece: it waits for stdin without holding
      // up its timer task
      at = await p.waitFor('stderr', (t) => t.split('progress').length > 2, at);
      if (i === 2) await p.waitFor('stdout', /line 2: 3 words, 14 bytes\n/);
    }
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    const { results, summary } = linesSaid(r.stdout);
    assert.deepEqual(results, [LINES_RESULTS[0], LINES_RESULTS[1], LINES_RESULTS[2]]);
    assert.equal(summary, '3 lines: 3 done, 0 timed out, 0 too long; 5 words');
    assert.match(r.stderr, /^(progress: \d+ lines read, \d+ done, \d+ waiting or in work\n)+$/);
  });

  test(`${host}: example lines: words split at ASCII whitespace only, as bytes.split() does (not at NUL)`, async () => {
    const p = start(host, 'lines', { args: ['every=100'], env: { TIDE_CLOCK: 'virtual' } });
    await p.write('a\0b\nc\vd\fe\n\0\n');
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    const { results, summary } = linesSaid(r.stdout);
    assert.deepEqual(results, ['line 1: 1 word, 3 bytes', 'line 2: 3 words, 5 bytes', 'line 3: 1 word, 1 bytes']);
    assert.equal(summary, '3 lines: 3 done, 0 timed out, 0 too long; 5 words');
  });

  test(`${host}: example lines: an early end of input, in the middle of a line and of the work`, async () => {
    // the input stops half way through a line while the workers still
    // have lines queued: they finish those, the half line is the last one
    const p = start(host, 'lines', { args: ['per_word=0.2', 'timeout=5', 'workers=2', 'every=100'] });
    await p.write('a b c\nd e\nf\ng h i j\nhalf a li');
    p.end();
    const r = await p.done;
    assert.equal(r.status, 0, r.stderr);
    const { results, summary } = linesSaid(r.stdout);
    assert.deepEqual(results, [
      'line 1: 3 words, 5 bytes',
      'line 2: 2 words, 3 bytes',
      'line 3: 1 word, 1 bytes',
      'line 4: 4 words, 7 bytes',
      'line 5: 3 words, 9 bytes',
    ]);
    assert.equal(summary, '5 lines: 5 done, 0 timed out, 0 too long; 13 words');
    assert.equal(r.stderr, '');
  });
}

// Started without stdin (`lines <&-`), or with a directory for it, the
// example ends with its main task's error, and the message says why the
// reader could not be made: the detail its TIDE_TRY raised with.
for (const host of ['native', 'asan']) {
  test(`${host}: example lines without stdin, or with a directory as stdin, says why`, () => {
    const [cmd] = command(host, 'lines');
    const sh = (redirect) =>
      spawnSync('/bin/sh', ['-c', `exec "$0" every=100 ${redirect}`, cmd], {
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, TIDE_CLOCK: 'virtual' },
      });
    let r = sh('<&-');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'tide: main task failed: invalid argument: tide_reader_create: fd 0 is not open\n');
    r = sh('</');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, 'tide: main task failed: invalid argument: tide_reader_create: fd 0 is a directory\n');
  });
}

test('tide-run: example lines with piped input prints what it prints natively', () => {
  const run = (cmd, argv) =>
    spawnSync(cmd, argv, {
      encoding: 'utf8',
      input: LINES_INPUT,
      timeout: 60000,
      env: { ...process.env, TIDE_CLOCK: 'virtual' },
    });
  const args = [...LINES_ARGS, 'every=0.3'];
  const wasi = run(process.execPath, [path.join(root, 'wasi/tide-run.mjs'), path.join(root, 'build/wasi/lines.wasm'), ...args]);
  const native = run(path.join(root, 'build/native/lines'), args);
  assert.equal(wasi.status, 0, wasi.stderr);
  assert.equal(native.status, 0, native.stderr);
  assert.deepEqual(linesSaid(wasi.stdout), { results: LINES_RESULTS, summary: '6 lines: 4 done, 1 timed out, 1 too long; 8 words' });
  assert.deepEqual(linesSaid(wasi.stdout), linesSaid(native.stdout));
  assert.equal(wasi.stderr, native.stderr);
});
