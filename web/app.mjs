// app.mjs - drives the first example on the docs page: shows the C source,
// runs build/em/tasks.mjs on demand and streams what it prints.
import createTide from '/build/em/tasks.mjs';

const $ = (id) => document.getElementById(id);
const runButton = $('run');
const virtualBox = $('virtual');
const output = $('output');
const status = $('status');

// The C source comes from the server's read-only /examples/ mount, so the
// page always shows exactly what was compiled.
async function loadSource() {
  try {
    const res = await fetch('/examples/tasks.c');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    $('c-src').textContent = await res.text();
  } catch (e) {
    $('c-src').textContent = `Could not load examples/tasks.c (${e.message}).`;
  }
}

function addLine(t0, text, kind) {
  const li = document.createElement('li');
  li.className = kind;
  const stamp = document.createElement('span');
  stamp.className = 'stamp';
  stamp.textContent = `+${Math.round(performance.now() - t0)} ms`;
  const body = document.createElement('span');
  body.className = 'line';
  body.textContent = text;
  li.append(stamp, body);
  output.append(li);
  keepInView();
}

// Scrolling forces a layout; doing it once per frame rather than once per
// line keeps print() cheap, so a burst of output does not use up the loop's
// turn budget and push the rest of the program into later macrotasks.
let scrollQueued = false;
function keepInView() {
  if (scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    output.lastElementChild?.scrollIntoView({ block: 'nearest' });
  });
}

function setState(state, text) {
  document.body.dataset.run = state; // tests wait on this
  status.textContent = text;
}

// Every Run calls the factory again: a fresh wasm instance, fresh loop and
// fresh C globals, so runs cannot leak state into each other.
async function run() {
  runButton.disabled = true;
  output.replaceChildren();
  const virtual = virtualBox.checked;
  setState('running', virtual ? 'Running on the virtual clock…' : 'Running in real time…');
  const t0 = performance.now();
  delete status.dataset.exit;
  let finish, fail;
  const exit = new Promise((resolve, reject) => { finish = resolve; fail = reject; });
  exit.catch(() => {}); // handled below; a failed load rejects both promises
  try {
    await createTide({
      print: (line) => addLine(t0, line, 'out'),
      printErr: (line) => addLine(t0, line, 'err'),
      preRun: [(m) => { if (virtual) m.ENV.TIDE_CLOCK = 'virtual'; }],
      onTideExit: (code) => finish(code),
      // A trap inside the module must end the run, not leave it hanging.
      onAbort: (what) => fail(new Error(`aborted: ${what}`)),
    });
    const code = await exit;
    const ms = Math.round(performance.now() - t0);
    setState('done', `Exit status ${code}${code === 0 ? ' (success)' : ' (failure)'} after ${ms} ms.`);
    status.dataset.exit = String(code);
  } catch (e) {
    setState('error', `The run failed: ${e.message ?? e}`);
  } finally {
    runButton.disabled = false;
  }
}

runButton.addEventListener('click', run);
runButton.disabled = false;
document.body.dataset.run = 'idle';
loadSource();
