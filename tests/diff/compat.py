"""compat.py - what the twin interpreter adds to CPython 3.13's asyncio.

The twin runs on the real CPython 3.13 (tools/cpython313 finds it) and uses
its asyncio as it is, except for what Tide does on purpose differently
(docs/differences.md), each kept as small as it can be:

  TaskGroup   TaskGroup.cancel() from CPython main (3.15), with the exit
              logic it needs from there (gh-155433), the switch
              DELIBERATE['group-body-error'], and children kept in creation
              order (CPython keeps them in a set: the order in which an
              abort cancels them is unspecified there; creation order is
              Tide's, and any order conforms).
  gather      asyncio.gather itself, with the message of a cancelled gather
              chosen as Tide does (DELIBERATE['gather-message']).

Deliberate differences that change what happens next, not just how a line
reads, are switches in DELIBERATE: on (the default) the twin does what Tide
does for exactly that case; off (fuzz.py --strict) it is plain CPython.
"""
import asyncio
import sys
from asyncio import exceptions

if sys.version_info[:2] != (3, 13):
    sys.exit('tests/diff needs CPython 3.13 (this is %s): run it with '
             'tools/cpython313, or install 3.13 (pyenv install 3.13.0)'
             % sys.version.split()[0])

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


async def gather(*children, return_exceptions=False):
    """await asyncio.gather(*children, ...); see DELIBERATE['gather-message'].

    The gather is CPython's, callback for callback. Only when it ends
    cancelled because the awaiting task was cancelled does the message
    change: a watcher after gather's own callback on each child notes the
    child whose callback completed the gather (callbacks of one child run
    back to back, so the first watcher to see the gather done is that
    child's). Watchers change no order: they add ready callbacks that do
    nothing observable."""
    outer = asyncio.gather(*children, return_exceptions=return_exceptions)
    if not DELIBERATE['gather-message'] or outer.done():
        return await outer
    ending = None

    def watch(fut):
        nonlocal ending
        if ending is None and outer.done():
            ending = fut

    watched = [c for c in dict.fromkeys(children) if not c.done()]
    for c in watched:
        c.add_done_callback(watch)
    try:
        return await outer
    except exceptions.CancelledError as e:
        if (ending is None or not outer._cancel_requested or
                outer.exception() is not e):
            raise  # not the end of a cancelled gather
        if not return_exceptions and ending.cancelled():
            raise  # ended by that child's cancellation: its own error
        if ending.cancelled():
            if ending is children[-1]:
                raise  # CPython asked the right child
            raise ending._make_cancelled_error() from None
        # it did not end cancelled: CPython makes an error from the stale
        # message of a cancellation its last child swallowed
        raise exceptions.CancelledError() from None
    finally:
        for c in watched:
            c.remove_done_callback(watch)


class _CreationOrder(dict):
    """The set operations TaskGroup uses, iterating in insertion order."""

    def add(self, item):
        self[item] = None

    def discard(self, item):
        self.pop(item, None)


class TaskGroup(asyncio.TaskGroup):
    """asyncio.TaskGroup of 3.13 plus cancel() as in CPython main."""

    def __init__(self):
        super().__init__()
        self._tasks = _CreationOrder()
        self._cancel_on_enter = False

    async def __aenter__(self):
        await super().__aenter__()
        if self._cancel_on_enter:
            self.cancel()
        return self

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

    async def __aexit__(self, et, exc, tb):
        # CPython main's exit; the programs raise no SystemExit or
        # KeyboardInterrupt, so its base-error paths are left out.
        self._exiting = True
        if et is not None and issubclass(et, exceptions.CancelledError):
            propagate = exc
        else:
            propagate = None
        if et is not None and not self._aborting:
            self._abort()  # the body failed or its task is being cancelled
        pending = None
        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except exceptions.CancelledError as ex:
                pending = ex
                if not self._aborting:
                    propagate = ex  # cancelled from outside meanwhile
                    self._abort()
            self._on_completed_fut = None

        if self._parent_cancel_requested:
            if self._parent_task.uncancel() == 0:
                propagate = None
            elif propagate is None:
                propagate = pending  # somebody else's (gh-155433)

        body_failed = et is not None and not issubclass(
            et, exceptions.CancelledError)
        if propagate is not None and not self._errors and not (
                body_failed and DELIBERATE['group-body-error']):
            raise propagate

        if body_failed:
            self._errors.append(exc)
        if self._errors:
            # an outside cancellation stays pending, its count unchanged
            if self._parent_task.cancelling():
                self._parent_task.uncancel()
                self._parent_task.cancel()
            errors, self._errors = self._errors, None
            raise BaseExceptionGroup('unhandled errors in a TaskGroup',
                                     errors) from None
        self._errors = None
        return True
