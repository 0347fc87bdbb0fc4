// app.mjs - the live documentation page. Each placeholder
// <div class="live" data-example="NAME"> becomes a runnable example: the
// Python it mirrors beside its C source, settings, Run / Stop / Reset, the
// program's output with loop-time stamps, and a timeline of its tasks.
//
// Programs run through the npm package's API (dist/tide.mjs): loadExample() once
// per example, start() per run with the settings as arguments, the trace
// feeding the timeline, cancel() behind Stop.
import { loadExample } from '/dist/tide.mjs';
import { EXAMPLES, programArgs } from '/catalog.mjs';
import { STATES, FINAL, TimelineModel, TimelineView, TraceQueue } from '/timeline.mjs';
import { OUTPUT_KEEP, STOP_MESSAGE, canRunEdited, cannotRunWhy, compiler, fromBase64url, parseDiagnostics, startWasi, toBase64url, undefinedSymbols } from '/playground.mjs';

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// The highlighter is a nicety: without it (say `make page` was not run)
// the code shows as plain text.
const highlighter = import('/vendor/speed-highlight/index.js').catch(() => null);

// Highlighting every listing at once would hold the page for a while after
// it loads: each is coloured when it comes near the screen instead.
const pendingCode = new Map(); // element -> [text, lang]
const nearScreen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting || !pendingCode.has(e.target)) continue;
    const [text, lang] = pendingCode.get(e.target);
    pendingCode.delete(e.target);
    nearScreen.unobserve(e.target);
    colour(e.target, text, lang);
  }
}, { rootMargin: '600px 0px' });

function showCode(code, text, lang) {
  code.textContent = text;
  pendingCode.set(code, [text, lang]);
  nearScreen.observe(code);
}

async function colour(code, text, lang) {
  const hl = await highlighter;
  if (!hl) return;
  try {
    code.innerHTML = await hl.highlightHTML(text, lang);
    code.classList.add('hl');
  } catch {
    code.textContent = text;
  }
}

// The editor (CodeMirror), loaded when a reader first opens one.
let editorModule = null;
const loadEditor = () => (editorModule ??= import('/editor.mjs').catch((e) => {
  editorModule = null;
  throw e;
}));

// Edited programs, compiled: source -> WebAssembly.Module (a Run without
// a change since the last compiles nothing).
const compiled = new Map();
const COMPILED_KEEP = 8;

// Examples whose edited C cannot run as WASI programs.
const NOT_EDITABLE = {
  http_client: 'This example fetches over HTTP through the browser, which a WASI program cannot: its C can be read here, not edited.',
};

// Programs are fetched and compiled once; every run is a fresh instance.
const programs = new Map();
function program(name) {
  let p = programs.get(name);
  if (!p) {
    p = loadExample(name).catch((e) => {
      programs.delete(name); // let the next Run try again
      throw e;
    });
    programs.set(name, p);
  }
  return p;
}

const fmt = (s) => `${s.toFixed(3)} s`;
let runCounter = 0;

// Timeline feeding runs in its own macrotasks (a message channel: no
// timer clamping), taking turns with the programs' own.
const pumpChannel = new MessageChannel();
const pumps = [];
pumpChannel.port1.onmessage = () => pumps.shift()?.();

// ---- one example ------------------------------------------------------------

class Live {
  constructor(host, name) {
    this.name = name;
    this.ex = EXAMPLES[name];
    this.section = host.closest('section') ?? host;
    this.values = {};
    this.clock = this.ex.realOnly ? 'real' : 'virtual';
    this.debug = false;
    this.handle = null;
    this.replay = null;
    this.#build(host);
    this.reset({ keepURL: true });
  }

