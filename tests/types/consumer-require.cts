// consumer-require.cts - a TypeScript consumer of the package from CommonJS
// with a plain import, compiled to require('tide-wasm'): Node loads an ES
// module with require() from 20.19 and 22.12 on, and TypeScript (5.8 and
// later, module NodeNext) types it. tests/types.test.mjs checks it,
// compiles it and runs it where Node can.
import { loadExample, TideError } from 'tide-wasm';
import type { TideProgram } from 'tide-wasm';

async function main(): Promise<void> {
  const program: TideProgram = await loadExample('tasks');
  const lines: string[] = [];
  const value: number | undefined = await program.run({ clock: 'virtual', onStdout: (l) => lines.push(l) });
  const failure = await loadExample('no_such_example' as 'tasks').then(
    () => null,
    (e: unknown) => (e instanceof TideError ? e : null)
  );
  // @ts-expect-error: no such example
  await loadExample('no_such_example').catch(() => null);
  console.log(JSON.stringify({ value, lines: lines.length, name: failure?.name ?? null, code: failure?.code ?? null }));
}

main().catch((e: unknown) => {
  console.error(e);
  throw e;
});
