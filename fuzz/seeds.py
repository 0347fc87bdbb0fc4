#!/usr/bin/env python3
"""seeds.py - write the hand-made seed inputs of fuzz/fuzz_ops.c.

    python3 fuzz/seeds.py fuzz/corpus

Each seed is a small, meaningful program (producer and consumer on a queue,
tasks contending for a lock, a task group with a failing child...) written
with a tiny assembler, so that the committed corpus reaches every operation
from the start and the fuzzer mutates programs that already do something.
The operation numbers are read from the OPS(X) list in fuzz_ops.c, so the
two cannot drift apart. Seeds are named seed-<what>; files the fuzzer found
are kept beside them under their hash names.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def read_ops():
    src = open(os.path.join(HERE, "fuzz_ops.c")).read()
    body = re.search(r"#define OPS\(X\)(.*?)\n\n", src, re.S).group(1)
    return {name: i for i, name in enumerate(re.findall(r"X\((\w+)\)", body))}


OPS = read_ops()

# policy bits (enum P_* in fuzz_ops.c)
RERAISE_CANCEL, RERAISE_ERROR, UNCANCEL, RELEASE = 1, 2, 4, 8
GROUP_EXIT, NAMED, GROUPS = 16, 32, 64
ASYNCIO = RERAISE_CANCEL | RERAISE_ERROR | RELEASE  # what asyncio code does

# indices into the delay table of fuzz_ops.c
D0, DNEG, D1MS, D10MS, D500MS, D1, D3 = 0, 1, 2, 3, 4, 5, 6
DINF, DNAN, D250MS = 10, 12, 15


def op(name, a=0, b=0, c=0):
    return bytes([OPS[name], a & 255, b & 255, c & 255])


def script(policy, *ops):
    return bytes([policy]) + b"".join(ops)


def spawn(child, detached=False):
    """SPAWN takes the next 1 + a % 48 bytes as the child's script."""
    assert 1 <= len(child) <= 48, len(child)
    return op("SPAWN", len(child) - 1, 1 if detached else 0) + child


def group_spawn(group, child):
    assert 1 <= len(child) <= 48, len(child)
    return op("GROUP_SPAWN", group, len(child) - 1) + child


def header(mode=0, fail_at=0, burst=0, sems=0b0101, parties=2, qmax=(2, 1, 0)):
    """mode: bits 0-1 allocation failures, bit 2 debug, bit 3 destroy the
    primitives first. sems: sem[0] value (bits 0-1), sem[1] 1 or 2 (bit 2).
    parties: barrier parties 1..4. qmax: bounds of the three queues."""
    shape = (sems & 7) | ((parties - 1) & 3) << 3
    shape2 = (qmax[0] & 3) | (qmax[1] & 1) << 2 | (qmax[2] & 3) << 3
    return bytes([mode, fail_at & 255, fail_at >> 8 & 255, burst, shape, shape2])


SEEDS = {}


def seed(name, main, **hdr):
    SEEDS[name] = header(**hdr) + main


# ---- tasks and waiting --------------------------------------------------

sleeper = script(ASYNCIO, op("SLEEP", D1), op("RETURN"))
thrower = script(ASYNCIO, op("SLEEP", D10MS), op("THROW", 1, 2))
yielder = script(0, op("YIELD"), op("YIELD"))

seed("sleep", script(0, op("SLEEP", D0), op("SLEEP", DNEG), op("SLEEP", D1MS),
                     op("SLEEP", DNAN), op("YIELD"), op("SLEEP", D3)))
seed("join", script(ASYNCIO, spawn(sleeper), op("JOIN", 1), op("JOIN", 1),
                    op("JOIN", 0, 1), op("INSPECT", 1, 3)))
seed("gather", script(0, spawn(sleeper), spawn(thrower), spawn(yielder),
                      op("GATHER", 1, 0b000111, 1),
                      op("GATHER", 1, 0b000111, 0),
                      op("GATHER", 1, 0b000011, 2)))
seed("wait", script(0, spawn(sleeper), spawn(thrower),
                    op("WAIT", 1, 0b11, 1 | DINF << 2),
                    op("WAIT", 1, 0b11, 2 | D500MS << 2),
                    op("WAIT", 1, 0b11, 3 | DINF << 2),
                    op("WAIT", 1, 0b11, 0)))
seed("wait-for", script(0, spawn(sleeper), spawn(yielder),
                        op("WAIT_FOR", 1, D500MS), op("WAIT_FOR", 2, DINF),
                        op("WAIT_FOR", 1, D0)))
seed("shield", script(RERAISE_ERROR, spawn(sleeper),
                      op("TMO_ENTER", D500MS), op("SHIELD", 1),
                      op("TMO_EXIT"), op("JOIN", 1)))

