// timeline.mjs - the task timeline of the live page: a model fed with the
// trace events of a run (TraceEvent in tide.d.ts), and a view that draws
// one row per task on a canvas, coloured by what the task was doing.
//
// The model keeps, per task, the segments of time it spent in each state.
// Past ROW_LIMIT tasks it stops keeping segments and only counts how many
// tasks are in each state over time (the churn example makes 100,000), so
// memory and drawing stay bounded whatever the program does.

/** States, in legend order. `wait` states are what a suspended task waits on. */
export const STATES = [
  { id: 'ready', label: 'ready', color: '#b8c4ca' },
  { id: 'running', label: 'running', color: '#2f9e44' },
  { id: 'sleep', label: 'sleep', color: '#74c0fc', wait: true },
  { id: 'lock', label: 'lock', color: '#f59f00', wait: true },
  { id: 'semaphore', label: 'semaphore', color: '#e8590c', wait: true },
  { id: 'queue', label: 'queue', color: '#ae3ec9', wait: true },
  { id: 'event', label: 'event', color: '#e64980', wait: true },
  { id: 'child', label: 'child task', color: '#4c6ef5', wait: true },
  { id: 'host', label: 'host call', color: '#12b886', wait: true },
  { id: 'other', label: 'other', color: '#868e96', wait: true },
];
/** How a task ended. */
export const FINAL = [
  { id: 'done', label: 'done', color: '#2b8a3e' },
  { id: 'cancelled', label: 'cancelled', color: '#495057' },
  { id: 'failed', label: 'failed', color: '#e03131' },
];
const STATE_INDEX = new Map(STATES.map((s, i) => [s.id, i]));
const COLOR = Object.fromEntries([...STATES, ...FINAL].map((s) => [s.id, s.color]));
const LABEL = Object.fromEntries([...STATES, ...FINAL].map((s) => [s.id, s.label]));

// What a suspend event says the task waits on (tide.h's trace `what`
// strings) -> a state of the legend.
const WAITS = {
  sleep: 'sleep',
  yield: 'ready', // sleep(0): back in the ready queue at once
  lock: 'lock',
  semaphore: 'semaphore',
  'queue get': 'queue',
  'queue put': 'queue',
  'queue join': 'queue',
  event: 'event',
  task: 'child',
  gather: 'child',
  group: 'child',
  wait: 'child',
  'host call': 'host',
  http: 'host',
  to_thread: 'host',
};
export const waitState = (what) => WAITS[what] ?? 'other';

// How a finish event says the task ended: a FINAL id.
const finalState = (ev) => (ev.status === 0 ? 'done' : ev.error === 'TIDE_ECANCELLED' ? 'cancelled' : 'failed');

export const ROW_LIMIT = 200;
const SAMPLE_STEP = 0.002; // seconds between samples of the aggregate counts

const fmt = (s) => `${s.toFixed(3)} s`;

// The state of each task without a row: task id -> index in STATES, in
// pages of 1024 ids (a page goes when its last task does), so that
// counting 100,000 tasks makes no object per task or per event.
const PAGE = 1024;
class CountedTasks {
  #pages = new Map(); // id / PAGE -> Int16Array: state index + 1 per id (0: none), then how many are set

  /** The task's state index, or -1 if it is not counted here. */
  get(id) {
    const page = this.#pages.get(Math.floor(id / PAGE));
    return page ? page[id % PAGE] - 1 : -1;
  }

  set(id, si) {
    const p = Math.floor(id / PAGE);
    let page = this.#pages.get(p);
    if (!page) this.#pages.set(p, (page = new Int16Array(PAGE + 1)));
    if (page[id % PAGE] === 0) page[PAGE]++;
    page[id % PAGE] = si + 1;
  }

  delete(id) {
    const p = Math.floor(id / PAGE);
    const page = this.#pages.get(p);
    if (!page || page[id % PAGE] === 0) return;
    page[id % PAGE] = 0;
    if (--page[PAGE] === 0) this.#pages.delete(p);
  }
}