  #build(host) {
    const name = this.name;
    const py = el('code');
    const c = el('code', { textContent: `Loading examples/${name}.c…` });
    this.cCode = c;
    showCode(py, this.ex.python, 'py');
    this.editButton = el('button', { type: 'button', className: 'edit', textContent: 'Edit', disabled: true,
      title: NOT_EDITABLE[name] ?? 'Edit the C and run your version (compiled in your browser)' });
    this.editButton.addEventListener('click', () => this.openEditor());
    this.cPre = el('pre', {}, c);
    this.editorHost = el('div', { className: 'editor', hidden: true });
    this.compileBar = el('progress', { className: 'compile-progress', hidden: true });
    this.diag = el('pre', { className: 'diagnostics', hidden: true, role: 'status' });
    host.append(
      el('div', { className: 'code-pair' },
        el('figure', {}, el('figcaption', { textContent: 'Python (asyncio)' }), el('pre', {}, py)),
        el('figure', {},
          el('figcaption', {}, 'C with Tide (', el('a', { href: `/examples/${name}.c`, textContent: `examples/${name}.c` }), ') ', this.editButton),
          this.cPre, this.editorHost, this.compileBar, this.diag))
    );
    this.sourceLoaded = fetch(`/examples/${name}.c`)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((text) => {
        this.original = text;
        showCode(c, text, 'c');
        this.editButton.disabled = Boolean(NOT_EDITABLE[name]);
        return text;
      }, (e) => {
        c.textContent = `Could not load examples/${name}.c (${e.message}).`;
        return null;
      });

    // settings
    this.inputs = {};
    const form = el('form', { className: 'params' });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    for (const p of this.ex.params) {
      let input;
      if (p.options) {
        input = el('select', { name: p.name });
        for (const [value, text] of p.options) input.append(el('option', { value, textContent: text }));
      } else {
        // (fractional settings take any value in range, not only multiples of a step)
        input = el('input', { type: 'number', name: p.name, min: p.min, max: p.max,
          step: p.step >= 1 ? p.step : 'any', inputMode: p.step >= 1 ? 'numeric' : 'decimal', required: true });
      }
      input.addEventListener('change', () => this.#changed(p, input));
      this.inputs[p.name] = input;
      form.append(el('label', { className: p.api ? 'api' : '' }, el('span', { textContent: p.label }), input));
    }
    if (this.ex.params.length === 0) form.append(el('p', { className: 'hint', textContent: 'No settings: this program takes none.' }));
    form.append(el('button', { type: 'submit', hidden: true })); // Enter in a field runs

    // controls
    this.runButton = el('button', { type: 'button', className: 'run', textContent: 'Run' });
    this.stopButton = el('button', { type: 'button', className: 'stop', textContent: 'Stop', disabled: true });
    this.resetButton = el('button', { type: 'button', className: 'reset', textContent: 'Reset' });
    this.virtualBox = el('input', { type: 'checkbox', className: 'virtual' });
    this.debugBox = el('input', { type: 'checkbox', className: 'debug' });
    this.link = el('a', { className: 'permalink', textContent: 'link to this run' });
    this.runButton.addEventListener('click', () => this.run());
    this.stopButton.addEventListener('click', () => this.stop());
    this.resetButton.addEventListener('click', () => this.reset());
    this.virtualBox.addEventListener('change', () => {
      this.clock = this.virtualBox.checked ? 'virtual' : 'real';
      syncURL();
    });
    this.debugBox.addEventListener('change', () => {
      this.debug = this.debugBox.checked;
      syncURL();
    });
    const clockLabel = el('label', { className: 'switch' }, this.virtualBox, ' virtual clock');
    if (this.ex.realOnly) {
      this.virtualBox.disabled = true;
      clockLabel.title = 'Real requests take real time: this example runs on the real clock.';
    }
    const controls = el('div', { className: 'controls' },
      el('div', { className: 'buttons' }, this.runButton, this.stopButton, this.resetButton),
      clockLabel,
      el('label', { className: 'switch' }, this.debugBox, ' debug mode'),
      this.link);

    // output and timeline
    this.argv = el('code', { className: 'argv' });
    this.output = el('ol', { className: 'output', 'aria-live': 'polite' });
    this.status = el('p', { className: 'status', role: 'status', textContent: 'Not run yet.' });
    const legend = el('ul', { className: 'legend' });
    for (const s of [...STATES, ...FINAL]) {
      const sw = el('li', { textContent: s.label });
      sw.style.setProperty('--swatch', s.color);
      if (FINAL.includes(s)) sw.className = 'final';
      legend.append(sw);
    }
    const tl = el('div');
    this.model = new TimelineModel();
    this.view = new TimelineView(tl, this.model);
    host.append(form, controls,
      el('div', { className: 'panels' },
        el('div', { className: 'output-box' },
          el('div', { className: 'box-head' }, el('b', { textContent: 'Output' }), ' ', this.argv),
          this.output, this.status),
        el('div', { className: 'timeline-box' },
          el('div', { className: 'box-head' }, el('b', { textContent: 'Timeline' }),
            el('span', { className: 'hint', textContent: ' one row per task; hover or tap a bar' })),
          legend, tl)));
  }

