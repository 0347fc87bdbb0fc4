"""compat.py - the CPython 3.13 behaviour that the twin interpreter compares
against, on top of whatever asyncio this python3 is (3.11 or later).

Tide follows CPython 3.13 (plus TaskGroup.cancel() from main). Where 3.11
behaves differently, this module supplies the later behaviour, written
from the documented semantics (docs/differences.md and the conformance
checklist name each item):

  Task313        uncancel() reaching 0 also drops a cancellation requested
                 but not yet delivered (CAN-14; 3.11 keeps it).
  wait_for313    3.12+ wait_for: a timeout() scope around `await task`
                 (3.11 waits on a separate waiter future, which takes one
                 more loop iteration to report).
  Condition313   3.13 wait(): re-raises the latest CancelledError instance
                 and passes a notification on when it fails (COND-07/08).
  Semaphore313   3.13 acquire(): a successful acquire wakes as many queued
                 waiters as the value allows (SEM-08).
  Barrier313     asyncio.Barrier on Condition313 (its waits are condition
                 waits, so it inherits their cancellation behaviour).
  Queue313       shutdown(immediate) and QueueShutDown (3.13).
  TaskGroup313   the 3.13 TaskGroup state machine (errors win over
                 cancellation) with cancel() from CPython main (3.15).

One choice is ours, not CPython's: a TaskGroup keeps its children in a
set, so the order in which an abort cancels them is unspecified in
CPython; here it is creation order (what Tide does). Any order conforms.

Deliberate differences (docs/differences.md) that change what happens
next, not just how a line reads, are switches in DELIBERATE: on (the
default) the twin does what Tide does for exactly that case; off (fuzz.py
--strict) it is plain CPython.

Only the pieces the differential programs use are here.
"""
import asyncio
import collections
import sys
from asyncio import exceptions, tasks

PY313 = sys.version_info >= (3, 13)

DELIBERATE = {
    # A cancelled gather reports the message of the child whose completion
    # ended it, if that child ended cancelled; CPython's asks the last child
    # in argument order, which may give the message of a cancellation that
    # child swallowed long before.
    'gather-message': True,
    # A TaskGroup whose body failed raises the group error even when an
    # outside cancellation is left after TaskGroup.cancel(); CPython main
    # raises that CancelledError and drops the body's error.
    'group-body-error': True,
}


class Task313(tasks._PyTask):
    """A pure-Python task whose uncancel() has the 3.13 meaning."""

    def uncancel(self):
        if self._num_cancels_requested > 0:
            self._num_cancels_requested -= 1
            if self._num_cancels_requested == 0:
                # the request nobody has seen yet goes with the count
                self._must_cancel = False
        return self._num_cancels_requested


def task_factory(loop, coro, **kwargs):
    return Task313(coro, loop=loop, **kwargs)


async def _cancel_and_wait(fut):
    # Wait on a separate future so that cancelling *this* await does not
    # cancel fut a second time.
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def release(_):
        if not waiter.done():
            waiter.set_result(None)

    fut.add_done_callback(release)
    try:
        fut.cancel()
        await waiter
    finally:
        fut.remove_done_callback(release)


async def wait_for313(fut, timeout):
    if timeout is not None and timeout <= 0:
        if fut.done():
            return fut.result()
        await _cancel_and_wait(fut)
        try:
            return fut.result()
        except exceptions.CancelledError as exc:
            raise TimeoutError from exc
    async with asyncio.timeout(timeout):
        return await fut


class _GatheringFuture(asyncio.Future):
    def __init__(self, children, loop):
        super().__init__(loop=loop)
        self._children = children
        self._cancel_requested = False

    def cancel(self, msg=None):
        # cancelling the gather cancels the children; it ends once they do
        if self.done():
            return False
        took = False
        for child in self._children:
            if child.cancel(msg=msg):
                took = True
        if took:
            self._cancel_requested = True
        return took


