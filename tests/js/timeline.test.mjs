// timeline.test.mjs - the live page's timeline model (web/page/timeline.mjs)
// fed in Node with a real trace: examples/churn.c (through dist/tide.mjs)
// gives each batch both ways, as a TraceBatch (onTraceBatch: what the page
// reads for the JS API's programs) and as TraceEvent objects (onTrace: what
// the WASI runner's events look like). Through their TraceQueues, fed a
// slice at a time while more arrives (as the page does, so the queue's
// arrays are compacted and grown) or all at the end, both models must end
// alike: the rows, the counts of the tasks past them (done and cancelled),
// the samples of the chart. Needs `make dist`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../support/hosts.mjs';
import { TimelineModel, TraceQueue, ROW_LIMIT, STATES } from '../../web/page/timeline.mjs';

const distEntry = path.join(root, 'dist/tide.mjs');
let tide;

before(async () => {
  assert.ok(fs.existsSync(distEntry), `${distEntry} is missing: run \`make dist\``);
  tide = await import(pathToFileURL(distEntry).href);
});

// What a model ends with, as plain data.
function state(m) {
  return {
    t0: m.t0,
    tEnd: m.tEnd,
    total: m.total,
    aggregated: m.aggregated,
    live: [...m.live],
    ended: { ...m.ended },
    rows: m.rows.map((t) => ({ id: t.id, name: t.name, final: t.final, error: t.error, spawn: t.spawn, end: t.end, segs: t.segs })),
    samples: m.samples.map((s) => [s.t, [...s.counts]]),
  };
}

// churn with `args` on `clock`, cancelled once `cancelAt` lines are out
// (if given): the models fed from its batches and from its objects.
async function churn(args, { clock = 'virtual', cancelAt = Infinity } = {}) {
  const program = await tide.loadExample('churn');
  const batches = { queue: new TraceQueue(), model: new TimelineModel(), pushes: 0 };
  const objects = { queue: new TraceQueue(), model: new TimelineModel() };
  let lines = 0;
  const run = program.start({
    args,
    clock,
    onStdout: () => {
      if (++lines === cancelAt) run.cancel('enough');
    },
    onTraceBatch: (b) => {
      batches.queue.push(b);
      batches.pushes++;
      // 0 to 6 slices of 256 events, as the page's turns feed the model
      // between the program's: the queue grows, and is compacted in place
      for (let k = 0; k < batches.pushes % 7; k++) batches.queue.feed(batches.model, -Infinity);
    },
    onTrace: (events) => objects.queue.push(events),
  });
  const outcome = await run.result.then(() => 'ok', (e) => e.code);
  for (const side of [batches, objects]) while (side.queue.feed(side.model, Infinity));
  return { outcome, lines, batches: batches.model, objects: objects.model };
}

test('the timeline model ends alike from TraceBatch columns fed while they arrive and from TraceEvent objects', async () => {
  const tasks = 3000;
  const r = await churn([`tasks=${tasks}`, 'wave=250', 'delay=0.01']);
  assert.equal(r.outcome, 'ok');
  const s = state(r.batches);
  assert.deepEqual(s, state(r.objects));
  assert.equal(s.total, tasks + 1);
  assert.ok(s.aggregated);
  assert.deepEqual(s.rows.map((t) => [t.name, t.final]), [['Task-1', 'done']]);
  assert.deepEqual(s.ended, { done: tasks + 1, cancelled: 0, failed: 0 });
  assert.deepEqual(s.live, STATES.map(() => 0));
  // the chart saw the waves: at most 250 tasks (and main) alive at once
  const peak = Math.max(...s.samples.map(([, c]) => c.reduce((a, b) => a + b, 0)));
  assert.ok(peak > 200 && peak <= 251, `peak ${peak}`);
});

test('tasks past the rows that end cancelled are counted as cancelled, the same both ways', async () => {
  // cancelled when it prints its first line, in the step that then spawns
  // the one wave of 3,000 tasks (sleeping 1 s each, in real time): the
  // cancellation arrives after that step, and every task ends cancelled
  const tasks = 3000;
  const r = await churn([`tasks=${tasks}`, `wave=${tasks}`, 'delay=1'], { clock: 'real', cancelAt: 1 });
  assert.equal(r.outcome, 'TIDE_ECANCELLED');
  assert.equal(r.lines, 1);
  const s = state(r.batches);
  assert.deepEqual(s, state(r.objects));
  assert.deepEqual(s.rows.map((t) => [t.name, t.final, t.error]), [['Task-1', 'cancelled', 'TIDE_ECANCELLED']]);
  assert.equal(s.total, tasks + 1);
  assert.deepEqual(s.ended, { done: 0, cancelled: tasks + 1, failed: 0 });
  assert.deepEqual(s.live, STATES.map(() => 0));
  assert.ok(s.total > ROW_LIMIT);
});