  #changed(p, input) {
    const v = input.value;
    if (!p.options && (v === '' || !input.checkValidity())) {
      input.value = this.values[p.name]; // keep the last good value
      return;
    }
    this.values[p.name] = v;
    syncURL();
  }

  /** Sets the settings from the URL's search parameters. */
  fromURL(search) {
    for (const p of this.ex.params) {
      const v = search.get(`${this.name}.${p.name}`);
      if (v !== null && valid(p, v)) this.values[p.name] = v;
    }
    if (!this.ex.realOnly && search.get(`${this.name}.clock`) === 'real') this.clock = 'real';
    if (search.get(`${this.name}.debug`) === '1') this.debug = true;
    this.#showSettings();
  }

  /** This example's part of the URL: only what differs from the defaults. */
  urlParams() {
    const out = [];
    for (const p of this.ex.params) {
      const v = this.values[p.name];
      if (String(v) !== String(p.value)) out.push([`${this.name}.${p.name}`, v]);
    }
    if (!this.ex.realOnly && this.clock === 'real') out.push([`${this.name}.clock`, 'real']);
    if (this.debug) out.push([`${this.name}.debug`, '1']);
    return out;
  }

  updateLink() {
    const q = new URLSearchParams([...this.urlParams(), ['run', this.name]]);
    const code = this.editedSource();
    // an edited program travels in the link: #code= and its UTF-8 as base64url
    this.link.href = `${location.pathname}?${q}#${code === null ? this.name : `code=${toBase64url(code)}`}`;
  }

  showLinkProblem(text) {
    this.#showDiag(text);
  }

  // ---- the editor ----

  /** The editor's text if it differs from the example's, else null. */
  editedSource() {
    if (!this.editor || this.original === undefined) return null;
    const t = this.editor.text;
    return t === this.original ? null : t;
  }

  /** Opens the editor on the example's C (or on `text`). */
  async openEditor(text) {
    const original = await this.sourceLoaded;
    if (original === null || NOT_EDITABLE[this.name]) return;
    if (!this.editor) {
      let mod;
      try {
        mod = await loadEditor();
      } catch (e) {
        this.#showDiag(`Could not load the editor: ${e.message}`);
        return;
      }
      if (this.editor) return this.openEditor(text);
      this.editor = mod.createEditor(this.editorHost, original, {
        label: `C source of ${this.name}`,
        onChange: () => this.#edited(),
        onRun: () => this.run(),
      });
      this.cPre.hidden = true;
      this.editorHost.hidden = false;
      this.editButton.hidden = true;
      this.section.dataset.editor = 'open';
      if (!canRunEdited) this.#showDiag(cannotRunWhy);
    }
    if (text !== undefined && text !== this.editor.text) this.editor.setText(text);
    this.editor.view.focus();
  }

  #edited() {
    const edited = this.editedSource() !== null;
    this.section.dataset.edited = edited ? 'true' : 'false';
    // the compiler comes when someone first changes a line
    if (edited && canRunEdited) compiler.load();
    this.updateLink();
  }

  #showDiag(text, kind = 'error') {
    this.diag.textContent = text;
    this.diag.className = `diagnostics ${kind}`;
    this.diag.hidden = !text;
  }

  // Compiles the edited source; returns a WebAssembly.Module, or null
  // after saying on the page why not.
  async #compileEdited(source, token) {
    const hit = compiled.get(source);
    if (hit) return hit;
    const file = `${this.name}.c`;
    const showLoad = (st) => {
      if (this.token !== token) return;
      if (st.state === 'loading') {
        this.compileBar.hidden = false;
        if (st.total) {
          this.compileBar.max = st.total;
          this.compileBar.value = st.done;
          this.#setState('compiling', `Downloading the compiler… ${Math.floor((100 * st.done) / st.total)} % of ${Math.round(st.total / 1e6)} MB (once: it is kept for later visits)`);
        } else {
          this.compileBar.removeAttribute('value');
          this.#setState('compiling', 'Loading the compiler…');
        }
      } else {
        this.compileBar.hidden = true;
        if (st.state === 'ready') this.#setState('compiling', `Compiling ${file}…`);
      }
    };
    const unwatch = compiler.watch(showLoad);
    showLoad(compiler.state);
    if (compiler.state.state === 'ready') this.#setState('compiling', `Compiling ${file}…`);
    const extra = {};
    if (/#\s*include\s*"params\.h"/.test(source)) extra['params.h'] = await paramsHeader();
    let r;
    const t0 = performance.now();
    try {
      r = await compiler.compile(file, source, extra);
    } finally {
      unwatch();
      this.compileBar.hidden = true;
      // (the span tests and the bench check for long tasks in)
      performance.measure('tide-compile', { start: t0, end: performance.now() });
    }
    if (this.token !== token) return null;
    this.section.dataset.compileMs = String(r.ms ?? '');
    const diags = parseDiagnostics(r.diagnostics ?? '', file);
    this.editor.mark(diags);
    if (!r.ok) {
      let why, outcome;
      if (r.loadFailed) {
        outcome = 'compiler-unavailable';
        why = `Could not download the compiler (offline?): ${r.diagnostics}. Run tries again.`;
        this.#showDiag(why);
      } else if (diags.some((d) => d.severity === 'error')) {
        const first = diags.find((d) => d.severity === 'error');
        outcome = 'compile-error';
        why = `Compile error at line ${first.line}: ${first.message}`;
        this.#showDiag(r.diagnostics);
      } else if (undefinedSymbols(r.diagnostics).length) {
        outcome = 'link-error';
        why = `Link error: undefined symbol${undefinedSymbols(r.diagnostics).length > 1 ? 's' : ''} ${undefinedSymbols(r.diagnostics).join(', ')}`;
        this.#showDiag(r.diagnostics);
      } else {
        outcome = 'compile-error';
        why = 'The compiler failed (its messages are below the editor).';
        this.#showDiag(r.diagnostics);
      }
      this.section.dataset.outcome = outcome;
      this.#setState('done', why);
      return null;
    }
    this.#showDiag(r.diagnostics, 'warning'); // warnings, or nothing
    const module = await WebAssembly.compile(r.wasm);
    compiled.set(source, module);
    if (compiled.size > COMPILED_KEEP) compiled.delete(compiled.keys().next().value);
    return module;
  }

  #showSettings() {
    for (const p of this.ex.params) this.inputs[p.name].value = this.values[p.name];
    this.virtualBox.checked = this.clock === 'virtual';
    this.debugBox.checked = this.debug;
    this.updateLink();
  }

  #setState(state, text) {
    this.section.dataset.state = state; // tests wait on this
    if (text !== undefined) this.status.textContent = text;
    const busy = state === 'running' || state === 'replay' || state === 'loading' || state === 'compiling';
    this.runButton.disabled = busy;
    this.stopButton.disabled = !busy || state === 'compiling';
    this.stopButton.textContent = state === 'replay' ? 'Skip replay' : this.cancelling ? 'Force stop' : 'Stop';
  }

  // ---- output ----

  #addLine(t, text, kind) {
    const li = el('li', { className: kind });
    li.dataset.t = String(t);
    li.append(el('span', { className: 'stamp', textContent: fmt(Math.max(t, 0)) }), el('span', { className: 'line', textContent: text }));
    this.output.append(li);
    if (this.output.childElementCount > OUTPUT_KEEP + (this.dropped ? 1 : 0)) this.#dropLines(1);
    this.#scrollSoon();
  }

  // Lines from this.lines, from index `from` to `to`: only the last
  // OUTPUT_KEEP of a long stretch are made at all.
  #addLines(from, to) {
    const made = Math.max(from, to - OUTPUT_KEEP);
    if (made > from) this.#dropLines(made - from, false);
    for (let i = made; i < to; i++) this.#addLine(this.lines[i].t, this.lines[i].text, this.lines[i].kind);
  }

  // Counts n more lines not shown (removing the n earliest shown, if
  // `shownOnes`), in the notice that is the list's first line.
  #dropLines(n, shownOnes = true) {
    if (!this.dropped) {
      this.dropped = 0;
      this.output.prepend(el('li', { className: 'dropped' }, el('span', { className: 'stamp' }), el('span', { className: 'line' })));
    }
    const notice = this.output.firstElementChild;
    if (shownOnes) for (let i = 0; i < n && notice.nextElementSibling; i++) notice.nextElementSibling.remove();
    this.dropped += n;
    notice.lastElementChild.textContent = `… ${this.dropped.toLocaleString('en')} earlier line${this.dropped === 1 ? '' : 's'} not shown (the page keeps the last ${OUTPUT_KEEP.toLocaleString('en')})`;
  }

  #scrollSoon() {
    if (this.scrollQueued) return;
    // Scrolling forces a layout: once a frame is enough.
    this.scrollQueued = true;
    requestAnimationFrame(() => {
      this.scrollQueued = false;
      this.output.scrollTop = this.output.scrollHeight;
    });
  }

  // When (in loop time, relative to the start) a line was printed. On the
  // real clock the loop's clock is performance.now(), so that is exact. On
  // the virtual clock it is the time of the last trace event seen, which
  // is exact when the API delivers the trace before each line (tide.mjs)
  // and otherwise may lag by up to one turn of the loop.
  #now() {
    if (this.clock === 'real') {
      const t = performance.now() / 1000;
      this.t0 ??= this.trace.first ?? t;
      return t - this.t0;
    }
    this.t0 ??= this.trace.first ?? 0;
    return (this.trace.first === null ? this.t0 : this.trace.last) - this.t0;
  }

  // ---- the trace ----
  //
  // Trace events arrive in batches from inside the program's turns: a
  // TraceBatch from the JS API (onTraceBatch: typed columns, nothing made
  // per event, so a program that makes 100,000 tasks leaves the garbage
  // collector nothing to do) or TraceEvent objects from the WASI runner.
  // They are copied into a queue and fed to the timeline a few
  // milliseconds' worth at a time between the program's turns, so the
  // page's turns stay short. Only the times needed to stamp output lines
  // are read at once.

  #onTrace(events) {
    const tr = this.trace;
    // (floor: the loop stamps the wakes of a cancellation from the page
    // with the clock of its last turn; on the real clock they happen now)
    tr.queue.push(events, tr.floor);
    tr.first = tr.queue.first; // the first step's time (spawns before it: see TimelineModel)
    tr.last = tr.queue.last;
    if (!tr.scheduled) {
      tr.scheduled = true;
      pumpChannel.port2.postMessage(null);
      pumps.push(() => this.#pump(tr));
    }
  }

  // Feeds the timeline for at most `budget` ms; true if events are left.
  #feed(tr, budget) {
    return tr.queue.feed(this.model, performance.now() + budget);
  }

  #pump(tr) {
    tr.scheduled = false;
    if (tr !== this.trace) return; // a run that was replaced
    if (this.#feed(tr, 4)) {
      tr.scheduled = true;
      pumpChannel.port2.postMessage(null);
      pumps.push(() => this.#pump(tr));
    }
    if (this.clock === 'real') this.view.invalidate();
  }

  // Feeds what is left, yielding to the page between slices.
  async #drain(tr) {
    while (this.#feed(tr, 8)) await new Promise((resolve) => setTimeout(resolve, 0));
  }

  #emit(text, kind) {
    const line = { t: this.#now(), text, kind };
    this.lines.push(line);
    if (this.clock === 'real') this.#addLine(line.t, text, kind);
  }

  // ---- running ----

  async run() {
    if (['running', 'loading', 'compiling'].includes(this.section.dataset.state)) return;
    this.#endReplay(false);
    const token = (this.token = {}); // Reset, or a later run, makes this one stale
    const clock = this.clock;
    const args = programArgs(this.name, this.values, { runId: `${Math.random().toString(36).slice(2, 6)}${++runCounter}` });
    this.argv.textContent = `$ ${this.name}${args.map((a) => ` ${a}`).join('')}${clock === 'virtual' ? '  (virtual clock)' : ''}`;
    this.output.replaceChildren();
    this.dropped = 0;
    this.lines = [];
    this.t0 = null;
    this.trace = { first: null, last: 0, floor: null, queue: new TraceQueue(), scheduled: false };
    this.cancelling = false;
    this.model = new TimelineModel();
    this.view.setModel(this.model);
    delete this.section.dataset.outcome;
    const source = this.editedSource();
    this.section.dataset.build = source === null ? 'prebuilt' : 'edited';
    let prog, module;
    if (source !== null) {
      // the edited C: compiled here, run as a WASI program in a worker
      if (!canRunEdited) {
        this.#showDiag(cannotRunWhy);
        this.section.dataset.outcome = 'unsupported';
        this.#setState('done', cannotRunWhy);
        return;
      }
      this.#showDiag('');
      this.#setState('compiling', `Compiling ${this.name}.c…`);
      try {
        module = await this.#compileEdited(source, token);
      } catch (e) {
        if (this.token !== token) return;
        this.#showDiag(`Could not compile: ${e.message}`);
        this.section.dataset.outcome = 'compile-error';
        this.#setState('done', `Could not compile: ${e.message}`);
        return;
      }
      if (this.token !== token || !module) return;
      prog = { threadsNote: 'to_thread runs inline (a WASI program has no threads)' };
    } else {
      this.#setState('loading', `Loading ${this.name}…`);
      try {
        prog = await program(this.name);
        if (this.token !== token) return;
      } catch (e) {
        if (this.token !== token) return;
        this.#setState('done', `Could not load the program: ${e.message}`);
        this.section.dataset.outcome = e.code ?? e.name ?? 'error';
        return;
      }
    }
    const started = performance.now();
    this.#setState('running', clock === 'virtual' ? 'Running on the virtual clock…' : 'Running in real time…');
    // to_thread: on Web Workers (the pthreads build, in an isolated page)
    // or inline (then the loader reports it): the summary says which.
    let inline = false;
    const options = {
      args,
      clock,
      debug: this.debug,
      onStdout: (line) => this.#emit(line, 'out'),
      onStderr: (line) => this.#emit(line, 'err'),
      onReport: (r) => {
        if (r.kind === 'inline') inline = true;
        this.#emit(`${r.kind}: ${r.text}`, 'report');
      },
    };
    // (the WASI runner makes TraceEvent objects; the JS API's batches are garbage-free)
    if (module) options.onTrace = (events) => this.#onTrace(events);
    else options.onTraceBatch = (batch) => this.#onTrace(batch);
    const handle = module ? startWasi(module, this.name, options) : prog.start(options);
    this.section.dataset.threads = handle.threads ? 'workers' : 'inline';
    this.handle = handle;
    if (clock === 'real') this.#follow(handle);
    let outcome;
    try {
      const value = await handle.result;
      outcome = { ok: true, exit: handle.exitCode ?? 0, value };
    } catch (e) {
      outcome = { ok: false, exit: e.exitCode, error: e };
    }
    if (this.token !== token) return;
    this.handle = null;
    this.cancelling = false;
    const wall = performance.now() - started;
    await this.#drain(this.trace);
    if (this.token !== token) return;
    this.section.dataset.exit = String(outcome.exit ?? '');
    this.section.dataset.outcome = outcome.ok ? 'ok' : (outcome.error.code ?? outcome.error.name);
    const loopTime = this.model.duration();
    const how = outcome.ok
      ? `Finished: exit status ${outcome.exit}`
      : `Ended with ${outcome.error.code ?? outcome.error.name}: ${outcome.error.message}${outcome.exit != null ? ` (exit status ${outcome.exit})` : ''}`;
    const threads = handle.threads || inline ? ` ${prog.threadsNote.replace(/^to_thread runs/, 'to_thread ran')}.` : '';
    this.summary = `${how}. ${fmt(loopTime)} of loop time${clock === 'virtual' ? ' (virtual)' : ''}, ${Math.round(wall)} ms of real time.${threads}`;
    if (clock === 'virtual') this.#startReplay();
    else {
      this.view.setCursor(null);
      this.view.draw(); // the final states are on screen when 'done' is
      this.#setState('done', this.summary);
    }
  }

  // While a real-time run goes on, the timeline's right edge is now.
  #follow(handle) {
    const tick = () => {
      if (this.handle !== handle) return;
      if (this.model.t0 !== null) this.view.setCursor(performance.now() / 1000);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  // Plays the recorded run back at real speed: the timeline grows and the
  // lines appear at the loop time they were printed.
  #startReplay() {
    const start = this.model.t0 ?? 0;
    const end = start + this.model.duration();
    let shown = 0;
    const wall0 = performance.now();
    const replay = { frame: 0 };
    this.replay = replay;
    this.#setState('replay', `Replaying the recorded run at real speed… (${fmt(end - start)})`);
    const step = () => {
      if (this.replay !== replay) return;
      const at = start + (performance.now() - wall0) / 1000;
      const cut = Math.min(at, end);
      const from = shown;
      while (shown < this.lines.length && this.lines[shown].t + (this.t0 ?? 0) <= cut) shown++;
      this.#addLines(from, shown);
      this.view.setCursor(cut);
      if (at >= end) {
        this.replay = { shown };
        this.#endReplay(true);
        return;
      }
      replay.frame = requestAnimationFrame(step);
    };
    replay.shown = () => shown;
    step();
  }

  // Ends a replay: at once to the end (Skip, or it ran out), or dropped.
  #endReplay(finish) {
    const r = this.replay;
    if (!r) return;
    this.replay = null;
    cancelAnimationFrame(r.frame);
    if (!finish) return;
    const shown = typeof r.shown === 'function' ? r.shown() : r.shown;
    this.#addLines(shown, this.lines.length);
    this.view.setCursor(null);
    this.view.draw(); // the final states are on screen when 'done' is
    this.#setState('done', this.summary);
  }

  stop() {
    if (this.replay) return this.#endReplay(true);
    const h = this.handle;
    if (!h) return;
    if (!this.cancelling) {
      this.cancelling = true;
      if (this.clock === 'real') this.trace.floor = performance.now() / 1000;
      h.cancel(STOP_MESSAGE); // asyncio's task.cancel(): cleanup runs
      this.#setState('running', 'Cancelling: the program cleans up in its FINALLY sections…');
    } else {
      h.terminate('forced from the page'); // no cleanup at all
    }
  }

  reset({ keepURL = false } = {}) {
    this.token = null;
    this.#endReplay(false);
    this.handle?.terminate('reset');
    this.handle = null;
    for (const p of this.ex.params) this.values[p.name] = String(p.value);
    this.clock = this.ex.realOnly ? 'real' : 'virtual';
    this.debug = false;
    this.#showSettings();
    this.output.replaceChildren();
    this.dropped = 0;
    this.argv.textContent = '';
    this.lines = [];
    this.trace = { first: null, last: 0, floor: null, queue: new TraceQueue(), scheduled: false };
    this.model = new TimelineModel();
    this.view.setModel(this.model);
    delete this.section.dataset.exit;
    delete this.section.dataset.outcome;
    this.cancelling = false;
    if (this.editor && this.original !== undefined) {
      this.editor.setText(this.original);
      this.editor.mark([]);
    }
    this.#showDiag('');
    this.#setState('idle', 'Not run yet.');
    if (!keepURL) syncURL();
  }
}