# ---- cancellation and timeouts ------------------------------------------

swallower = script(UNCANCEL, op("SLEEP", D3), op("SLEEP", D1), op("YIELD"))
seed("cancel", script(0, spawn(sleeper), spawn(swallower), op("YIELD"),
                      op("CANCEL", 1, 1), op("CANCEL", 2), op("UNCANCEL", 2),
                      op("INSPECT", 2), op("JOIN", 1), op("JOIN", 2),
                      op("CANCEL_SELF", 1), op("UNCANCEL_SELF"),
                      op("SLEEP", D10MS), op("CANCEL_SELF"), op("YIELD")))
seed("timeout", script(0, op("TMO_ENTER", D500MS), op("SLEEP", D3),
                       op("TMO_EXIT"), op("TMO_ENTER", D3, 1),
                       op("TMO_RESCHEDULE", D10MS), op("SLEEP", D1),
                       op("TMO_EXIT"), op("TMO_EXIT"),
                       op("TMO_ENTER", DINF), op("TMO_ENTER", D1MS),
                       op("SLEEP", D1), op("TMO_EXIT", 0, 1), op("TMO_EXIT")))

# ---- task groups ----------------------------------------------------------

seed("group", script(GROUPS | GROUP_EXIT, op("GROUP_CREATE"),
                     group_spawn(0, sleeper), group_spawn(0, yielder),
                     op("SLEEP", D10MS), op("GROUP_EXIT", 0, 1)))
seed("group-fails", script(GROUPS, op("GROUP_CREATE"),
                           group_spawn(0, thrower), group_spawn(0, sleeper),
                           op("SLEEP", D3), op("GROUP_EXIT", 0, 1),
                           op("GROUP_SPAWN", 0, 0) + b"\x00"))
seed("group-cancel", script(GROUPS | GROUP_EXIT, op("GROUP_CREATE"),
                            op("GROUP_CREATE"), group_spawn(1, sleeper),
                            op("YIELD"), op("GROUP_CANCEL", 1),
                            op("GROUP_EXIT", 0, 1), op("GROUP_EXIT", 0, 0),
                            op("GROUP_CANCEL", 0)))

# ---- locks, semaphores, events, conditions, barriers ------------------------

locker = script(ASYNCIO, op("LOCK_ACQUIRE", 0), op("SLEEP", D10MS),
                op("LOCK_RELEASE", 0))
seed("lock", script(0, spawn(locker), spawn(locker), spawn(locker),
                    op("YIELD"), op("CANCEL", 2), op("LOCK_RELEASE", 1),
                    op("LOCK_ACQUIRE", 1), op("LOCK_RELEASE", 1),
                    op("GATHER", 1, 0b111, 1)))
semmer = script(ASYNCIO, op("SEM_ACQUIRE", 0), op("SLEEP", D10MS),
                op("SEM_RELEASE", 0))
seed("sem", script(0, spawn(semmer), spawn(semmer), spawn(semmer),
                   op("SEM_RELEASE", 1), op("SEM_RELEASE", 1),
                   op("SEM_ACQUIRE", 1), op("SEM_RELEASE", 1),
                   op("GATHER", 1, 0b111, 1)), sems=0b0001)
waiter = script(0, op("EVENT_WAIT", 0), op("EVENT_WAIT", 1))
seed("event", script(0, spawn(waiter), spawn(waiter), op("YIELD"),
                     op("EVENT_SET", 0), op("EVENT_CLEAR", 0),
                     op("SLEEP", D10MS), op("EVENT_SET", 1),
                     op("GATHER", 1, 0b11, 1)))
condwaiter = script(RELEASE, op("COND_ACQUIRE", 0), op("COND_WAIT", 0),
                    op("COND_RELEASE", 0))
condpred = script(RELEASE, op("COND_ACQUIRE", 1), op("COND_WAIT_FOR", 1),
                  op("COND_RELEASE", 1))
seed("cond", script(0, spawn(condwaiter), spawn(condwaiter), spawn(condpred),
                    op("YIELD"), op("COND_ACQUIRE", 0), op("COND_NOTIFY", 0, 1),
                    op("COND_RELEASE", 0), op("SLEEP", D10MS),
                    op("COND_ACQUIRE", 0), op("COND_NOTIFY_ALL", 0),
                    op("COND_RELEASE", 0), op("COND_NOTIFY", 0),
                    op("FLAG", 0), op("COND_ACQUIRE", 1),
                    op("COND_NOTIFY_ALL", 1), op("COND_RELEASE", 1),
                    op("COND_WAIT", 0), op("GATHER", 1, 0b111, 1)))
