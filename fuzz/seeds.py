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

# ---- misuse: awaitables outside TIDE_AWAIT (STRAY) --------------------------------

# STRAY's a: how the next awaitable is called outside TIDE_AWAIT
DROPPED, TRY, RAISED, BY_HAND = 0, 1, 2, 3


def stray(shape, name, a=0, b=0, c=0):
    return op("STRAY", shape) + op(name, a, b, c)


# Per awaitable: what makes it register (wait) rather than complete at
# once, and the op itself. Task 1 is a sleeper where one is needed.
STRAY_SETUPS = {
    "SLEEP": ([], ("SLEEP", D1)),
    "YIELD": ([], ("YIELD",)),
    "JOIN": ([spawn(sleeper)], ("JOIN", 1)),
    "GATHER": ([spawn(sleeper)], ("GATHER", 1, 0b1, 1)),
    "WAIT": ([spawn(sleeper)], ("WAIT", 1, 0b1, 1 | DINF << 2)),
    "WAIT_FOR": ([spawn(sleeper)], ("WAIT_FOR", 1, D500MS)),
    "SHIELD": ([spawn(sleeper)], ("SHIELD", 1)),
    "GROUP_EXIT": ([op("GROUP_CREATE"), group_spawn(0, sleeper)],
                   ("GROUP_EXIT", 0, 1)),
    "LOCK_ACQUIRE": ([op("LOCK_ACQUIRE", 0)], ("LOCK_ACQUIRE", 0)),
    "SEM_ACQUIRE": ([], ("SEM_ACQUIRE", 0)),
    "EVENT_WAIT": ([], ("EVENT_WAIT", 0)),
    "COND_ACQUIRE": ([op("COND_ACQUIRE", 0)], ("COND_ACQUIRE", 0)),
    "COND_WAIT": ([op("COND_ACQUIRE", 0)], ("COND_WAIT", 0)),
    "COND_WAIT_FOR": ([op("COND_ACQUIRE", 1)], ("COND_WAIT_FOR", 1)),
    "BARRIER_WAIT": ([], ("BARRIER_WAIT",)),
    "Q_PUT": ([op("Q_PUT_NOWAIT", 1)], ("Q_PUT", 1)),
    "Q_GET": ([], ("Q_GET", 0)),
    "Q_JOIN": ([op("Q_PUT_NOWAIT", 0)], ("Q_JOIN", 0)),
}

for i, (name, (setup, call)) in enumerate(STRAY_SETUPS.items()):
    policy = GROUPS | RELEASE
    # refused: a second awaitable finds the registration (and undoes it)
    refused = script(policy, *setup, stray(DROPPED, *call), op("YIELD"),
                     op("INSPECT", 0))
    # at the end: the task ends (or raises) still registered, in main or
    # in a child that main joins
    shape = [DROPPED, TRY, RAISED][i % 3]
    at_end = script(policy, *setup, stray(shape, *call), op("FLAG"))
    slug = name.lower().replace("_", "-")
    seed(f"stray-{slug}", refused, sems=0b0100)
    seed(f"stray-{slug}-at-end", at_end, sems=0b0100)
    if len(at_end) <= 48:
        seed(f"stray-{slug}-child", script(0, spawn(at_end), op("JOIN", 1),
                                           op("INSPECT", 1)), sems=0b0100)

seed("stray-by-hand", script(0, op("TMO_ENTER", D3), op("STRAY", BY_HAND),
                             op("SLEEP", D1)))
seed("stray-by-hand-child", script(0, spawn(script(0, op("YIELD"),
                                                   op("STRAY", BY_HAND))),
                                   op("JOIN", 1)))
# handed over in the same step, then given back when found
seed("stray-handed", script(RELEASE, stray(DROPPED, "SEM_ACQUIRE", 0),
                            op("SEM_RELEASE", 0),
                            stray(DROPPED, "Q_GET", 0),
                            op("Q_PUT_NOWAIT", 0), op("YIELD"),
                            op("LOCK_ACQUIRE", 1),
                            stray(TRY, "LOCK_ACQUIRE", 1),
                            op("LOCK_RELEASE", 1), op("SLEEP", D1MS),
                            stray(DROPPED, "EVENT_WAIT", 1),
                            op("EVENT_SET", 1), op("RETURN")),
     sems=0b0100)
