// host-fixtures.mjs - shared by the Node and the Chromium host tests (so it
// imports nothing): the JS functions tests/c/test_host.c awaits, a runner
// for an Emscripten-built program inside this JS realm, and what the
// rate-limited client prints.

// The registry handed to createTide({ tideFunctions }). `aborted` collects
// "tag: reason" for every signal that fired, in order.
export function hostFunctions() {
  const aborted = [];
  let gate = null;
  const functions = {
    echo: async (arg) => arg,
    add: (arg) => arg.a + arg.b, // synchronous: its value counts as resolved
    nothing: async () => {},
    tick: async (arg) => `${arg} ✓`,
    reject: async (arg) => {
      throw new Error(arg);
    },
    throws: () => {
      throw new TypeError('kaboom');
    },
    bigint: async () => 10n,
    cycle: async () => {
      const o = {};
      o.self = o;
      return o;
    },
    function: async () => () => 1,
    delay: (ms) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
    // Ends only when the signal aborts (then rejects, as fetch would).
    forever: (tag, { signal }) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted.push(`${tag}: ${signal.reason?.message}`);
          reject(signal.reason);
        });
      }),
    // Ignores the abort and resolves later anyway.
    stubborn: (tag, { signal }) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted.push(`${tag}: ${signal.reason?.message}`);
          setTimeout(() => resolve('late'), 5);
        });
      }),
    // Every call made before it opens settles in the same JS job, in call
    // order.
    gate: (tag) => {
      if (!gate) {
        gate = new Promise((resolve) => setTimeout(resolve, 10));
        gate.then(() => {
          gate = null;
        });
      }
      return gate.then(() => tag);
    },
    aborts: async () => {
      await new Promise((resolve) => setTimeout(resolve, 0)); // let aborts land
      return aborted;
    },
  };
  return { functions, aborted };
}

// Run an Emscripten-built Tide program (its ES module factory) in this
// realm. Resolves with { stdout, stderr, status } when the program reports
// its exit status, or when a TAP plan line ("1..N") is printed, or on
// timeout (status 'timeout').
export function runTide(create, { wasmBinary, args = [], env = {}, tideFunctions, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const out = [];
    const err = [];
    let done = false;
    const finish = (status) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // let output printed in the same job arrive
      setTimeout(() => resolve({ stdout: out.join('\n'), stderr: err.join('\n'), status }), 0);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    create({
      arguments: args,
      ...(wasmBinary ? { wasmBinary } : {}),
      ...(tideFunctions ? { tideFunctions } : {}),
      print: (line) => {
        out.push(line);
        if (/^1\.\.\d+$/.test(line)) finish(0);
      },
      printErr: (line) => err.push(line),
      preRun: [
        (m) => {
          for (const [k, v] of Object.entries(env)) m.ENV[k] = v;
        },
      ],
      onTideExit: (status) => finish(status),
    }).catch(reject);
  });
}

// The title of post n (the server's and the check's).
export const postTitle = (n) => `Pöst №${n}: a title long enough to be cut at forty characters`;

// The example's scenario (tests/support/http-server.mjs serves /posts/N like this):
// what http_client prints for it, whatever the order of the lines.
export function checkClientOutput(stdout, base) {
  const lines = stdout.trim().split('\n');
  const problems = [];
  const expect = (cond, what) => {
    if (!cond) problems.push(what);
  };
  const has = (line) => lines.includes(line);
  const u = (n) => `${base}/${n}`;
  // 3: 500 twice, then fine
  expect(has(`Attempt 1/3 failed for ${u(3)}: HTTP 500 Internal Server Error`), 'post 3 attempt 1');
  expect(has(`Attempt 2/3 failed for ${u(3)}: HTTP 500 Internal Server Error`), 'post 3 attempt 2');
  expect(!lines.some((l) => l.startsWith(`Attempt 3/3 failed for ${u(3)}:`)), 'post 3 has no third failure');
  // 4: connection dropped once, then fine
  expect(lines.some((l) => l.startsWith(`Attempt 1/3 failed for ${u(4)}: `)), 'post 4 dropped once');
  expect(!lines.some((l) => l.startsWith(`Attempt 2/3 failed for ${u(4)}:`)), 'post 4 fine on attempt 2');
  // 6: always 500: three failures, collected
  for (const a of [1, 2, 3])
    expect(has(`Attempt ${a}/3 failed for ${u(6)}: HTTP 500 Internal Server Error`), `post 6 attempt ${a}`);
  // 7: hangs: three timeouts, no backoff between them
  for (const a of [1, 2, 3]) expect(has(`Timeout on attempt ${a} for ${u(7)}`), `post 7 timeout ${a}`);
  // nothing else failed
  const failing = lines.filter((l) => /^(Attempt|Timeout)/.test(l));
  expect(failing.length === 2 + 1 + 3 + 3, `unexpected failures:\n${failing.join('\n')}`);
  const summary = lines.findIndex((l) => /^Fetched \d+\/\d+ successfully in \d+\.\d\ds$/.test(l));
  expect(summary >= 0 && lines[summary].startsWith('Fetched 8/10 successfully in '), 'summary line');
  expect(
    JSON.stringify(lines.slice(summary + 1)) ===
      JSON.stringify([
        ...[1, 2, 3].map((n) => `  Post ${n}: ${postTitle(n).slice(0, 40)}`),
        `  Failed: ${u(6)}`,
        `  Failed: ${u(7)}`,
      ]),
    `tail after the summary:\n${lines.slice(summary + 1).join('\n')}`
  );
  return problems;
}
