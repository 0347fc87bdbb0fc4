// rules.mjs - what the checker knows about Tide's API by name: the coroutine
// macros and what each argument is for, the awaitable functions, and the
// rules it enforces. Change the lists here when the header changes.

// The coroutine macros, by kind. Macros of a program or of tide.h built on
// these (TIDE_YIELD is TIDE_AWAIT(f, tide_sleep(0))) are found from their
// definitions (macros.mjs), so only the primitives are listed.
//
// Argument roles of an await:
//   frame  the coroutine's frame pointer (read before and after the suspension)
//   call   the awaitable call (evaluated once, before the suspension)
//   fn     the sub-coroutine (called again on every resume)
//   sub    the sub-coroutine's frame pointer (evaluated again on every resume)
//   rc     an int lvalue that receives the outcome (written when it is known)
export const AWAIT_MACROS = {
  TIDE_AWAIT: { roles: ['frame', 'call'], raises: true },
  TIDE_AWAIT_CATCH: { roles: ['frame', 'call', 'rc'], raises: false },
  TIDE_AWAIT_CALL: { roles: ['frame', 'fn', 'sub'], raises: true },
  TIDE_AWAIT_CALL_CATCH: { roles: ['frame', 'fn', 'sub', 'rc'], raises: false },
};
export const SCAFFOLD_MACROS = { TIDE_BEGIN: 'begin', TIDE_FINALLY: 'finally', TIDE_END: 'end' };
// Others that some checks look at: TIDE_TRY (not an await, so an awaitable
// given to it gets a message of its own), TIDE_RETURN (its value outlives
// the coroutine) and TIDE_WITH, TIDE_WITH_CATCH (`async with`: an await that enters the
// scope, the block that follows it, and an await that leaves it; its
// `scope` argument is evaluated once, before the first).
export const OTHER_MACROS = {
  TIDE_TRY: { kind: 'try', roles: ['frame', 'call'] },
  TIDE_RETURN: { kind: 'return', roles: ['frame', 'value'] },
  TIDE_WITH: { kind: 'with', roles: ['frame', 'call'] },
  // the same, its outcome into `rc` (written at the entry and at the exit)
  TIDE_WITH_CATCH: { kind: 'with', roles: ['frame', 'call', 'rc'] },
};

// Awaitables. With a header whose awaitables return a type of their own (the
// return type of tide_sleep, when it is not an integer), every function
// returning that type is one, the program's own included. Otherwise this
// list is used.
export const AWAITABLE_PROBE = 'tide_sleep';
export const AWAITABLES = [
  'tide_sleep', 'tide_join', 'tide_gather', 'tide_wait', 'tide_wait_for', 'tide_shield',
  'tide_group_exit', 'tide_lock_acquire', 'tide_cond_acquire', 'tide_sem_acquire',
  'tide_cond_wait', 'tide_cond_wait_for', 'tide_event_wait', 'tide_barrier_wait',
  'tide_queue_put', 'tide_queue_get', 'tide_queue_join', 'tide_host_call',
  'tide_http_fetch', 'tide_http_get', 'tide_to_thread', 'tide_to_thread_abandon',
];

// Calls that hand a pointer to code that runs later, after the calling
// coroutine's step has returned (so after its locals are gone): a spawned
// task's frame (which the call copies, pointers and all) and a callback's
// argument. name -> {frame: index of the frame argument} or {arg: index of
// the argument the callback gets}; `what` names the argument otherwise.
export const DEFERRED = {
  tide_spawn: { frame: 1 },
  tide_loop_spawn: { frame: 2 },
  tide_group_spawn: { frame: 2 },
  tide_call_soon: { arg: 2 },
  tide_call_later: { arg: 3 },
  tide_call_at: { arg: 3 },
  tide_call_soon_threadsafe: { arg: 2 },
  tide_task_add_done_callback: { arg: 2 },
  tide_loop_set_exception_handler: { arg: 2 },
  tide_loop_set_exit_handler: { arg: 2 },
  tide_loop_set_trace_handler: { arg: 2 },
  tide_loop_set_debug_handler: { arg: 2 },
  // (and an item left in a queue, which another task takes later)
  tide_queue_put_nowait: { arg: 1, what: 'the item it queues' },
};

// The rules: id -> one line for --help and the docs.
export const RULES = {
  'local-across-await':
    'a local variable written before an await and read after it (locals do not survive an await)',
  'await-in-switch': 'an await inside a switch statement of your own (the coroutine macros use a switch)',
  'awaitable-outside-await': 'an awaitable function called outside TIDE_AWAIT* (its result must go to an await)',
  'await-outside-coroutine': 'an await outside the TIDE_BEGIN ... TIDE_END body of a coroutine',
  'await-wrong-frame': 'an await given another frame than the coroutine\'s own (TIDE_BEGIN\'s)',
  'subframe-compound-literal':
    'TIDE_AWAIT_CALL given a compound literal as the sub-frame (re-created, so restarted, on every resume)',
  'subframe-local': 'TIDE_AWAIT_CALL given a pointer to a local as the sub-frame (gone after a suspension)',
  'pointer-to-local': 'an awaited call or a sub-coroutine frame given a pointer to a local it writes or keeps (gone after a suspension)',
  'return-pointer-to-local': 'TIDE_RETURN given a pointer to a local (gone once the coroutine has returned)',
  'deferred-pointer-to-local':
    'a spawned task\'s frame, a callback\'s argument or a queued item given a pointer to a local (they are used after the step has returned)',
  'break-in-with':
    'break or continue directly in a TIDE_WITH block (it leaves the block, not the loop around it)',
  'goto-out-of-with': 'a goto out of a TIDE_WITH block (the scope stays open until the coroutine ends)',
};
