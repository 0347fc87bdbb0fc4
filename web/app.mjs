// app.mjs - drives the first example on the docs page: shows the C source,
// runs the bundled "tasks" example through the npm package's API
// (dist/tide.mjs) on demand and streams what it prints.
import { load } from '/dist/tide.mjs';

// Fetched and compiled once; each run instantiates it afresh.
let loading = null;
function program() {
  loading ??= load('tasks').catch((e) => {
    loading = null; // let the next Run try again
    throw e;
  });
  return loading;
}

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

// Every Run starts a fresh wasm instance: fresh loop and fresh C globals,
// so runs cannot leak state into each other.
async function run() {
  runButton.disabled = true;
  output.replaceChildren();
  const virtual = virtualBox.checked;
  setState('running', virtual ? 'Running on the virtual clock…' : 'Running in real time…');
  const t0 = performance.now();
  delete status.dataset.exit;
  try {
    const handle = (await program()).start({
      clock: virtual ? 'virtual' : 'real',
      onStdout: (line) => addLine(t0, line, 'out'),
      onStderr: (line) => addLine(t0, line, 'err'),
    });
    // The program's own failure (its exit status) is shown as such; a
    // crash or a load error is an error of the run.
    let code = 0;
    try {
      await handle.result;
    } catch (e) {
      if (e.exitCode === null) throw e;
      code = e.exitCode;
    }
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
