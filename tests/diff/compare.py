"""compare.py - how two traces are compared.

Traces are lists of lines. The CPython trace may contain a TIE line (two
timers due at the same instant: CPython does not specify their order,
checklist LOOP-04); only the lines before it are compared.

Deliberate differences (docs/differences.md) are applied here as
normalisations of both traces, each under the name used in that document.
tests/diff/diff.test.mjs implements the same rules in JavaScript.
"""

import re

_CANCELLED = re.compile(r'ECANCELLED(?:\(([^()]*)\))?')


def same_cancel_messages(cpython, tide):
    """Deliberate difference "cancel-message" (docs/differences.md): Tide
    gives a cancellation's message to every observer; CPython gives the
    original CancelledError to the first one only and builds message-less
    (or '') ones for the rest. So where the lines differ only in ECANCELLED
    messages, Tide may have one where CPython has none or ''; never the
    other way round, and two different messages still differ."""
    if _CANCELLED.sub('ECANCELLED', cpython) != _CANCELLED.sub('ECANCELLED', tide):
        return False
    for x, y in zip(_CANCELLED.findall(cpython), _CANCELLED.findall(tide)):
        if x and x != y:
            return False
    return True


# Line equivalences, one per deliberate difference in docs/differences.md.
EQUIVALENT = [same_cancel_messages]


def lines_equal(a, b):
    return a == b or any(rule(a, b) for rule in EQUIVALENT)


def split_output(text):
    """Splits the interpreter's output ("=== prog N" ... "=== done") into
    one trace per program."""
    traces = []
    for line in text.split('\n'):
        if line.startswith('=== prog '):
            traces.append([])
        elif line.startswith('=== done') or not line:
            continue
        elif traces:
            traces[-1].append(line)
    return traces


def comparable(cpython, tide):
    for i, line in enumerate(cpython):
        if line.endswith(' TIE'):
            return cpython[:i], tide[:i]
    return cpython, tide


def diff(cpython, tide):
    """None if the traces agree, else a one-line description of the first
    difference."""
    e, g = comparable(cpython, tide)
    for i in range(max(len(e), len(g))):
        a = e[i] if i < len(e) else '<end>'
        b = g[i] if i < len(g) else '<end>'
        if not lines_equal(a, b):
            return 'line %d: CPython "%s" / Tide "%s"' % (i + 1, a, b)
    return None


def signature(cpython, tide):
    """What a divergence is about, without times and script positions: the
    first pair of differing lines reduced to op and outcome. Minimising
    keeps it, so that it does not wander off to another divergence."""
    e, g = comparable(cpython, tide)
    for i in range(max(len(e), len(g))):
        a = e[i] if i < len(e) else '<end>'
        b = g[i] if i < len(g) else '<end>'
        if not lines_equal(a, b):
            return (_strip(a), _strip(b))
    return None


def _strip(line):
    w = line.split()
    # "<time> <task> <script:i> op... -> result": drop time and position
    if len(w) > 2 and re.match(r'^[0-9.e+-]+$', w[0]):
        w = w[1:]
        if len(w) > 1 and re.match(r'^[A-Za-z0-9_]+:[0-9]+$', w[1]):
            w = w[:1] + w[2:]
    return ' '.join(w)