def gather313(*tasks, return_exceptions=False):
    """asyncio.gather over distinct tasks, with the same callbacks and so
    the same order of events; see DELIBERATE['gather-message']."""
    loop = asyncio.get_running_loop()
    children = list(tasks)
    outer = _GatheringFuture(children, loop)
    finished = 0

    def child_done(fut):
        nonlocal finished
        finished += 1
        if outer.done():
            if not fut.cancelled():
                fut.exception()  # retrieved: nobody will look
            return
        if not return_exceptions:
            if fut.cancelled():
                outer.set_exception(fut._make_cancelled_error())
                return
            exc = fut.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
        if finished == len(children):
            results = []
            for f in children:
                if f.cancelled():
                    # a fresh error from the future's own message, as
                    # CPython's gather builds it for its result slot
                    res = exceptions.CancelledError(
                        '' if f._cancel_message is None else f._cancel_message)
                else:
                    res = f.exception()
                    if res is None:
                        res = f.result()
                results.append(res)
            if outer._cancel_requested:
                if not DELIBERATE['gather-message']:
                    exc = children[-1]._make_cancelled_error()
                elif fut.cancelled():
                    exc = fut._make_cancelled_error()
                else:
                    # CPython would make one from the stale message of a
                    # cancellation this child swallowed
                    exc = exceptions.CancelledError()
                outer.set_exception(exc)
            else:
                outer.set_result(results)

    for child in children:
        child.add_done_callback(child_done)
    return outer


class Condition313(asyncio.Condition):
    async def wait(self):
        if not self.locked():
            raise RuntimeError('cannot wait on un-acquired lock')
        fut = self._get_loop().create_future()
        self.release()
        try:
            try:
                self._waiters.append(fut)
                try:
                    await fut
                    return True
                finally:
                    self._waiters.remove(fut)
            finally:
                # The lock comes back whatever happened; a cancellation
                # while re-acquiring is remembered and re-raised after.
                last = None
                while True:
                    try:
                        await self.acquire()
                        break
                    except exceptions.CancelledError as e:
                        last = e
                if last is not None:
                    try:
                        raise last
                    finally:
                        last = None
        except BaseException:
            # We may have consumed a notification we cannot act on: hand
            # one to another waiter (a spurious wake-up is allowed).
            self._notify_n(1)
            raise

    def _notify_n(self, n):
        woken = 0
        for fut in self._waiters:
            if woken >= n:
                break
            if not fut.done():
                woken += 1
                fut.set_result(False)

    def notify(self, n=1):
        if not self.locked():
            raise RuntimeError('cannot notify on un-acquired lock')
        self._notify_n(n)


class Semaphore313(asyncio.Semaphore):
    async def acquire(self):
        if not self.locked():
            self._value -= 1
            return True
        if self._waiters is None:
            self._waiters = collections.deque()
        fut = self._get_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except exceptions.CancelledError:
            if fut.done() and not fut.cancelled():
                # we were handed a permit we will not use: give it back
                self._value += 1
            raise
        finally:
            # waiters that queued behind us while permits were free
            while self._value > 0:
                if not self._wake_up_next():
                    break
        return True

    def _wake_up_next(self):
        if not self._waiters:
            return False
        for fut in self._waiters:
            if not fut.done():
                self._value -= 1
                fut.set_result(True)
                return True
        return False


class BoundedSemaphore313(Semaphore313):
    def __init__(self, value=1):
        self._bound_value = value
        super().__init__(value)

    def release(self):
        if self._value >= self._bound_value:
            raise ValueError('BoundedSemaphore released too many times')
        super().release()


class Barrier313(asyncio.Barrier):
    def __init__(self, parties):
        super().__init__(parties)
        self._cond = Condition313()


if PY313:
    QueueShutDown = asyncio.QueueShutDown
else:
    class QueueShutDown(Exception):
        """Raised by put/get on a queue that was shut down."""


class _ShutdownMixin:
    """Queue.shutdown() and the shutdown checks of 3.13's put/get."""

    def _init(self, maxsize):
        super()._init(maxsize)
        self._is_shutdown = False

    async def put(self, item):
        while self.full():
            if self._is_shutdown:
                raise QueueShutDown
            putter = self._get_loop().create_future()
            self._putters.append(putter)
            try:
                await putter
            except:
                putter.cancel()
                try:
                    self._putters.remove(putter)
                except ValueError:
                    pass  # already taken off by a get or a shutdown
                if not self.full() and not putter.cancelled():
                    # woken for a free slot we will not use: pass it on
                    self._wakeup_next(self._putters)
                raise
        return self.put_nowait(item)

    def put_nowait(self, item):
        if self._is_shutdown:
            raise QueueShutDown
        return super().put_nowait(item)

    async def get(self):
        while self.empty():
            if self._is_shutdown:
                raise QueueShutDown
            getter = self._get_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except:
                getter.cancel()
                try:
                    self._getters.remove(getter)
                except ValueError:
                    pass
                if not self.empty() and not getter.cancelled():
                    self._wakeup_next(self._getters)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if self.empty() and self._is_shutdown:
            raise QueueShutDown
        return super().get_nowait()

    def shutdown(self, immediate=False):
        self._is_shutdown = True
        if immediate:
            # drop what is queued, counting each item as processed
            while not self.empty():
                self._get()
                if self._unfinished_tasks > 0:
                    self._unfinished_tasks -= 1
            if self._unfinished_tasks == 0:
                self._finished.set()
        # every blocked getter and putter re-checks and raises
        while self._getters:
            g = self._getters.popleft()
            if not g.done():
                g.set_result(None)
        while self._putters:
            p = self._putters.popleft()
            if not p.done():
                p.set_result(None)


