// piped.mjs - run a built program on a host with its stdio piped, and play
// the other end: write to its stdin when it is ready for more, wait for
// what it says, stop reading its stdout, or close it.
//
//   const p = start('wasi', 'streams', { args: ['lines'] });
//   await p.write('he');
//   await p.waitFor('stderr', /tick\n/);
//   p.end();
//   const { status, stdout, stderr } = await p.done;
//
// With { stdout: 'fifo' } its stdout is a named pipe that nobody reads
// until p.readStdout(): a pipe Node's own stream would read ahead of the
// test into its buffers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { command } from './hosts.mjs';

// A named pipe: the end to read (not read yet) and the end to write.
function fifo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tide-fifo-'));
  const file = path.join(dir, 'pipe');
  const r = spawnSync('mkfifo', [file]);
  if (r.status !== 0) throw new Error(`mkfifo: ${r.stderr}`);
  const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeFd = fs.openSync(file, 'w');
  fs.rmSync(dir, { recursive: true });
  return { readFd, writeFd };
}

// Programs started and not ended yet: killLeftovers() ends them after a
// test that failed half way (their pipes would keep the test file alive).
const running = new Set();
export function killLeftovers() {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

// How long a wait for output may take before the test fails with what the
// program said so far (a hang, not a measure of speed).
const PATIENCE_MS = 60000;

export function start(host, name, { args = [], env = {}, stdin = 'pipe', stdout = 'pipe' } = {}) {
  const [cmd, argv] = command(host, name, args);
  const named = stdout === 'fifo' ? fifo() : null;
  const child = spawn(cmd, argv, {
    stdio: [stdin, named ? named.writeFd : stdout, 'pipe'],
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
  });
  if (named) fs.closeSync(named.writeFd);
  running.add(child);
  const got = { stdout: [], stderr: [] };
  const text = (which) => Buffer.concat(got[which]).toString('latin1');
  let waiters = [];
  const check = () => {
    waiters = waiters.filter((w) => !w.try());
  };
  const collect = (which, stream) =>
    stream?.on('data', (b) => {
      got[which].push(b);
      check();
    });
  collect('stdout', child.stdout);
  collect('stderr', child.stderr);
  // A named pipe is read through a stream made when the test says so (one
  // made at once would read ahead); its end comes apart from the child's.
  let stdoutStream = child.stdout;
  let stdoutEnded = null;
  const readNamed = () => {
    stdoutStream = new net.Socket({ fd: named.readFd, readable: true, writable: false });
    stdoutEnded = new Promise((resolve) => stdoutStream.on('close', resolve));
    collect('stdout', stdoutStream);
  };
  // (writing to a program that has exited is its problem, not the test's)
  child.stdin?.on('error', () => {});
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (status, signal) => {
      running.delete(child);
      if (stdoutEnded) await stdoutEnded;
      check();
      for (const w of waiters) w.fail(`the program ended (status ${status}) first`);
      waiters = [];
      resolve({
        status,
        signal,
        stdout: text('stdout'),
        stderr: text('stderr'),
        stdoutBytes: Buffer.concat(got.stdout),
      });
    });
  });
  return {
    child,
    done,
    // Writes to its stdin; resolves once the pipe has taken the bytes.
    write(data) {
      return new Promise((resolve) => child.stdin.write(data, () => resolve()));
    },
    end() {
      child.stdin.end();
    },
    // With { stdout: 'fifo' }: start reading its stdout.
    readStdout() {
      readNamed();
    },
    // Closes the end of stdout the test reads: the program's writes fail.
    closeStdout() {
      stdoutStream.destroy();
    },
    // What it said so far on `which` ('stdout' or 'stderr').
    said(which) {
      return text(which);
    },
    // Resolves once `test` (a RegExp, or a function of the text) matches
    // what `which` said after `from` characters; with the text's length.
    waitFor(which, test, from = 0) {
      const match = typeof test === 'function' ? test : (t) => test.test(t);
      return new Promise((resolve, reject) => {
        let timer;
        const w = {
          try() {
            const t = text(which);
            if (!match(t.slice(from))) return false;
            clearTimeout(timer);
            resolve(t.length);
            return true;
          },
          fail(why) {
            clearTimeout(timer);
            reject(new Error(`waiting for ${test} on ${which}: ${why}\n` +
              `stdout: ${text('stdout').slice(-2000)}\nstderr: ${text('stderr').slice(-2000)}`));
          },
        };
        if (w.try()) return;
        timer = setTimeout(() => {
          waiters = waiters.filter((x) => x !== w);
          w.fail(`nothing after ${PATIENCE_MS} ms`);
        }, PATIENCE_MS);
        waiters.push(w);
      });
    },
  };
}