export class TimelineModel {
  constructor() {
    // run -> { records: Map(task id -> record) of the tasks with a row,
    // counted: CountedTasks, the others }: past ROW_LIMIT, nothing is made
    // per task or per event, so the collector has nothing to do.
    this.runs = new Map();
    this.rows = []; // task records in spawn order (until aggregated)
    this.t0 = null; // loop time when the run's first step began
    this.early = []; // spawn events from before that
    this.tEnd = 0; // time of the latest event
    this.aggregated = false;
    this.total = 0; // tasks seen
    this.live = new Int32Array(STATES.length); // tasks in each state now
    this.ended = { done: 0, cancelled: 0, failed: 0 };
    this.samples = []; // { t, counts: Int32Array } for the aggregate chart
    this.version = 0; // bumped on every change, for redraws
    this.changed = new Set(); // records whose row label needs an update
  }

  /** Feeds a batch of trace events. */
  add(events) {
    this.addSome(events, 0, Infinity);
  }

  /**
   * Feeds events[from...] until performance.now() passes `deadline`;
   * returns the index of the first event left for later.
   */
  addSome(events, from, deadline) {
    let i = from;
    while (i < events.length) {
      this.#apply(events[i++]);
      if ((i & 255) === 0 && performance.now() > deadline) break;
    }
    this.version++;
    return i;
  }

  /** Feeds one event (the model keeps none of `ev` itself). */
  apply(ev) {
    this.#apply(ev);
  }

  #apply(ev) {
    if (this.t0 === null) {
      // Tasks made before the loop started (the main task) are reported
      // when it starts, stamped with the loop's clock as it was before the
      // run (0 on the real clock): they count as spawned when the loop's
      // first step begins.
      if (ev.type === 'spawn') {
        this.early.push({ ...ev });
        return;
      }
      this.t0 = ev.time;
      for (const e of this.early.splice(0)) this.#apply({ ...e, time: ev.time });
    }
    const run = this.#run(ev.run);
    let task = run.records.get(ev.task);
    if (task === undefined) {
      if (run.counted.get(ev.task) >= 0) {
        if (ev.type !== 'spawn') this.#count(run.counted, ev); // a second spawn: ignore
        return;
      }
      this.total++;
      if (!this.aggregated && this.total > ROW_LIMIT) this.#aggregate();
      if (this.aggregated && this.rows.length > 0) {
        // no row: only counted
        run.counted.set(ev.task, STATE_INDEX.get('ready'));
        this.live[STATE_INDEX.get('ready')]++;
        if (ev.type !== 'spawn') this.#count(run.counted, ev);
        return;
      }
    }
    // Events of a task never go back in time, even when the loop stamped
    // a wake with the clock of the iteration before.
    const t = Math.max(ev.time, task ? task.last : ev.time, this.t0);
    if (ev.type === 'spawn' || !task) {
      if (task) return; // a second spawn of the same task: ignore
      task = {
        id: ev.task, run: ev.run, name: ev.name ?? `Task-${ev.task}`, spawn: t, last: t,
        end: null, final: null, error: null, message: null,
        segs: [], cur: null, si: -1, row: this.rows.length,
      };
      run.records.set(ev.task, task);
      this.rows.push(task);
      this.changed.add(task);
      this.#enter(task, 'ready', t, null, 0);
      if (ev.type === 'spawn') return;
    }
    switch (ev.type) {
      case 'run':
        this.#enter(task, 'running', t, null, 0);
        break;
      case 'suspend':
        this.#enter(task, waitState(ev.what), t, ev.what, 0);
        break;
      case 'wake':
        this.#enter(task, 'ready', t, ev.what, ev.status, ev.error);
        break;
      case 'finish': {
        this.#leave(task, t);
        task.end = t;
        task.error = ev.error;
        task.final = finalState(ev);
        this.ended[task.final]++;
        this.changed.add(task);
        break;
      }
    }
    this.#moved(t);
  }

  #run(id) {
    let run = this.runs.get(id);
    if (!run) this.runs.set(id, (run = { records: new Map(), counted: new CountedTasks() }));
    return run;
  }

  // An event of a task without a row: its state index moves from one
  // count to another.
  #count(tasks, ev) {
    const si = tasks.get(ev.task);
    let next = -1;
    switch (ev.type) {
      case 'run':
        next = STATE_INDEX.get('running');
        break;
      case 'suspend':
        next = STATE_INDEX.get(waitState(ev.what));
        break;
      case 'wake':
        next = STATE_INDEX.get('ready');
        break;
      case 'finish':
        this.live[si]--;
        tasks.delete(ev.task); // nothing more to keep
        this.ended[finalState(ev)]++;
        break;
    }
    if (next >= 0) {
      this.live[si]--;
      this.live[next]++;
      tasks.set(ev.task, next);
    }
    this.#moved(Math.max(ev.time, this.t0));
  }

  #moved(t) {
    if (t > this.tEnd) this.tEnd = t;
    this.#sample(t);
  }

  #enter(task, state, t, what, status, error = null) {
    this.#leave(task, t);
    const si = STATE_INDEX.get(state);
    task.si = si;
    this.live[si]++;
    task.last = t;
    task.cur = { state, t0: t, what, status, error };
    this.changed.add(task);
  }

  #leave(task, t) {
    if (task.si < 0) return;
    this.live[task.si]--;
    task.si = -1;
    task.last = t;
    const cur = task.cur;
    if (!cur) return;
    task.cur = null;
    // A ready spell of no length (woken and run in the same instant) is
    // noise; running steps stay even when instant, they are the point.
    if (t === cur.t0 && cur.state === 'ready') return;
    task.segs.push({ state: cur.state, t0: cur.t0, t1: t, what: cur.what, status: cur.status, error: cur.error });
  }

  // Too many tasks for rows: keep the first (the main task) and count the
  // rest, by the index of their state.
  #aggregate() {
    this.aggregated = true;
    for (const task of this.rows.splice(1)) {
      const run = this.#run(task.run);
      run.records.delete(task.id);
      if (!task.final) run.counted.set(task.id, task.si);
    }
    this.changed.clear();
    if (this.rows[0]) this.changed.add(this.rows[0]);
  }

  #sample(t) {
    const last = this.samples.at(-1);
    if (last && t - last.t < SAMPLE_STEP) {
      last.counts.set(this.live);
      return;
    }
    if (this.samples.length >= 20000) this.#thin();
    this.samples.push({ t, counts: Int32Array.from(this.live) });
  }

  // Keep every other sample: the chart never has more pixels than that.
  #thin() {
    this.samples = this.samples.filter((_, i) => i % 2 === 1);
  }

  /** The state of a task at time t (null before it was spawned). */
  stateAt(task, t) {
    if (t < task.spawn) return null;
    if (task.end !== null && t >= task.end) return task.final;
    for (let i = task.segs.length - 1; i >= 0; i--) {
      const s = task.segs[i];
      if (s.t0 <= t) return t < s.t1 ? s.state : task.cur && task.cur.t0 <= t ? task.cur.state : s.state;
    }
    return task.cur ? task.cur.state : 'ready';
  }

  duration() {
    return this.t0 === null ? 0 : this.tEnd - this.t0;
  }
}

