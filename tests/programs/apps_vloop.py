"""A virtual clock for the Python twins of tests/programs/app_*.c (run by
tests/js/apps.test.mjs): as Tide's TIDE_CLOCK=virtual, time starts at 0
and, when nothing is ready, jumps to the next timer. No I/O."""
import asyncio


class VirtualLoop(asyncio.BaseEventLoop):
    def __init__(self):
        super().__init__()
        self._now = 0.0
        self._clock_resolution = 1e-6  # Tide's; 1 ns vanishes in a float
        self._selector = self

    def time(self):
        return self._now

    def select(self, timeout):
        if timeout is None:
            raise RuntimeError("deadlock: nothing ready and no timer")
        if timeout > 0:
            self._now = self._scheduled[0]._when  # land on the deadline
        return []

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


def run(main):
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()


def now():
    return asyncio.get_running_loop().time()