# registered twice by calls outside TIDE_AWAIT, a cancel in between
seed("stray-twice", script(0, stray(DROPPED, "SLEEP", D3), op("CANCEL_SELF"),
                           stray(RAISED, "YIELD"), op("SLEEP", D1),
                           op("UNCANCEL_SELF"), op("SLEEP", D1)))

# ---- misuse: TIDE_AWAIT_CALL nesting (NEST) -----------------------------------------

# c: bits 0-1 depth mode (0: 1 + a % 16, 1: MAX - a % 4, 2: MAX + 1 + a % 4,
# 3: 1 + (a | b << 8) % (MAX + 4)), bits 2-3 innermost action (yield, sleep,
# event wait, raise), bit 4 re-create level b % depth, bits 5-7 the sleep
YIELD_IN, SLEEP_IN, EVENT_IN, RAISE_IN = 0, 4, 8, 12
RECREATE = 16
seed("nest", script(0, op("NEST", 5, 0, 0 | YIELD_IN),
                    op("NEST", 3, 0, 0 | SLEEP_IN | D1 << 5),
                    op("NEST", 0, 0, 1 | YIELD_IN),
                    op("NEST", 0, 0, 2 | YIELD_IN),
                    op("NEST", 7, 0, 0 | RAISE_IN)))
seed("nest-recreate", script(0, op("NEST", 5, 3, 0 | YIELD_IN | RECREATE),
                             op("NEST", 5, 0, 0 | SLEEP_IN | D10MS << 5 |
                                RECREATE),
                             op("NEST", 2, 7, 1 | YIELD_IN | RECREATE),
                             op("NEST", 3, 1, 0 | RAISE_IN | RECREATE)))
# b bit 7: fat levels (256 bytes of C stack each): refused on WASI's small
# stack before TIDE_MAX_CALL_DEPTH, complete elsewhere
seed("nest-fat", script(0, op("NEST", 0, 0x80, 1 | YIELD_IN),
                        op("NEST", 40, 0x80, 0 | SLEEP_IN | D1MS << 5),
                        op("NEST", 0, 0x83, 1 | YIELD_IN | RECREATE)))
seed("nest-event", script(0, spawn(script(0, op("NEST", 9, 1, 0 | EVENT_IN |
                                                RECREATE))),
                          spawn(script(0, op("NEST", 0, 0, 1 | EVENT_IN))),
                          op("YIELD"), op("EVENT_SET", 1), op("CANCEL", 2),
                          op("GATHER", 1, 0b11, 1)))

# ---- misuse: deep chains of tasks (CHAIN) -----------------------------------------------

B_EVENT, B_FOREVER, B_RETURN, B_FAIL, B_CYCLE, B_SCRIPT = range(6)
VIA = {"join": 0, "gather": 1, "wait_for": 2, "group": 3, "mixed": 4}


def chain(n, via, bottom=B_EVENT, timeout=DINF, cut=0, seed_=0):
    """CHAIN of n links (2..1500); the head becomes the next task index."""
    n -= 2
    return op("CHAIN", n & 255, (n >> 8) & 15 | bottom << 4,
              VIA[via] | timeout << 3) + bytes([cut, seed_])


for via in ["join", "gather", "wait_for", "group"]:
    seed(f"chain-{via}-cancel", script(0, chain(300, via), op("SLEEP", D10MS),
                                       op("CANCEL", 1, 1), op("JOIN", 1)))
    # (a chain with groups is no join's target: SHIELD waits all the same)
    seed(f"chain-{via}-deadlock", script(0, chain(200, via, B_FOREVER),
                                         op("SHIELD" if via == "group"
                                            else "JOIN", 1)))
seed("chain-wait-for-timeout", script(0, chain(100, "wait_for", B_EVENT,
                                               D500MS),
                                      op("SLEEP", D1), op("JOIN", 1)))
seed("chain-cycle", script(0, chain(50, "join", B_CYCLE), op("JOIN", 1)))
seed("chain-cycle-gather", script(0, chain(40, "gather", B_CYCLE),
                                  op("SLEEP", D10MS), op("CANCEL", 1)))
seed("chain-fail", script(0, chain(120, "mixed", B_FAIL, seed_=7),
                          op("JOIN", 1), chain(60, "wait_for", B_FAIL),
                          op("GATHER", 2, 0b1, 1)))
