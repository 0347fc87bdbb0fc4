// consumer.ts - a TypeScript consumer of the package as an ES module,
// compiled with `tsc --noEmit` by tests/types/types.test.mjs: the types must
// accept real use and reject misuse (the @ts-expect-error lines).
import { load, loadExample, run, exampleNames, TideError, TraceBatch, version } from 'tide-wasm';
import type {
  StartOptions,
  TraceEvent,
  TideRun,
  TideProgram,
  ProgramSource,
  LoadOptions,
  Report,
  ExampleName,
  TideErrorCode,
  TideCErrorCode,
  ThreadsBuild,
} from 'tide-wasm';

async function main(): Promise<void> {
  const program: TideProgram = await loadExample('tasks');
  const events: TraceEvent[] = [];
  const controller = new AbortController();
  const options: StartOptions = {
    args: ['a', 'b'],
    env: { TIDE_DEBUG: '1', LIMIT: 5 },
    clock: 'virtual',
    debug: true,
    maxLineBytes: 4096,
    onStdout: (line: string) => console.log(line),
    onStderr: (line) => console.error(line),
    onTrace: (batch) => {
      for (const e of batch) if (e.type === 'suspend' && e.what !== null) events.push(e);
    },
    onReport: (r) => console.log(r.kind, r.text),
    signal: controller.signal,
    functions: { add: async (arg: { a: number; b: number }, { signal }) => (signal.aborted ? 0 : arg.a + arg.b) },
  };
  const handle: TideRun<number> = program.start(options);
  handle.cancel('stop');
  handle.cancel();
  const state: 'starting' | 'running' | 'done' = handle.state;
  const code: number | null = handle.exitCode;
  // a number: 0 if the main task returned none; undefined if no run ended well
  const n: number | undefined = await handle.result;

  const text: string | null | undefined = await program.run({ valueType: 'string' });
  const viaRun: number | undefined = await run(new URL('./mine.mjs', import.meta.url), { clock: 'real', threads: 'off' });
  const sources: ProgramSource[] = [
    './build/mine.mjs',
    new URL('file:///x.mjs'),
    { glue: '/build/em/x.mjs', wasm: new Uint8Array(8) },
    { factory: async () => ({}), wasm: new ArrayBuffer(8), name: 'x' },
  ];
  try {
    await load(sources[2]!);
  } catch (e) {
    if (e instanceof TideError) {
      // as Node's errors: name the class's, code a string, errno a number
      const name: 'TideError' = e.name;
      const which: TideErrorCode = e.code;
      const errno: number | null = e.errno;
      if (e.code === 'TIDE_LOAD_FAILED') console.log(name, which, errno, e.url, e.exitCode, e.tideMessage, e.cause);
      // @ts-expect-error: codes are strings, numbers are errno
      if (e.code === -1) console.log('never');
      // @ts-expect-error: no such code (one L)
      if (e.code === 'TIDE_ECANCELED') console.log('never');
    }
    // a task group's error: each child's TideError, nested groups nested
    if (e instanceof TideError && e.code === 'TIDE_EGROUP') {
      const children: TideError[] | null = e.errors;
      const tasks: (string | null)[] = (children ?? []).map((c) => c.task);
      const nested: number = children?.[0]?.errors?.length ?? 0;
      // @ts-expect-error errors may be null: no unchecked use
      console.log(tasks, nested, e.errors.length);
    }
  }
  const made = new TideError('TIDE_EXIT', 'x exited with status 3', { exitCode: 3 });
  // @ts-expect-error: the code is a string
  new TideError(-1, 'cancelled');
  // the trace in columns: typed arrays, strings on demand, objects if asked
  const kept: TraceEvent[] = [];
  let stepsTime = 0;
  await program.run({
    onTraceBatch: (batch: TraceBatch) => {
      const type: Uint8Array = batch.type;
      const time: Float64Array = batch.time;
      const tasks: Uint32Array = batch.task;
      const status: Int32Array = batch.status;
      for (let i = 0; i < batch.length; i++) {
        if (type[i] === TraceBatch.RUN) stepsTime += time[i]!; // (noUncheckedIndexedAccess)
        const what: string | null = batch.what(i);
        const waits: string | null = batch.whatName(batch.whatId[i]!);
        const error: TideCErrorCode | `TIDE_E${number}` | null = batch.error(i);
        const kind: TraceEvent['type'] = batch.typeName(i);
        if (kind === 'finish' && status[i]! < 0) kept.push(batch.event(i));
        console.log(what, waits, error, batch.name(i), tasks[i], batch.run[i], TraceBatch.TYPES[type[i]!]);
      }
      for (const e of batch) kept.push(e);
      kept.push(...batch.toArray());
      // @ts-expect-error: the columns are read-only properties
      batch.time = new Float64Array(1);
      // @ts-expect-error: a column of numbers, not of strings
      const named: string[] = batch.task;
      console.log(named);
    },
  });
  // @ts-expect-error: batches are made by Tide
  new TraceBatch();
  // @ts-expect-error: onTraceBatch takes a TraceBatch, not an array of events
  program.start({ onTraceBatch: (events: TraceEvent[]) => events.length });
  console.log(kept.length, stepsTime);
  const names: ExampleName[] = await exampleNames();
  const which: ExampleName = 'tasks';
  console.log(version, state, code, n, text, viaRun, names, which, made, events.length, handle.dump(), handle.terminate());

  // to_thread: which build runs, and how a program names its pthreads build
  const loadOptions: LoadOptions = { threads: 'auto' };
  const threaded: TideProgram = await loadExample('to_thread', loadOptions);
  const onWorkers: boolean = threaded.threads && threaded.start().threads;
  const note: string = threaded.threadsNote;
  const inline = (r: Report): boolean => r.kind === 'inline';
  await (await loadExample('to_thread', { threads: 'off' })).run({ onReport: (r) => console.log(inline(r), r.text) });
  const pthreads: ThreadsBuild = { glue: async () => ({ default: async () => ({}) }), wasm: () => new URL('./threads/x.wasm', import.meta.url) };
  const both: ProgramSource = { glue: '/x.mjs', threads: pthreads };
  await load({ factory: async () => ({}), wasm: '/x.wasm', threads: { factory: async () => ({}), wasm: '/threads/x.wasm' } });
  console.log(onWorkers, note, both);
  // @ts-expect-error: threads is 'auto', 'on' or 'off'
  await load('/x.mjs', { threads: true });
  // @ts-expect-error: a pthreads build needs its wasm
  await load({ glue: '/x.mjs', threads: { glue: '/threads/x.mjs' } });
  // @ts-expect-error: a factory alone needs its wasm
  await load({ factory: async () => ({}) });
  // @ts-expect-error: a bundled example is named with loadExample, not load
  await load({ example: 'tasks' });
  // @ts-expect-error: no such example
  await loadExample('no_such_example');
  // @ts-expect-error: no such example
  const none: ExampleName = 'no_such_example';

  // @ts-expect-error: not a clock
  program.start({ clock: 'fast' });
  // @ts-expect-error: args are strings
  program.start({ args: [1, 2] });
  // @ts-expect-error: no such option
  program.start({ onstdout: () => {} });
  // @ts-expect-error: a string result is not a number
  const wrong: number | undefined = await program.run({ valueType: 'string' });
  // @ts-expect-error: result may be undefined
  const always: number = await program.run();
  console.log(wrong, none, always);
}

main().catch((e: unknown) => console.error(e));
