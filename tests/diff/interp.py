#!/usr/bin/env python3
"""interp.py - the twin interpreter: runs a differential-testing program on
CPython 3.13's asyncio (plus compat.py: Tide's deliberate differences) on a
virtual clock and prints the trace that tests/diff/interp.c prints for Tide.

    tools/cpython313 tests/diff/interp.py PROGRAM_FILE...   (or - for stdin)

The trace format and the language are in tests/diff/README.md.
"""
import asyncio
import logging
import os
import sys

# no __pycache__ in the source tree
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402
import prog as proglang  # noqa: E402

logging.getLogger('asyncio').setLevel(logging.CRITICAL + 1)


class Deadlock(Exception):
    """Still deadlocked after cancelling every task: give up the run."""


# Tide's clock counts 64-bit nanoseconds and keeps loop times within 2^61 ns
# (about 73 years): a deadline at or past that horizon is never reached.
# CPython's float clock has no such end, but no real clock ever gets there
# either, so a timer that far is one that never fires (sleep(inf) is one):
# the virtual clock does not jump to it (docs/differences.md, "Far
# deadlines").
HORIZON = ((2 ** 63 - 1) // 4) / 1e9


class VirtualLoop(asyncio.BaseEventLoop):
    """An event loop whose clock starts at 0 and, whenever nothing is
    ready, jumps to the next timer (as Tide's virtual clock does). It has
    no I/O: select() is where the jump happens.

    When nothing is ready and no timer will ever fire (none is armed, or
    the next one is past the HORIZON), every task waits for ever: it reports DEADLOCK, mutes the trace and cancels every task so
    that their coroutines unwind here rather than in the garbage collector
    (as Tide does); if that does not unstick them either, it gives up.

    It also notices timer ties: two live timers due at the same instant run
    in an order CPython does not specify (LOOP-04), so the trace is only
    comparable up to that point."""

    def __init__(self, interp):
        super().__init__()
        self._now = 0.0
        # Tide's TIDE_CLOCK_RESOLUTION_NS. CPython's 1 ns would vanish in
        # the rounding of a float clock at 2e9 s, where a timer landed on
        # exactly would then never count as due.
        self._clock_resolution = 1e-6
        self._selector = self
        self.interp = interp
        self.tie = False
        self.deadlocked = False

    def time(self):
        return self._now

    def select(self, timeout):
        if timeout is not None and timeout > 0 and \
                self._scheduled[0]._when >= HORIZON:
            timeout = None  # _run_once dropped cancelled timers from the head
        if timeout is None:
            if self.deadlocked:
                raise Deadlock()
            self.deadlocked = True
            self.interp.put('%s DEADLOCK' % fmt_num(self._now))
            self.interp.muted = True
            for t in asyncio.all_tasks(self):
                t.cancel()
            return []
        if timeout > 0:
            # _run_once dropped cancelled timers from the head: heap[0] is
            # the next live deadline. Land exactly on it.
            self._now = self._scheduled[0]._when
        due = [h._when for h in self._scheduled
               if not h._cancelled and h._when <= self._now]
        if len(due) != len(set(due)) and not self.tie:
            # mark the place: what follows is not comparable
            self.tie = True
            self.interp.put('%s TIE' % fmt_num(self._now))
        return []

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


def fmt_num(x):
    return '%.9g' % x


class UserError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code
        self.msg = msg


def err_parts(e):
    """(name, message or None, sub-errors or None) in Tide's terms."""
    if isinstance(e, asyncio.CancelledError):
        return 'ECANCELLED', (e.args[0] if e.args else None), None
    if isinstance(e, UserError):
        return 'EUSER%d' % e.code, e.msg, None
    if isinstance(e, BaseExceptionGroup):
        return 'EGROUP', None, list(e.exceptions)
    if isinstance(e, TimeoutError):
        return 'ETIMEDOUT', None, None
    if isinstance(e, asyncio.QueueEmpty):
        return 'EQUEUEEMPTY', None, None
    if isinstance(e, asyncio.QueueFull):
        return 'EQUEUEFULL', None, None
    if isinstance(e, asyncio.QueueShutDown):
        return 'ESHUTDOWN', None, None
    if isinstance(e, asyncio.BrokenBarrierError):
        return 'EBROKEN', None, None
    text = str(e)
    if isinstance(e, RuntimeError):
        if 'not acquired' in text or 'un-acquired lock' in text:
            return 'ENOTLOCKED', None, None
        if 'TaskGroup' in text:
            return 'ESTATE', None, None
        if 'cannot await on itself' in text:
            return 'ESELF', None, None
    if isinstance(e, ValueError) and 'too many times' in text:
        return 'EOVERFLOW', None, None
    return 'EPYTHON', '%s: %s' % (type(e).__name__, text), None


def fmt_err(e, full=False):
    """An error as the trace shows it. A group error lists its errors only
    where the group op reports it (full): elsewhere Tide knows it by its
    code alone. Messages only where they are the program's own (cancel
    messages, raise): Python's str() of other errors is library text."""
    name, msg, subs = err_parts(e)
    if subs is not None:
        return name + '[' + ','.join(fmt_err(s) for s in subs) + ']' \
            if full else name
    if msg is not None and (name == 'ECANCELLED' or name.startswith('EUSER')
                            or name == 'EPYTHON'):
        return '%s(%s)' % (name, msg)
    return name


def fmt_val(v):
    return '-' if v is None else str(v)


def delay_arg(s):
    return None if s == '-' else float(s)


class NoTask(Exception):
    """An op names a task that was not spawned (yet)."""


class Return(Exception):
    def __init__(self, value):
        self.value = value


class Interp:
    def __init__(self, program):
        self.p = program
        self.out = []
        self.tasks = {}      # name -> task, in creation order
        self.objs = {}
        self.loop = None
        # set after a deadlock: what the tasks left do while the loop
        # cancels them is not compared (see VirtualLoop)
        self.muted = False

    # ---- trace -------------------------------------------------------------
    def put(self, line):
        if not self.muted:
            self.out.append(line)

    def log(self, who, where, text, result):
        if self.muted:
            return
        self.out.append(' '.join(x for x in (
            fmt_num(self.loop.time()), who, where, text, '->', result) if x))

    # ---- objects -------------------------------------------------------------
    def make_objects(self):
        for kind, name, args in self.p.objs:
            if kind == 'lock':
                o = asyncio.Lock()
            elif kind == 'event':
                o = asyncio.Event()
            elif kind == 'cond':
                o = asyncio.Condition(self.objs[args[0]] if args else None)
            elif kind == 'sem':
                v, bounded = int(args[0]), args[1] == '1'
                o = (asyncio.BoundedSemaphore(v) if bounded
                     else asyncio.Semaphore(v))
            elif kind == 'barrier':
                o = asyncio.Barrier(int(args[0]))
            elif kind == 'queue':
                cls = {'fifo': asyncio.Queue, 'lifo': asyncio.LifoQueue,
                       'prio': asyncio.PriorityQueue}[args[0]]
                o = cls(int(args[1]))
            self.objs[name] = o

    # ---- tasks -----------------------------------------------------------------
    def task(self, name):
        if name == 'self':
            return asyncio.current_task()
        t = self.tasks.get(name)
        if t is None:
            raise NoTask(name)
        return t

    async def task_body(self, script, name, groups):
        try:
            v = await self.run_script(script, name, groups)
        except BaseException as e:
            self.log(name, 'END', '', 'err ' + fmt_err(e))
            raise
        self.log(name, 'END', '', 'ok ' + fmt_val(v))
        return v

    def state(self, t):
        if not t.done():
            return 'pending'
        if t.cancelled():
            return 'cancelled'
        e = t.exception()
        if e is not None:
            return 'failed ' + fmt_err(e)
        return 'done ' + fmt_val(t.result())

    async def run_script(self, script, who, groups):
        for i, op in enumerate(self.p.scripts[script]):
            where = '%s:%d' % (script, i)
            try:
                res = await self.do(op, who, groups)
            except Return as r:
                self.log(who, where, op.text(), 'ok')
                return r.value
            except NoTask:
                # a task not spawned (yet): nothing happens
                self.log(who, where, op.text(), 'err NOTASK')
                continue
            except GeneratorExit:
                raise
            except BaseException as e:
                self.log(who, where, op.text(),
                         'err ' + fmt_err(e, op.name == 'group'))
                if op.catch:
                    continue
                raise
            self.log(who, where, op.text(), 'ok' + ('' if res is None
                                                    else ' ' + res))
        return 0

    async def do(self, op, who, groups):
        a = op.args
        n = op.name
        O = self.objs
        # -- tasks --
        if n == 'spawn' or n == 'gspawn':
            coro = self.task_body(a[1], a[0], groups)
            if n == 'spawn':
                t = asyncio.get_running_loop().create_task(coro, name=a[0])
            else:
                if not groups:
                    coro.close()
                    raise RuntimeError('TaskGroup: none')
                t = groups[-1].create_task(coro, name=a[0])
            self.tasks[a[0]] = t
            return None
        if n == 'gcancel':
            if not groups:
                raise RuntimeError('TaskGroup: none')
            groups[-1].cancel()
            return None
        if n == 'sleep':
            await asyncio.sleep(float(a[0]))
            return None
        if n == 'cancel':
            return str(int(self.task(a[0]).cancel(None if a[1] == '-' else a[1])))
        if n == 'uncancel':
            return str(self.task(a[0]).uncancel())
        if n == 'cancelling':
            return str(self.task(a[0]).cancelling())
        if n == 'state':
            return self.state(self.task(a[0]))
        if n == 'join':
            return fmt_val(await self.task(a[0]))
        if n == 'gather':
            ts = [self.task(x) for x in a[0].split(',')]
            res = await compat.gather(*ts, return_exceptions=a[1] == '1')
            return '[' + ','.join(fmt_err(r) if isinstance(r, BaseException)
                                  else fmt_val(r) for r in res) + ']'
        if n == 'wait':
            ts = [self.task(x) for x in a[0].split(',')]
            when = {'first': asyncio.FIRST_COMPLETED,
                    'exc': asyncio.FIRST_EXCEPTION,
                    'all': asyncio.ALL_COMPLETED}[a[1]]
            await asyncio.wait(ts, timeout=delay_arg(a[2]), return_when=when)
            names = a[0].split(',')
            return '[' + ','.join(nm for nm, t in zip(names, ts)
                                  if t.done()) + ']'
        if n == 'wait_for':
            return fmt_val(await asyncio.wait_for(self.task(a[0]),
                                                  delay_arg(a[1])))
        if n == 'shield':
            return fmt_val(await asyncio.shield(self.task(a[0])))
        if n == 'timeout':
            async with asyncio.timeout(delay_arg(a[0])):
                v = await self.run_script(a[1], who, groups)
            return fmt_val(v)
        if n == 'group':
            tg = compat.TaskGroup()
            v = done = None
            async with tg:
                v = await self.run_script(a[0], who, groups + [tg])
                done = True
            return fmt_val(v) if done else '-'
        if n == 'call':
            return fmt_val(await self.run_script(a[0], who, groups))
        if n == 'raise':
            raise UserError(int(a[0]), None if a[1] == '-' else a[1])
        if n == 'return':
            raise Return(int(a[0]))
        # -- Lock --
        if n == 'acquire':
            await O[a[0]].acquire()
            return None
        if n == 'release' or n == 'crelease':
            O[a[0]].release()
            return None
        if n == 'locked':
            return str(int(O[a[0]].locked()))
        # -- Event --
        if n == 'set':
            O[a[0]].set()
            return None
        if n == 'clear':
            O[a[0]].clear()
            return None
        if n == 'is_set':
            return str(int(O[a[0]].is_set()))
        if n == 'ewait':
            await O[a[0]].wait()
            return None
        # -- Condition --
        if n == 'cacquire':
            await O[a[0]].acquire()
            return None
        if n == 'cwait':
            await O[a[0]].wait()
            return None
        if n == 'notify':
            O[a[0]].notify(int(a[1]))
            return None
        if n == 'notify_all':
            O[a[0]].notify_all()
            return None
        # -- Semaphore --
        if n == 'sacquire':
            await O[a[0]].acquire()
            return None
        if n == 'srelease':
            O[a[0]].release()
            return None
        if n == 'svalue':
            return str(O[a[0]]._value)
        if n == 'slocked':
            return str(int(O[a[0]].locked()))
        # -- Barrier --
        if n == 'bwait':
            return str(await O[a[0]].wait())
        if n == 'reset':
            await O[a[0]].reset()
            return None
        if n == 'abort':
            await O[a[0]].abort()
            return None
        if n == 'bstate':
            b = O[a[0]]
            return '%d/%d' % (b.n_waiting, int(b.broken))
        # -- Queue --
        if n == 'put':
            await O[a[0]].put(int(a[1]))
            return None
        if n == 'get':
            return str(await O[a[0]].get())
        if n == 'put_nowait':
            O[a[0]].put_nowait(int(a[1]))
            return None
        if n == 'get_nowait':
            return str(O[a[0]].get_nowait())
        if n == 'task_done':
            O[a[0]].task_done()
            return None
        if n == 'qjoin':
            await O[a[0]].join()
            return None
        if n == 'shutdown':
            O[a[0]].shutdown(a[1] == '1')
            return None
        if n == 'qsize':
            return str(O[a[0]].qsize())
        raise AssertionError('unknown op ' + n)

    # ---- the main task -------------------------------------------------------------
    async def main(self):
        self.make_objects()
        try:
            v = await self.run_script('main', 'main', [])
            self.log('main', 'END', '', 'ok ' + fmt_val(v))
        except GeneratorExit:
            raise
        except BaseException as e:
            self.log('main', 'END', '', 'err ' + fmt_err(e))
        # The cleanup must run whatever main's script did to main (a
        # cancellation of itself not yet delivered, one swallowed): take
        # every request back; reaching 0 drops an undelivered one too.
        me = asyncio.current_task()
        while me.uncancel() > 0:
            pass
        # Cleanup, deterministic (asyncio.run would cancel leftovers in set
        # order): cancel what is still pending in creation order, then
        # await each; repeat while cleanup spawned more.
        while True:
            pending = [(n, t) for n, t in self.tasks.items() if not t.done()]
            if not pending:
                break
            for n, t in pending:
                self.log('main', 'cleanup', 'cancel ' + n,
                         'ok %d' % int(t.cancel('end')))
            for n, t in pending:
                try:
                    r = 'ok ' + fmt_val(await t)
                except GeneratorExit:
                    raise
                except BaseException as e:
                    r = 'err ' + fmt_err(e)
                self.log('main', 'cleanup', 'join ' + n, r)
        for n, t in self.tasks.items():
            self.put('final %s %s' % (n, self.state(t)))
        for kind, name, args in self.p.objs:
            o = self.objs[name]
            if kind in ('lock', 'cond'):
                s = 'locked=%d' % o.locked()
            elif kind == 'event':
                s = 'set=%d' % o.is_set()
            elif kind == 'sem':
                s = 'value=%d locked=%d' % (o._value, o.locked())
            elif kind == 'barrier':
                s = 'n_waiting=%d broken=%d' % (o.n_waiting, o.broken)
            else:
                items = []
                while True:
                    try:
                        items.append(o.get_nowait())
                    except (asyncio.QueueEmpty, asyncio.QueueShutDown):
                        break
                s = 'items=[%s]' % ','.join(map(str, items))
            self.put('final %s %s' % (name, s))


# Runs given up for good (still deadlocked after cancelling everything):
# their tasks are kept here so that the garbage collector does not close
# their coroutines later, in the middle of another run. Rare.
_abandoned = []


def run(program):
    """Runs a parsed program; returns its trace as a list of lines."""
    it = Interp(program)
    loop = VirtualLoop(it)
    it.loop = loop
    loop.set_exception_handler(lambda loop, context: None)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(it.main())
    except Deadlock:
        _abandoned.append(asyncio.all_tasks(loop))
    except asyncio.CancelledError:
        pass  # the deadlock's cancellation reached main
    finally:
        asyncio.set_event_loop(None)
    return it.out


def run_text(text):
    return run(proglang.parse(text))


def main(argv):
    for path in argv or ['-']:
        text = sys.stdin.read() if path == '-' else open(path).read()
        for line in run_text(text):
            print(line)


if __name__ == '__main__':
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # see fuzz.py: no shutdown of abandoned coroutines
