#!/usr/bin/env python3
"""renumber.py - keep fuzz inputs meaning what they meant when operations
are appended to OPS(X) in fuzz_ops.c.

    python3 fuzz/renumber.py OLD_COUNT FILE...

fuzz_ops reads an opcode byte as `byte % OP_COUNT`, so appending operations
changes what every opcode byte >= the old count stands for. This rewrites
each opcode byte of each input (main script and nested spawns, parsed as
fuzz_ops parses them) to `byte % OLD_COUNT`, which names the same operation
under any larger count. Run it on fuzz/corpus (and fuzz/crashes) in the
commit that appends operations; it prints how many bytes it changed.
Only operations present before are parsed: SPAWN and GROUP_SPAWN, whose
child scripts follow them, are the only ones that read more bytes.
"""
import sys

from seeds import OPS

HEADER = 6  # mode, fail_at (2), len, shapes (2)


def rewrite(data, start, end, old):
    """Rewrites the script in data[start:end] (policy byte, then ops)."""
    changed = 0
    p = start + 1 if start < end else start  # the policy byte

    def take():
        nonlocal p
        if p < end:
            p += 1
            return data[p - 1]
        return 0

    while p < end:
        at = p
        op = take() % old
        if data[at] != op:
            data[at] = op
            changed += 1
        a, b, _ = take(), take(), take()
        length = 0
        if op == OPS["SPAWN"]:
            length = 1 + a % 48
        elif op == OPS["GROUP_SPAWN"]:
            length = 1 + b % 48
        if length:
            length = min(length, end - p)
            changed += rewrite(data, p, p + length, old)
            p += length
    return changed


def main():
    old = int(sys.argv[1])
    total = 0
    for name in sys.argv[2:]:
        with open(name, "rb") as f:
            data = bytearray(f.read())
        n = rewrite(data, min(HEADER, len(data)), len(data), old)
        if n:
            with open(name, "wb") as f:
                f.write(data)
            total += n
    print(f"{total} opcode byte(s) rewritten in {len(sys.argv) - 2} file(s)")


if __name__ == "__main__":
    main()
