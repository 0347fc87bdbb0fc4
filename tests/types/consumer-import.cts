// consumer-import.cts - a TypeScript consumer of the package from CommonJS
// that loads it with `await import('tide-wasm')`: the way on every Node
// the package supports (>= 20), with the same types. tests/types.test.mjs
// checks it with module NodeNext and Node16, compiles it and runs it.
// (types from an ES module need resolution-mode 'import' in CommonJS with Node16)
import type { TideError as TideErrorType, TideProgram } from 'tide-wasm' with { 'resolution-mode': 'import' };

async function main(): Promise<void> {
  const { loadExample, TideError } = await import('tide-wasm');
  const program: TideProgram = await loadExample('tasks');
  const lines: string[] = [];
  const value: number | undefined = await program.run({ clock: 'virtual', onStdout: (l) => lines.push(l) });
  const failure: TideErrorType | null = await loadExample('no_such_example' as 'tasks').then(
    () => null,
    (e: unknown) => (e instanceof TideError ? e : null)
  );
  // @ts-expect-error: codes are strings
  if (failure?.code === -4) console.log('never');
  console.log(JSON.stringify({ value, lines: lines.length, name: failure?.name ?? null, code: failure?.code ?? null }));
}

main().catch((e: unknown) => {
  console.error(e);
  throw e;
});
