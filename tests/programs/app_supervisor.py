# app_supervisor.py - the Python twin of app_supervisor.c (which see), run on
# CPython 3.13 with a virtual clock by tests/js/apps.test.mjs.
import asyncio
from apps_vloop import run, now

class Spec:
    def __init__(self, name, fail_times, period):
        self.name, self.fail_times, self.period = name, fail_times, period
        self.attempts = 0

async def job(spec):
    spec.attempts += 1
    await asyncio.sleep(spec.period)
    if spec.attempts <= spec.fail_times:
        raise RuntimeError(f"crashed on attempt {spec.attempts}")
    return f"ok after {spec.attempts} attempts"

class Supervisor:
    def __init__(self, max_restarts):
        self.max_restarts = max_restarts
        self.running = 0
        self.finished = asyncio.Event()

    def start(self, spec):
        task = asyncio.create_task(job(spec), name=spec.name)
        self.running += 1
        task.add_done_callback(lambda t: self.on_done(t, spec))

    def on_done(self, task, spec):
        self.running -= 1
        if task.cancelled():
            print(f"{now():.1f} {task.get_name()} cancelled")
        elif task.exception() is not None:
            print(f"{now():.1f} {task.get_name()} failed: {task.exception()}")
            if spec.attempts <= self.max_restarts:
                print(f"{now():.1f} restarting {spec.name}")
                self.start(spec)
            else:
                print(f"{now():.1f} giving up on {spec.name}")
        else:
            print(f"{now():.1f} {task.get_name()}: {task.result()}")
        if self.running == 0:
            self.finished.set()

async def main():
    sup = Supervisor(max_restarts=2)
    for spec in [Spec("db", 1, 0.5), Spec("cache", 0, 0.3), Spec("api", 5, 0.4)]:
        sup.start(spec)
    await sup.finished.wait()
    print(f"{now():.1f} all settled")

run(main())
