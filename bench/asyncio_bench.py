"""asyncio_bench.py - the Tide workloads (bench/tidebench.c) in CPython asyncio.

    python3 bench/asyncio_bench.py pingpong [switches] [reps] [sleep|queue]
    python3 bench/asyncio_bench.py spawn [tasks] [reps] [join|gather]
    python3 bench/asyncio_bench.py queue [items] [reps]
    python3 bench/asyncio_bench.py sleepers [tasks] [reps]

Same shape as the C program: one warm-up repetition, then the best of
`reps`; the last line printed is `BENCH {json}` for bench/run.mjs.

Memory per pending (or sleeping) task is measured two ways, like the C side:
  own_bytes   tracemalloc: bytes requested from Python's allocators while the
              tasks are created (objects only, no allocator overhead); taken
              in a separate pass because tracing slows allocation down.
  heap_bytes  growth of the resident set (/proc/self/statm) during the first,
              cold spawn: what the process really paid, pymalloc arenas and
              all.
The garbage collector stays on, as in any real program: its passes over a
million live tasks are part of what asyncio costs.
"""

import asyncio
import gc
import json
import os
import sys
import time
import tracemalloc


def rss_bytes():
    """Resident set size, or -1 where /proc is missing."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return -1


async def yielder(n):
    # asyncio.sleep(0) is asyncio's documented "yield to the loop": a bare
    # yield that puts the task back on the ready queue, as tide_sleep(0) does.
    for _ in range(n):
        await asyncio.sleep(0)


async def passer(inq, outq, serves, n):
    # One end of the channel ping-pong (tidebench.c's passer): with both
    # queues bounded at 1 and one token, only its holder is ever ready, so
    # each hand-over is one wake-up through a queue and one task switch.
    token = "token"
    for _ in range(n):
        if not serves:
            token = await inq.get()
        await outq.put(token)
        if serves:
            token = await inq.get()
    assert token == "token"


async def trivial():
    pass


def best_and_warm(times):
    """Repetition times, warm-up first -> (best timed one, warm-up)."""
    return min(times[1:]), times[0]


async def pingpong(n, reps, via_queue):
    ab = asyncio.Queue(maxsize=1)
    ba = asyncio.Queue(maxsize=1)
    times = []
    for _ in range(reps + 1):
        t0 = time.perf_counter_ns()
        if via_queue:
            a = asyncio.create_task(passer(ba, ab, True, n // 2))
            b = asyncio.create_task(passer(ab, ba, False, n // 2))
        else:
            a = asyncio.create_task(yielder(n // 2))
            b = asyncio.create_task(yielder(n // 2))
        await a
        await b
        times.append(time.perf_counter_ns() - t0)
    best, warm = best_and_warm(times)
    return {
        "workload": "pingpong",
        "mechanism": "two asyncio.Queue(maxsize=1)" if via_queue else "asyncio.sleep(0)",
        "n": n,
        "reps": reps,
        "ns_per_switch": best / n,
        "warmup_ns_per_switch": warm / n,
    }


async def producer(q, n):
    # 1..n: their sum tells the consumer whether one went missing
    for i in range(1, n + 1):
        await q.put(i)


async def consumer(q, n):
    total = 0
    for _ in range(n):
        total += await q.get()
    assert total == n * (n + 1) // 2


async def queue_throughput(n, reps):
    q = asyncio.Queue(maxsize=1)
    times = []
    for _ in range(reps + 1):
        t0 = time.perf_counter_ns()
        p = asyncio.create_task(producer(q, n))
        c = asyncio.create_task(consumer(q, n))
        await p
        await c
        times.append(time.perf_counter_ns() - t0)
    best, warm = best_and_warm(times)
    return {
        "workload": "queue",
        "mechanism": "asyncio.Queue(maxsize=1)",
        "n": n,
        "reps": reps,
        "ns_per_item": best / n,
        "warmup_ns_per_item": warm / n,
    }


def sleeper_delay(i):
    # tidebench.c's sleeper_delay (why these delays: see there): 1 ms plus
    # 0-999 us, scattered.
    return 1e-3 + ((i * 7919) % 1000) * 1e-6


async def sleeper(delay):
    await asyncio.sleep(delay)


async def sleepers_once(n, tasks, probe=None):
    """Spawns n sleepers, lets them all fall asleep, runs probe (its time
    is left out), joins each; returns (total ns, probe result)."""
    create = asyncio.create_task
    t0 = time.perf_counter_ns()
    for i in range(n):
        tasks[i] = create(sleeper(sleeper_delay(i)))
    # The sleepers' first steps are queued ahead of this task's: when it
    # resumes, every one of them sleeps.
    await asyncio.sleep(0)
    measured = None
    if probe:
        p0 = time.perf_counter_ns()
        measured = probe()
        t0 += time.perf_counter_ns() - p0
    for t in tasks:
        await t
    for i in range(n):
        tasks[i] = None
    return time.perf_counter_ns() - t0, measured


async def sleepers(n, reps):
    tasks = [None] * n
    gc.collect()
    rss0 = rss_bytes()
    times = []
    heap_bytes = -1
    for rep in range(reps + 1):
        if rep == 0:
            total, rss1 = await sleepers_once(n, tasks, rss_bytes)
            if rss0 >= 0:
                heap_bytes = (rss1 - rss0) / n
        else:
            total, _ = await sleepers_once(n, tasks)
        times.append(total)
    best, warm = best_and_warm(times)
    # tracemalloc pass: untimed.
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _, traced = await sleepers_once(
        n, tasks, lambda: tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    return {
        "workload": "sleepers",
        "clock": "real",
        "n": n,
        "reps": reps,
        "ns_per_task": best / n,
        "warmup_ns_per_task": warm / n,
        "own_bytes_per_task": (traced - base) / n,
        "own_method": "tracemalloc",
        "heap_bytes_per_task": heap_bytes,
        "heap_method": "RSS growth, cold heap",
    }


async def spawn_once(n, gather, tasks, probe=None):
    """Spawns n trivial tasks into the pre-sized list, waits for them, and
    returns (total ns, spawn ns, probe result taken while all pending)."""
    create = asyncio.create_task
    t0 = time.perf_counter_ns()
    for i in range(n):
        tasks[i] = create(trivial())
    spawn_ns = time.perf_counter_ns() - t0
    measured = probe() if probe else None
    t1 = time.perf_counter_ns()
    if gather:
        await asyncio.gather(*tasks)
    else:
        for t in tasks:
            await t
    # Dropping the handles frees the tasks, as tide_task_release does in C.
    for i in range(n):
        tasks[i] = None
    return spawn_ns + time.perf_counter_ns() - t1, spawn_ns, measured


async def spawn(n, reps, gather):
    # The handle list belongs to the benchmark, not to the tasks: size it
    # before any measurement.
    tasks = [None] * n
    gc.collect()
    rss0 = rss_bytes()
    best = None
    best_spawn = None
    warm = None
    heap_bytes = -1
    for rep in range(reps + 1):
        if rep == 0:
            total, spawn_ns, rss1 = await spawn_once(n, gather, tasks, rss_bytes)
            warm = total
            if rss0 >= 0:
                heap_bytes = (rss1 - rss0) / n
            continue
        total, spawn_ns, _ = await spawn_once(n, gather, tasks)
        if best is None or total < best:
            best, best_spawn = total, spawn_ns
    # tracemalloc pass: untimed.
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _, _, traced = await spawn_once(
        n, gather, tasks, lambda: tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    return {
        "workload": "spawn",
        "mode": "gather" if gather else "join",
        "n": n,
        "reps": reps,
        "ns_per_task": best / n,
        "spawn_ns_per_task": best_spawn / n,
        "warmup_ns_per_task": warm / n,
        "own_bytes_per_task": (traced - base) / n,
        "own_method": "tracemalloc",
        "heap_bytes_per_task": heap_bytes,
        "heap_method": "RSS growth, cold heap",
    }


# name: (default n, variants: the first is the default)
WORKLOADS = {
    "pingpong": (200_000, ("sleep", "queue")),
    "spawn": (1_000_000, ("join", "gather")),
    "queue": (100_000, (None,)),
    "sleepers": (100_000, ("real",)),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in WORKLOADS:
        print(__doc__, file=sys.stderr)
        return 2
    what = argv[1]
    default_n, variants = WORKLOADS[what]
    n = int(argv[2]) if len(argv) > 2 else default_n
    reps = int(argv[3]) if len(argv) > 3 else 3
    mode = argv[4] if len(argv) > 4 else variants[0]
    if mode not in variants:
        print(__doc__, file=sys.stderr)
        return 2
    if what == "pingpong":
        r = asyncio.run(pingpong(n, reps, mode == "queue"))
        print(f"cpython pingpong: {n} switches ({r['mechanism']}), best of {reps}: "
              f"{r['ns_per_switch']:.1f} ns/switch")
    elif what == "queue":
        r = asyncio.run(queue_throughput(n, reps))
        print(f"cpython queue: {n} items through asyncio.Queue(maxsize=1), "
              f"best of {reps}: {r['ns_per_item']:.1f} ns/item")
    elif what == "sleepers":
        r = asyncio.run(sleepers(n, reps))
        print(f"cpython sleepers: {n} tasks sleeping 1-2 ms (real clock), best of {reps}: "
              f"{r['ns_per_task']:.1f} ns/task; "
              f"{r['own_bytes_per_task']:.0f} traced bytes/task, "
              f"{r['heap_bytes_per_task']:.0f} RSS bytes/task")
    else:
        r = asyncio.run(spawn(n, reps, mode == "gather"))
        print(f"cpython spawn+{mode}: {n} tasks, best of {reps}: "
              f"{r['ns_per_task']:.1f} ns/task (spawn {r['spawn_ns_per_task']:.1f}); "
              f"{r['own_bytes_per_task']:.0f} traced bytes/task, "
              f"{r['heap_bytes_per_task']:.0f} RSS bytes/task")
    r["host"] = "cpython"
    r["version"] = sys.version.split()[0]
    print("BENCH " + json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
