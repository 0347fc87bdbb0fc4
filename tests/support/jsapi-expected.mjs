// jsapi-expected.mjs - expectations shared by the JS API tests in Node
// (jsapi.test.mjs) and in Chromium (browser-api.test.mjs).

// One word per trace event: time:type:name[:what][:error].
export function traceWords(events) {
  return events.map((e) =>
    [e.time, e.type, e.name, e.what, e.error].filter((x) => x !== null && x !== undefined).join(':'));
}

// tests/programs/jsapi.c "workers" on the virtual clock: two workers share a lock;
// "first" holds it for 1 s, "second" waits for it, then holds it for 2 s.
export const TRACE_WORKERS = [
  '0:spawn:Task-1',
  '0:run:Task-1',
  '0:spawn:first',
  '0:spawn:second',
  '0:suspend:Task-1:gather',
  '0:run:first',
  '0:suspend:first:sleep',
  '0:run:second',
  '0:suspend:second:lock',
  '1:wake:first:sleep',
  '1:run:first',
  '1:wake:second:lock',
  '1:finish:first',
  '1:run:second',
  '1:suspend:second:sleep',
  '3:wake:second:sleep',
  '3:run:second',
  '3:finish:second',
  '3:wake:Task-1:gather',
  '3:run:Task-1',
  '3:finish:Task-1',
];