seed("chain-return", script(0, chain(80, "mixed", B_RETURN, seed_=3),
                            op("WAIT", 1, 0b1, 3 | DINF << 2)))
seed("chain-script", script(0, spawn(sleeper), chain(30, "join", B_SCRIPT,
                                                     seed_=1),
                            op("JOIN", 2)))
seed("chain-cut", script(0, chain(500, "group", B_EVENT, cut=128),
                         op("SLEEP", D10MS), op("CHAIN", 0, 0, 0x80) +
                         bytes([0, 0]), op("JOIN", 1)))
seed("chain-stop", script(0, chain(400, "mixed", B_FOREVER, seed_=11),
                          chain(300, "join", B_EVENT), op("SLEEP", D10MS),
                          op("STOP"), op("SLEEP", D1)))
seed("chain-long", script(0, chain(1500, "group"), op("SLEEP", D10MS),
                          op("CANCEL", 1)))
seed("chain-leftover", script(0, chain(1000, "gather", B_FOREVER),
                              op("SLEEP", D10MS)))

# ---- misuse: calls from another thread (THREAD) -----------------------------------------

THREAD_GROUPS = ["LOCK", "SEM", "EVENT", "BARRIER", "QUEUE", "TASK",
                 "SCHEDULE", "SPAWN", "CREATE", "LOOP", "GROUP", "TIMEOUT",
                 "AWAIT", "RUN"]
VARIANTS = {"LOCK": 3, "EVENT": 2, "BARRIER": 2, "QUEUE": 8, "TASK": 6,
            "SCHEDULE": 4, "SPAWN": 2, "CREATE": 8, "LOOP": 11, "GROUP": 2,
            "TIMEOUT": 3, "AWAIT": 6}
calls = []
for g, name in enumerate(THREAD_GROUPS):
    calls += [op("THREAD", g, sub) for sub in range(VARIANTS.get(name, 1))]
setup = [op("GROUP_CREATE"), op("CALL", 1 | D1 << 2, 0, 0),
         op("TMO_ENTER", D3), op("LOCK_ACQUIRE", 0)]
seed("thread", script(GROUPS | RELEASE, *setup, *calls[:40]))
seed("thread-2", script(GROUPS | RELEASE, *setup, *calls[40:]))
seed("thread-threadsafe", script(0, op("THREAD", 0, 0, 1),
                                 op("THREAD", 0, 0, 3), op("YIELD"),
                                 op("THREAD", 0, 0, 1), op("STOP")))

# ---- the same programs with allocations failing ---------------------------------

# ---- async with (TIDE_WITH) and TIDE_GATHER_OWN ----------------------------------

# WITH's a: the scope; b: the lock, condition or semaphore (bit 0), or the
# timeout's delay (index, bit 4: timeout_at); WITH_LEAVE's a: how to leave
LOCK, COND, SEM, TIMEOUT, GROUP, NULL = range(6)
BREAK, CONTINUE, GOTO = 0, 1, 2


def with_(scope, *body, b=0, end=True):
    """TIDE_WITH(scope) { body }: the block is the ops up to WITH_END."""
    return op("WITH", scope, b) + b"".join(body) + (op("WITH_END") if end else b"")


def leave(how):
    return op("WITH_LEAVE", how)


def own(start, mask, c=0):
    """GATHER_OWN of the tasks picked as GATHER picks them; c: bit 0
    return_errors, bit 4 the second array."""
    return op("GATHER_OWN", start, mask, c)


lock_user = script(ASYNCIO, with_(LOCK, op("SLEEP", D10MS)), op("YIELD"))
cond_user = script(ASYNCIO, with_(COND, op("COND_WAIT", 0), op("YIELD")))
seed("with-lock", script(0, spawn(lock_user), spawn(lock_user),
                         with_(LOCK, op("YIELD"), op("THROW", 1, 1)),
                         with_(LOCK, op("LOCK_RELEASE", 0), op("YIELD")),
                         with_(LOCK, leave(BREAK), op("SLEEP", D1)),
                         with_(LOCK, b=1, end=False), leave(CONTINUE),
                         with_(COND, op("COND_NOTIFY", 0), leave(GOTO)),
                         op("CANCEL", 2), op("GATHER", 1, 0b11, 1)))