// ---- a queue of events ------------------------------------------------------

const TYPES = ['spawn', 'run', 'suspend', 'wake', 'finish'];
const TYPE_CODE = Object.fromEntries(TYPES.map((t, i) => [t, i]));
const SPAWN = 1; // TraceBatch.SPAWN: a batch's type codes are TYPES' + 1

/**
 * Trace events waiting for the model, in typed arrays. They come as
 * TraceBatch columns (the JS API's onTraceBatch: copied, nothing made per
 * event) or as TraceEvent objects (the WASI runner's, copied out of them,
 * which then die young). Strings (what, error names, the names of the
 * tasks that may get a row) are numbers in a table of the few there are:
 * the queue holds nothing the garbage collector has to look through,
 * however many events a program makes faster than the page draws them.
 */
export class TraceQueue {
  constructor() {
    this.head = 0;
    this.n = 0;
    this.first = null; // the time of the first event that is not a spawn
    this.last = 0; // the time of the latest event
    this.spawns = 0;
    this.strings = [null]; // string id -> string (0: null)
    this.stringIds = new Map();
    this.#compact(4096);
  }

  // Moves the queued events to the front of arrays of `cap` entries: the
  // same arrays when their size does not change, else new ones.
  #compact(cap) {
    const { head, n } = this;
    const move = (Type, old) => {
      if (old?.length === cap) return old.copyWithin(0, head, n);
      const a = new Type(cap);
      if (old) a.set(old.subarray(head, n));
      return a;
    };
    this.type = move(Uint8Array, this.type);
    this.time = move(Float64Array, this.time);
    this.run = move(Uint32Array, this.run);
    this.task = move(Uint32Array, this.task);
    this.status = move(Int32Array, this.status);
    this.name = move(Uint32Array, this.name); // string ids
    this.what = move(Uint32Array, this.what);
    this.error = move(Uint32Array, this.error);
    this.n -= head;
    this.head = 0;
    this.cap = cap;
  }

  get length() {
    return this.n - this.head;
  }

  // Room for `count` more events; returns where they go.
  #reserve(count) {
    if (this.head === this.n) this.head = this.n = 0;
    if (this.n + count > this.cap) this.#compact(Math.max(this.cap, (this.length + count) * 2));
    const at = this.n;
    this.n += count;
    return at;
  }

  #stringId(text) {
    if (text === null || text === undefined) return 0;
    let id = this.stringIds.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.stringIds.set(text, id);
    }
    return id;
  }

  // A task's name is wanted only if it may get a row of the timeline
  // (TimelineModel: the first ROW_LIMIT tasks); past them, none is made.
  #wantsName() {
    return this.spawns++ < ROW_LIMIT;
  }

  /**
   * Queues a batch: a TraceBatch or an array of TraceEvent objects. Times
   * before `floor` (if not null) are raised to it.
   */
  push(events, floor = null) {
    if (!events.length) return;
    const at = Array.isArray(events) ? this.#pushEvents(events) : this.#pushBatch(events);
    const end = this.n;
    if (floor !== null) for (let i = at; i < end; i++) if (this.time[i] < floor) this.time[i] = floor;
    if (this.first === null)
      for (let i = at; i < end; i++)
        if (this.type[i] !== TYPE_CODE.spawn) {
          this.first = this.time[i];
          break;
        }
    this.last = this.time[end - 1];
  }

  #pushEvents(events) {
    const at = this.#reserve(events.length);
    for (let k = 0; k < events.length; k++) {
      const ev = events[k];
      const i = at + k;
      this.type[i] = TYPE_CODE[ev.type] ?? 1;
      this.time[i] = ev.time;
      this.run[i] = ev.run;
      this.task[i] = ev.task;
      this.status[i] = ev.status;
      this.name[i] = ev.type === 'spawn' && this.#wantsName() ? this.#stringId(ev.name) : 0;
      this.what[i] = this.#stringId(ev.what);
      this.error[i] = this.#stringId(ev.error);
    }
    return at;
  }

  #pushBatch(b) {
    const n = b.length;
    const at = this.#reserve(n);
    const type = b.type, status = b.status, whatId = b.whatId;
    this.time.set(b.time, at);
    this.run.set(b.run, at);
    this.task.set(b.task, at);
    this.status.set(status, at);
    for (let k = 0; k < n; k++) {
      const i = at + k;
      const t = type[k];
      // an event of a kind the page does not know counts as a run, as above
      this.type[i] = t >= SPAWN && t < SPAWN + TYPES.length ? t - SPAWN : 1;
      this.name[i] = t === SPAWN && this.#wantsName() ? this.#stringId(b.name(k)) : 0;
      this.what[i] = whatId[k] ? this.#stringId(b.whatName(whatId[k])) : 0;
      this.error[i] = status[k] < 0 ? this.#stringId(b.error(k)) : 0;
    }
    return at;
  }

  /** Feeds queued events to `model` until `deadline`; true if some are left. */
  feed(model, deadline) {
    const ev = { type: '', time: 0, run: 0, task: 0, name: '', what: null, status: 0, error: null };
    const strings = this.strings;
    let i = this.head;
    while (i < this.n) {
      ev.type = TYPES[this.type[i]];
      ev.time = this.time[i];
      ev.run = this.run[i];
      ev.task = this.task[i];
      ev.status = this.status[i];
      ev.name = strings[this.name[i]] ?? undefined; // (none: the model names it)
      ev.what = strings[this.what[i]];
      ev.error = strings[this.error[i]];
      model.apply(ev);
      i++;
      if ((i & 255) === 0 && performance.now() > deadline) break;
    }
    this.head = i;
    model.version++;
    return i < this.n;
  }
}

