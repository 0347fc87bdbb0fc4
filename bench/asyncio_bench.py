"""asyncio_bench.py - the Tide workloads (bench/tidebench.c) in CPython asyncio.

    python3 bench/asyncio_bench.py pingpong [switches] [reps]
    python3 bench/asyncio_bench.py spawn [tasks] [reps] [join|gather]

Same shape as the C program: one warm-up repetition, then the best of
`reps`; the last line printed is `BENCH {json}` for bench/run.mjs.

Memory per pending task is measured two ways, like the C side:
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


async def trivial():
    pass


async def pingpong(n, reps):
    best = None
    warm = None
    for rep in range(reps + 1):
        t0 = time.perf_counter_ns()
        a = asyncio.create_task(yielder(n // 2))
        b = asyncio.create_task(yielder(n // 2))
        await a
        await b
        dt = time.perf_counter_ns() - t0
        if rep == 0:
            warm = dt
        elif best is None or dt < best:
            best = dt
    return {
        "workload": "pingpong",
        "mechanism": "asyncio.sleep(0)",
        "n": n,
        "reps": reps,
        "ns_per_switch": best / n,
        "warmup_ns_per_switch": warm / n,
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


def main(argv):
    if len(argv) < 2 or argv[1] not in ("pingpong", "spawn"):
        print(__doc__, file=sys.stderr)
        return 2
    what = argv[1]
    n = int(argv[2]) if len(argv) > 2 else (200_000 if what == "pingpong" else 1_000_000)
    reps = int(argv[3]) if len(argv) > 3 else 3
    mode = argv[4] if len(argv) > 4 else "join"
    if mode not in ("join", "gather"):
        print(__doc__, file=sys.stderr)
        return 2
    if what == "pingpong":
        r = asyncio.run(pingpong(n, reps))
        print(f"cpython pingpong: {n} switches (asyncio.sleep(0)), best of {reps}: "
              f"{r['ns_per_switch']:.1f} ns/switch")
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