if PY313:
    Queue313, LifoQueue313, PriorityQueue313 = (
        asyncio.Queue, asyncio.LifoQueue, asyncio.PriorityQueue)
else:
    class Queue313(_ShutdownMixin, asyncio.Queue):
        pass

    class LifoQueue313(_ShutdownMixin, asyncio.LifoQueue):
        pass

    class PriorityQueue313(_ShutdownMixin, asyncio.PriorityQueue):
        pass


class TaskGroup313:
    """asyncio.TaskGroup as of CPython 3.13, plus cancel() (CPython main).

    Children live in a dict (insertion order) where CPython uses a set; see
    the module docstring."""

    def __init__(self):
        self._entered = False
        self._exiting = False
        self._aborting = False
        self._loop = None
        self._parent_task = None
        self._parent_cancel_requested = False
        self._tasks = {}
        self._errors = []
        self._on_completed_fut = None
        self._cancel_on_enter = False

    async def __aenter__(self):
        if self._entered:
            raise RuntimeError('TaskGroup has already been entered')
        self._loop = asyncio.get_running_loop()
        self._parent_task = asyncio.current_task()
        if self._parent_task is None:
            raise RuntimeError('TaskGroup cannot determine the parent task')
        self._entered = True
        if self._cancel_on_enter:
            self.cancel()
        return self

    async def __aexit__(self, et, exc, tb):
        self._exiting = True
        propagate = exc if (et is not None and
                            issubclass(et, exceptions.CancelledError)) else None
        if et is not None and not self._aborting:
            # the body failed or its task is being cancelled
            self._abort()
        pending = None
        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except exceptions.CancelledError as ex:
                pending = ex
                if not self._aborting:
                    # cancelled from outside while waiting for children
                    propagate = ex
                    self._abort()
            self._on_completed_fut = None

        if self._parent_cancel_requested:
            # we cancelled the parent once; take that back
            if self._parent_task.uncancel() == 0:
                propagate = None
            elif propagate is None:
                # what is left is somebody else's cancellation (gh-155433)
                propagate = pending

        body_failed = et is not None and not issubclass(
            et, exceptions.CancelledError)
        if propagate is not None and not self._errors and not (
                body_failed and DELIBERATE['group-body-error']):
            raise propagate

        if et is not None and not issubclass(et, exceptions.CancelledError):
            self._errors.append(exc)

        if self._errors:
            # keep an outside cancellation pending, its count unchanged
            if self._parent_task.cancelling():
                self._parent_task.uncancel()
                self._parent_task.cancel()
            errors = self._errors
            self._errors = []
            raise BaseExceptionGroup('unhandled errors in a TaskGroup', errors)
        return True

    def create_task(self, coro, *, name=None):
        if not self._entered:
            coro.close()
            raise RuntimeError('TaskGroup has not been entered')
        if self._exiting and not self._tasks:
            coro.close()
            raise RuntimeError('TaskGroup is finished')
        if self._aborting:
            coro.close()
            raise RuntimeError('TaskGroup is shutting down')
        task = self._loop.create_task(coro, name=name)
        self._tasks[task] = None
        task.add_done_callback(self._on_task_done)
        return task

    def _abort(self):
        self._aborting = True
        for t in list(self._tasks):
            if not t.done():
                t.cancel()

    def _on_task_done(self, task):
        self._tasks.pop(task, None)
        if self._on_completed_fut is not None and not self._tasks:
            if not self._on_completed_fut.done():
                self._on_completed_fut.set_result(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self._errors.append(exc)
        if self._parent_task.done():
            return
        if not self._aborting and not self._parent_cancel_requested:
            self._abort()
            self._parent_cancel_requested = True
            self._parent_task.cancel()

    def cancel(self):
        if not self._entered:
            self._cancel_on_enter = True
            return
        if self._exiting and not self._tasks:
            return
        if not self._aborting:
            self._abort()
            if self._parent_task and not self._parent_cancel_requested:
                self._parent_cancel_requested = True
                self._parent_task.cancel()