// ---- the view ------------------------------------------------------------

// Sizes a canvas for w x h CSS pixels, touching it only if that changes.
function fit(canvas, w, h, dpr) {
  const bw = Math.round(w * dpr);
  const bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }
}

const ROW_H = 22;
const AXIS_H = 22;
const CHART_H = 160;

function niceStep(span, px) {
  const raw = (span * 90) / Math.max(px, 1);
  const pow = 10 ** Math.floor(Math.log10(raw || 1e-3));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/**
 * Draws a TimelineModel into `root` (an empty element). `cursor` is the
 * time up to which the run is shown: the live clock while a program runs,
 * the playhead during a replay, or null for everything.
 */
export class TimelineView {
  constructor(root, model) {
    this.root = root;
    this.model = model;
    this.cursor = null;
    this.labelsVersion = -1;
    this.drawn = null;
    root.classList.add('timeline');
    root.innerHTML = '';
    this.axis = document.createElement('canvas');
    this.axis.className = 'tl-axis';
    this.axis.height = AXIS_H;
    this.scroll = document.createElement('div');
    this.scroll.className = 'tl-scroll';
    this.grid = document.createElement('div');
    this.grid.className = 'tl-grid';
    this.labels = document.createElement('ol');
    this.labels.className = 'tl-labels';
    this.track = document.createElement('div');
    this.track.className = 'tl-track';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'tl-canvas';
    this.canvas.setAttribute('role', 'img');
    this.track.append(this.canvas);
    this.grid.append(this.labels, this.track);
    this.scroll.append(this.grid);
    this.summary = document.createElement('p');
    this.summary.className = 'tl-summary';
    this.tip = document.createElement('div');
    this.tip.className = 'tl-tip';
    this.tip.hidden = true;
    this.axisRow = document.createElement('div');
    this.axisRow.className = 'tl-axis-row';
    const pad = document.createElement('div');
    pad.className = 'tl-axis-pad';
    pad.textContent = 'task';
    this.axisRow.append(pad, this.axis);
    root.append(this.axisRow, this.scroll, this.summary, this.tip);
    this.scroll.addEventListener('scroll', () => this.invalidate(), { passive: true });
    this.canvas.addEventListener('pointermove', (e) => this.#hover(e));
    this.canvas.addEventListener('pointerdown', (e) => this.#hover(e));
    this.canvas.addEventListener('pointerleave', () => (this.tip.hidden = true));
    this.resize = new ResizeObserver(() => this.invalidate());
    this.resize.observe(this.track);
    this.queued = false;
  }

  setModel(model) {
    this.model = model;
    this.cursor = null;
    this.labels.replaceChildren();
    this.labelsVersion = -1;
    this.tip.hidden = true;
    this.invalidate();
  }

  setCursor(t) {
    this.cursor = t;
    this.invalidate();
  }

  /** Asks for a redraw on the next animation frame (at most one per frame). */
  invalidate() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  // The time range on the x axis.
  #range() {
    const m = this.model;
    if (m.t0 === null) return [0, 1];
    const end = Math.max(m.tEnd, this.cursor ?? m.tEnd);
    const span = Math.max(end - m.t0, 0.001);
    return [m.t0, m.t0 + span];
  }

  draw() {
    const m = this.model;
    this.#updateLabels();
    const width = Math.max(this.track.clientWidth, 50);
    const dpr = window.devicePixelRatio || 1;
    const rows = m.aggregated ? 1 : m.rows.length;
    const bodyH = m.aggregated ? ROW_H + CHART_H : rows * ROW_H;
    if (this.bodyH !== bodyH) {
      this.bodyH = bodyH;
      this.track.style.height = `${bodyH}px`;
    }
    const viewH = Math.max(Math.min(this.scroll.clientHeight || bodyH, bodyH), ROW_H);
    const top = Math.min(this.scroll.scrollTop, Math.max(bodyH - viewH, 0));
    const [from, to] = this.#range();
    const x = (t) => ((t - from) / (to - from)) * (width - 8) + 4;
    this.drawn = { from, to, width, top, x };

    // axis (a canvas is only resized when its size changes: resizing
    // reallocates it and costs a layout)
    fit(this.axis, width, AXIS_H, dpr);
    const a = this.axis.getContext('2d');
    a.setTransform(dpr, 0, 0, dpr, 0, 0);
    a.clearRect(0, 0, width, AXIS_H);
    const ink = (this.ink ??= getComputedStyle(this.root).color);
    a.fillStyle = ink;
    a.strokeStyle = ink;
    a.font = '11px system-ui, sans-serif';
    a.textBaseline = 'middle';
    const step = niceStep(to - from, width);
    for (let v = 0; from + v <= to + 1e-9; v += step) {
      const px = x(from + v);
      a.globalAlpha = 0.5;
      a.fillRect(px, AXIS_H - 6, 1, 6);
      a.globalAlpha = 1;
      const label = `${+v.toFixed(3)} s`;
      const w = a.measureText(label).width;
      a.fillText(label, Math.min(Math.max(px - w / 2, 0), width - w), AXIS_H / 2 - 2);
    }

    // body: only the rows in view are drawn (the canvas sticks to the top)
    fit(this.canvas, width, viewH, dpr);
    const g = this.canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, viewH);
    const cut = this.cursor ?? Infinity;
    const first = Math.floor(top / ROW_H);
    const last = Math.min(m.rows.length, Math.ceil((top + viewH) / ROW_H));
    for (let r = first; r < last && r < m.rows.length; r++) {
      const task = m.rows[r];
      const y = r * ROW_H - top;
      if (task.spawn > cut) continue;
      g.globalAlpha = 0.08;
      g.fillStyle = ink;
      if (r % 2) g.fillRect(0, y, width, ROW_H);
      g.globalAlpha = 1;
      const bar = (state, t0, t1) => {
        if (t0 > cut) return;
        const x0 = x(t0);
        const x1 = Math.max(x(Math.min(t1, cut)), x0 + (state === 'running' ? 2 : 1));
        g.fillStyle = COLOR[state];
        g.fillRect(x0, y + 4, x1 - x0, ROW_H - 8);
      };
      for (const s of task.segs) bar(s.state, s.t0, s.t1);
      if (task.cur) bar(task.cur.state, task.cur.t0, Math.max(m.tEnd, this.cursor ?? m.tEnd));
      if (task.end !== null && task.end <= cut) {
        // how it ended: a square cap at the finish
        const px = x(task.end);
        g.fillStyle = COLOR[task.final];
        g.fillRect(px - 1, y + 2, 6, ROW_H - 4);
      }
    }
    if (m.aggregated) this.#drawChart(g, width, ROW_H - top, x, cut, ink);
    if (this.cursor !== null && this.cursor < m.tEnd) {
      g.fillStyle = ink;
      g.fillRect(x(this.cursor), 0, 1, viewH);
    }
    this.#updateSummary();
  }

  // Stacked counts of the tasks in each state over time.
  #drawChart(g, width, y0, x, cut, ink) {
    const m = this.model;
    const samples = m.samples;
    let peak = 1;
    for (const s of samples) {
      let sum = 0;
      for (let i = 0; i < s.counts.length; i++) sum += s.counts[i];
      if (sum > peak) peak = sum;
    }
    const h = CHART_H - 14;
    const base = y0 + CHART_H - 4;
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      if (s.t > cut) break;
      const x0 = x(s.t);
      const next = samples[k + 1];
      const x1 = Math.max(next && next.t <= cut ? x(next.t) : x(Math.min(m.tEnd, cut)), x0 + 1);
      let y = base;
      for (let i = 0; i < STATES.length; i++) {
        const n = s.counts[i];
        if (!n) continue;
        const dh = (n / peak) * h;
        g.fillStyle = STATES[i].color;
        g.fillRect(x0, y - dh, x1 - x0, dh);
        y -= dh;
      }
    }
    g.fillStyle = ink;
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'top';
    g.fillText(`${peak.toLocaleString('en')} tasks alive at most`, 6, y0 + 2);
  }

  #updateLabels() {
    const m = this.model;
    const moved = this.lastCursor !== this.cursor;
    if (this.labelsVersion === m.version && !moved) return;
    this.labelsVersion = m.version;
    this.lastCursor = this.cursor;
    while (this.labels.children.length < m.rows.length) {
      const task = m.rows[this.labels.children.length];
      const li = document.createElement('li');
      li.dataset.task = String(task.id);
      li.dataset.name = task.name;
      li.textContent = task.name;
      li.title = `${task.name} (task ${task.id})`;
      this.labels.append(li);
      m.changed.add(task);
    }
    if (m.aggregated) {
      // rows drawn before the model gave up on rows
      while (this.labels.children.length > m.rows.length && !this.labels.lastElementChild.classList.contains('tl-agg'))
        this.labels.lastElementChild.remove();
    }
    if (m.aggregated && !this.labels.querySelector('.tl-agg')) {
      const li = document.createElement('li');
      li.className = 'tl-agg';
      li.dataset.aggregate = 'true';
      li.style.height = `${CHART_H}px`;
      this.labels.append(li);
    }
    const agg = this.labels.querySelector('.tl-agg');
    if (agg) {
      // (the counts are of the tasks without a row of their own)
      const text = `${(m.total - m.rows.length).toLocaleString('en')} more tasks, counted by state`;
      if (agg.textContent !== text) agg.textContent = text;
      for (const k of ['done', 'cancelled', 'failed']) {
        const n = String(m.ended[k] - m.rows.filter((t) => t.final === k).length);
        if (agg.dataset[k] !== n) agg.dataset[k] = n;
      }
    }
    // Row labels follow the cursor during a replay; otherwise only rows
    // whose task changed are touched.
    const rows = moved || this.cursor !== null ? m.rows : [...m.changed];
    m.changed.clear();
    for (const task of rows) {
      const li = this.labels.children[task.row];
      if (!li) continue;
      const state = this.cursor === null ? task.final ?? task.cur?.state ?? 'ready' : m.stateAt(task, this.cursor);
      li.hidden = state === null;
      if (state === null) continue;
      if (li.dataset.state !== state) {
        li.dataset.state = state;
        li.style.setProperty('--state', COLOR[state]);
      }
    }
  }

  #updateSummary() {
    const m = this.model;
    if (m.t0 === null) {
      if (this.summary.textContent) this.summary.textContent = '';
      return;
    }
    const e = m.ended;
    const parts = [`${m.total.toLocaleString('en')} task${m.total === 1 ? '' : 's'}`];
    for (const k of ['done', 'cancelled', 'failed']) if (e[k]) parts.push(`${e[k].toLocaleString('en')} ${k}`);
    const pending = m.total - e.done - e.cancelled - e.failed;
    if (pending) parts.push(`${pending.toLocaleString('en')} pending`);
    const text = `${parts.join(', ')} · ${fmt(m.duration())} of loop time`;
    if (this.summary.textContent !== text) this.summary.textContent = text;
  }

  #hover(e) {
    const d = this.drawn;
    const m = this.model;
    if (!d || m.t0 === null) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top + d.top;
    const t = d.from + ((px - 4) / (d.width - 8)) * (d.to - d.from);
    const slack = ((d.to - d.from) / (d.width - 8)) * 3; // 3 px either way
    let text = null;
    const row = Math.floor(py / ROW_H);
    const task = m.rows[row];
    if (task && (!m.aggregated || row === 0)) {
      text = describe(task, t, slack, m);
    } else if (m.aggregated) {
      const s = m.samples.findLast((x) => x.t <= t) ?? m.samples[0];
      if (s) {
        const counts = STATES.map((st, i) => (s.counts[i] ? `${st.label}: ${s.counts[i]}` : null)).filter(Boolean);
        text = `at ${fmt(s.t - m.t0)}: ${counts.join(', ') || 'no task alive'}`;
      }
    }
    if (!text) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = text;
    this.tip.hidden = false;
    const box = this.root.getBoundingClientRect();
    const left = Math.min(e.clientX - box.left + 12, box.width - this.tip.offsetWidth - 4);
    this.tip.style.left = `${Math.max(left, 0)}px`;
    this.tip.style.top = `${e.clientY - box.top + 16}px`;
  }
}

