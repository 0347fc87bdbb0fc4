// consumer.ts - a TypeScript consumer of the package, compiled with
// `tsc --noEmit` by tests/types/types.test.mjs: the types must accept real use
// and reject misuse (the @ts-expect-error lines).
import { load, run, exampleNames, TideError, version } from 'tide-wasm';
import type { StartOptions, TraceEvent, TideRun, TideProgram, ProgramSource, LoadOptions, Report } from 'tide-wasm';
import { examples, type ExampleName } from 'tide-wasm/examples';

async function main(): Promise<void> {
  const program: TideProgram = await load('tasks');
  const events: TraceEvent[] = [];
  const controller = new AbortController();
  const options: StartOptions = {
    args: ['a', 'b'],
    env: { TIDE_DEBUG: '1', LIMIT: 5 },
    clock: 'virtual',
    onStdout: (line: string) => console.log(line),
    onStderr: (line) => console.error(line),
    onTrace: (batch) => {
      for (const e of batch) if (e.type === 'suspend' && e.what !== null) events.push(e);
    },
    signal: controller.signal,
    functions: { add: async (arg: { a: number; b: number }, { signal }) => (signal.aborted ? 0 : arg.a + arg.b) },
  };
  const handle: TideRun<number> = program.start(options);
  handle.cancel('stop');
  handle.cancel();
  const state: 'starting' | 'running' | 'done' = handle.state;
  const code: number | null = handle.exitCode;
  const n: number | undefined = await handle.result;

  const text: string | null | undefined = await program.run({ valueType: 'string' });
  const viaRun: number | undefined = await run(new URL('./mine.mjs', import.meta.url), { clock: 'real' });
  const sources: ProgramSource[] = [
    'tasks',
    new URL('file:///x.mjs'),
    { glue: '/build/em/x.mjs', wasm: new Uint8Array(8) },
    { factory: async () => ({}), wasm: new ArrayBuffer(8), name: 'x' },
  ];
  try {
    await load(sources[2]!);
  } catch (e) {
    if (e instanceof TideError && e.name === 'TIDE_LOAD_FAILED') console.log(e.url, e.code, e.exitCode, e.tideMessage);
    // a task group's error: each child's TideError, nested groups nested
    if (e instanceof TideError && e.name === 'TIDE_EGROUP') {
      const children: TideError[] | null = e.errors;
      const tasks: (string | null)[] = (children ?? []).map((c) => c.task);
      const nested: number = children?.[0]?.errors?.length ?? 0;
      // @ts-expect-error errors may be null: no unchecked use
      console.log(tasks, nested, e.errors.length);
    }
  }
  const names: string[] = await exampleNames();
  const which: ExampleName = 'tasks';
  const wasmURL: URL = examples[which].wasm();
  console.log(version, state, code, n, text, viaRun, names, wasmURL.href, events.length, handle.dump(), handle.terminate());

  // to_thread: which build runs, and how a program names its pthreads build
  const loadOptions: LoadOptions = { threads: 'auto' };
  const threaded: TideProgram = await load('to_thread', loadOptions);
  const onWorkers: boolean = threaded.threads && threaded.start().threads;
  const note: string = threaded.threadsNote;
  const inline = (r: Report): boolean => r.kind === 'inline';
  await run('to_thread', { threads: 'off', onReport: (r) => console.log(inline(r), r.text) });
  const both: ProgramSource = {
    glue: '/x.mjs',
    threads: { glue: async () => ({ default: async () => ({}) }), wasm: () => new URL('./threads/x.wasm', import.meta.url) },
  };
  await load({ factory: async () => ({}), wasm: '/x.wasm', threads: { factory: async () => ({}), wasm: '/threads/x.wasm' } });
  const threadsBuild = examples.to_thread.threads;
  console.log(onWorkers, note, both, threadsBuild?.wasm().href);
  // @ts-expect-error: threads is 'auto', 'on' or 'off'
  await load('to_thread', { threads: true });
  // @ts-expect-error: a pthreads build needs its wasm
  await load({ glue: '/x.mjs', threads: { glue: '/threads/x.mjs' } });

  // @ts-expect-error: not a clock
  program.start({ clock: 'fast' });
  // @ts-expect-error: args are strings
  program.start({ args: [1, 2] });
  // @ts-expect-error: a string result is not a number
  const wrong: number | undefined = await program.run({ valueType: 'string' });
  // @ts-expect-error: no such example
  const none: ExampleName = 'no_such_example';
  console.log(wrong, none);
}

main().catch((e: unknown) => console.error(e));