function valid(p, v) {
  if (p.options) return p.options.some(([value]) => value === v);
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= p.min && n <= p.max;
}

// ---- the page ---------------------------------------------------------------

const lives = new Map();

// The URL holds every setting that differs from its default, so copying
// the address bar reproduces the page; each example's "link to this run"
// holds its own settings and runs it when opened.
function syncURL() {
  const q = new URLSearchParams();
  for (const live of lives.values()) {
    for (const [k, v] of live.urlParams()) q.append(k, v);
    live.updateLink();
  }
  const s = q.toString();
  history.replaceState(null, '', `${location.pathname}${s ? `?${s}` : ''}${location.hash}`);
}

function start() {
  const search = new URLSearchParams(location.search);
  for (const host of document.querySelectorAll('.live[data-example]')) {
    const name = host.dataset.example;
    if (!EXAMPLES[name] || lives.has(name)) continue;
    const live = new Live(host, name);
    live.fromURL(search);
    lives.set(name, live);
  }
  const auto = search.get('run');
  // ?run=NAME#code=BASE64URL: that source, run as that example
  const codeMatch = /^#code=([^&]*)/.exec(location.hash);
  const code = codeMatch ? fromBase64url(codeMatch[1]) : null;
  syncURL(); // drops `run` and anything invalid
  document.body.dataset.ready = 'true';
  if (auto && lives.has(auto)) {
    const live = lives.get(auto);
    live.section.scrollIntoView();
    if (codeMatch && code === null) {
      live.showLinkProblem('The link\'s #code= is not base64url of UTF-8 text: running the example as written.');
      live.run();
    } else if (code !== null && NOT_EDITABLE[auto]) {
      // (it was dropped without a word: the example ran as written)
      live.showLinkProblem(`The link's #code= is not run: ${NOT_EDITABLE[auto]} Running the example as written.`);
      live.run();
    } else if (code !== null) {
      live.openEditor(code).then(() => live.run());
    } else live.run();
  }
}

// params.h, which the examples include: fetched once.
let paramsText = null;
function paramsHeader() {
  return (paramsText ??= fetch('/examples/params.h').then((r) => (r.ok ? r.text() : Promise.reject(new Error(`params.h: HTTP ${r.status}`)))).catch((e) => {
    paramsText = null;
    throw e;
  }));
}

start();

// For tests and the curious: the examples on this page.
globalThis.tidePage = { lives };