// One line of hover text: the task, and what it was doing at time t.
function describe(task, t, slack, m) {
  const rel = (v) => fmt(v - m.t0);
  const head = `${task.name} (task ${task.id})`;
  let seg = null;
  for (const s of task.segs)
    if (s.t0 - slack <= t && t <= s.t1 + slack && (!seg || s.state === 'running' || seg.state === 'ready')) seg = s;
  if (!seg && task.cur && t >= task.cur.t0 - slack) seg = { ...task.cur, t1: null };
  if (task.end !== null && Math.abs(t - task.end) <= slack)
    return `${head}: ${LABEL[task.final]} at ${rel(task.end)}${task.error ? ` (${task.error})` : ''}`;
  if (!seg) return t < task.spawn ? null : `${head}: ${task.final ? `${LABEL[task.final]} at ${rel(task.end)}` : ''}`;
  const what =
    seg.state === 'running' ? 'running a step'
    : seg.state === 'ready' ? seg.what ? `ready (woken by ${seg.what}${seg.error ? `, ${seg.error}` : ''})` : 'ready to run'
    : `waiting on ${seg.what}`;
  const until = seg.t1 === null ? 'now' : rel(seg.t1);
  const len = seg.t1 === null ? '' : `, ${fmt(seg.t1 - seg.t0)}`;
  return `${head}: ${what}, ${rel(seg.t0)} → ${until}${len}`;
}