seed("with-cond", script(0, spawn(cond_user), spawn(cond_user), op("YIELD"),
                         with_(COND, op("COND_NOTIFY_ALL", 0), op("YIELD")),
                         with_(COND, op("COND_NOTIFY", 0, 1), b=1),
                         op("SLEEP", D10MS), op("GATHER", 1, 0b11, 1)))
sem_user = script(RERAISE_CANCEL, with_(SEM, op("SLEEP", D10MS), b=1))
seed("with-sem", script(0, spawn(sem_user), spawn(sem_user), spawn(sem_user),
                        with_(SEM, op("SEM_RELEASE", 1), op("YIELD"), b=1),
                        with_(SEM, op("THROW"), b=1),
                        with_(SEM, op("SEM_RELEASE", 0), b=0),
                        op("RECREATE", 1, 1), op("CANCEL", 3),
                        op("GATHER", 1, 0b111, 1)), sems=0b0001)
seed("with-timeout", script(RERAISE_CANCEL, with_(TIMEOUT, op("SLEEP", D1), b=D10MS),
                            with_(TIMEOUT, op("SLEEP", D10MS), b=D1),
                            with_(TIMEOUT, op("TMO_RESCHEDULE", D1MS),
                                  op("SLEEP", D1), b=DINF),
                            with_(TIMEOUT, b=DNAN),
                            with_(TIMEOUT, with_(TIMEOUT, op("SLEEP", D3), b=D1),
                                  b=D500MS | 16),
                            with_(TIMEOUT, op("SLEEP", D1), b=D10MS),
                            op("SLEEP", D1)))
gthrower = script(ASYNCIO, op("SLEEP", D10MS), op("THROW", 1, 2))
seed("with-group", script(GROUPS | RERAISE_CANCEL,
                          with_(GROUP, group_spawn(0, sleeper),
                                group_spawn(0, yielder), op("SLEEP", D10MS)),
                          with_(GROUP, group_spawn(1, gthrower),
                                group_spawn(1, sleeper), op("SLEEP", D3)),
                          with_(GROUP, group_spawn(2, sleeper),
                                op("GROUP_CANCEL", 2), op("SLEEP", D3)),
                          with_(GROUP, group_spawn(3, sleeper), op("RETURN"))))
seed("with-nested", script(ASYNCIO,
                           with_(LOCK, with_(SEM, with_(TIMEOUT, with_(NULL,
                                 op("SLEEP", D1), op("YIELD")), b=D10MS),
                                 b=1)),
                           with_(NULL, with_(LOCK, with_(COND,
                                 op("THROW", 0)), b=1)),
                           op("SLEEP", D1)))
seed("with-return", script(0, with_(SEM, with_(LOCK, op("YIELD"),
                                               op("RETURN")), b=1),
                           op("SLEEP", D3)))
blocked = script(RERAISE_CANCEL, with_(LOCK, op("SLEEP", D1)))
seed("with-cancel", script(0, op("LOCK_ACQUIRE", 0), spawn(blocked),
                           spawn(script(UNCANCEL, with_(NULL, op("SLEEP", D3),
                                                        op("SLEEP", D1)))),
                           op("YIELD"), op("CANCEL", 1), op("CANCEL", 2),
                           op("LOCK_RELEASE", 0), op("YIELD"),
                           op("CANCEL", 2), op("GATHER", 1, 0b11, 1)))
seed("with-stray", script(0, op("STRAY"), op("SLEEP", D1),
                          with_(LOCK, op("YIELD"))))
seed("gather-own", script(0, spawn(sleeper), spawn(thrower), spawn(yielder),
                          own(1, 0b101), own(1, 0b101), own(1, 0b011, 1),
                          own(1, 0b111, 1 | 16), own(0, 0b011, 1),
                          own(1, 0b111, 1 | 16), own(1, 0), op("YIELD")))

for name in ["join", "gather", "wait", "group-fails", "cond", "queue", "timeout",
             "callbacks", "stray-group-exit", "stray-cond-wait-at-end",
             "stray-handed", "nest-recreate", "chain-fail", "chain-cut",
             "thread-threadsafe", "with-nested", "with-group", "with-lock",
             "with-sem", "gather-own"]:
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