barwaiter = script(0, op("BARRIER_WAIT"), op("BARRIER_WAIT", 1))
seed("barrier", script(0, spawn(barwaiter), spawn(barwaiter), spawn(barwaiter),
                       op("SLEEP", D10MS), op("BARRIER_RESET"), op("YIELD"),
                       op("BARRIER_ABORT"), op("BARRIER_WAIT"),
                       op("GATHER", 1, 0b111, 1)), parties=3)

# ---- queues -----------------------------------------------------------------

producer = script(ASYNCIO, op("Q_PUT", 0), op("Q_PUT", 0), op("Q_PUT", 0),
                  op("Q_PUT", 2), op("Q_PUT", 2), op("Q_PUT", 1))
consumer = script(0, op("Q_GET", 0), op("Q_TASK_DONE", 0), op("Q_GET", 0),
                  op("Q_TASK_DONE", 0), op("Q_GET", 0), op("Q_TASK_DONE", 0),
                  op("Q_GET", 2), op("Q_GET", 2), op("Q_GET", 1))
seed("queue", script(0, spawn(producer), spawn(consumer), op("Q_JOIN", 0),
                     op("Q_PUT_NOWAIT", 1), op("Q_PUT_NOWAIT", 1),
                     op("Q_GET_NOWAIT", 1), op("Q_TASK_DONE", 1),
                     op("Q_TASK_DONE", 1), op("Q_TASK_DONE", 1),
                     op("GATHER", 1, 0b11, 1)))
seed("queue-shutdown", script(0, spawn(consumer), op("Q_PUT_NOWAIT", 0),
                              op("Q_PUT_NOWAIT", 0), op("Q_SHUTDOWN", 0),
                              op("Q_PUT_NOWAIT", 0), op("Q_PUT_NOWAIT", 2),
                              op("Q_PUT_NOWAIT", 2), op("Q_SHUTDOWN", 2, 1),
                              op("Q_GET_NOWAIT", 2), op("Q_JOIN", 2),
                              op("Q_GET", 0, 1), op("JOIN", 1)),
     qmax=(3, 1, 2))

# ---- callbacks, introspection, misuse, stop -----------------------------------

seed("callbacks", script(0, spawn(waiter), op("CALL", 0, 0x00),
                         op("CALL", 1 | D10MS << 2, 0x10),
                         op("CALL", 2 | D500MS << 2, 0x07),
                         op("CALL", 1 | D1 << 2, 0x01), op("HANDLE_CANCEL", 3),
                         op("CALL", 1 | DNAN << 2, 0x02), op("CALL", 0, 0x05, 1),
                         op("SLEEP", D1), op("JOIN", 1)))
seed("inspect", script(NAMED, spawn(sleeper), spawn(locker), op("YIELD"),
                       op("INSPECT", 0, 3), op("INSPECT", 1, 2),
                       op("INSPECT", 2, 0), op("JOIN", 1), op("INSPECT", 1, 1),
                       op("THROW")), mode=4)
seed("recreate", script(0, op("RECREATE", 0, 1), op("RECREATE", 1, 1),
                        op("RECREATE", 2, 0), op("RECREATE", 3, 1),
                        op("RECREATE", 4, 1), op("RECREATE", 5, 1),
                        op("RECREATE", 13, 0), op("EVENT_SET", 0),
                        op("RECREATE", 2, 1), op("LOCK_ACQUIRE", 1),
                        op("Q_PUT_NOWAIT", 2)), mode=8)
seed("misuse", script(0, *[op("MISUSE", i) for i in range(8)]))
seed("stop", script(0, spawn(sleeper), spawn(waiter), op("YIELD"),
                    op("STOP"), op("SLEEP", D1)))
seed("deadlock", script(RERAISE_CANCEL, spawn(waiter), spawn(locker),
                        op("LOCK_ACQUIRE", 0), op("EVENT_WAIT", 1)))
seed("return-throw", script(0, spawn(script(0, op("RETURN"), op("SLEEP", D1))),
                            spawn(script(0, op("THROW", 0))), op("JOIN", 1),
                            op("JOIN", 2), op("THROW", 1, 1)))

# ---- the same programs with allocations failing ---------------------------------

for name in ["join", "gather", "wait", "group-fails", "cond", "queue", "timeout",
             "callbacks"]:
    body = SEEDS[name][6:]
    SEEDS[f"{name}-oom-once"] = header(mode=1, fail_at=20) + body
    SEEDS[f"{name}-oom-random"] = header(mode=3, fail_at=5, burst=6) + body
    SEEDS[f"{name}-oom-burst"] = header(mode=2 | 4, fail_at=30, burst=3) + body


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, f"seed-{name}"), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds written to {out}")


if __name__ == "__main__":
    main()
