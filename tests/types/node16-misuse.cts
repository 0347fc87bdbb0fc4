// node16-misuse.cts - with module Node16 (TypeScript before 5.8, or a
// project that models Node before require() of ES modules), a CommonJS
// file cannot import the package statically: tsc says so (TS1479), and
// `await import('tide-wasm')` (consumer-import.cts) is the way. Checked by
// tests/types.test.mjs with tsconfig.node16.json; never run.
// @ts-expect-error: TS1479, an ES module cannot be imported with require()
import { loadExample } from 'tide-wasm';

export const misuse = loadExample;
