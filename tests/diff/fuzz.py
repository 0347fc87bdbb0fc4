#!/usr/bin/env python3
"""fuzz.py - differential testing driver: generates programs, runs them on
the twin (CPython 3.13) and on Tide's interpreter, and compares the traces.

    tools/cpython313 tests/diff/fuzz.py --interp build/native/diff_interp \\
        [--start S] [--count N] [--seeds 1,2,3] [--minimize] [--show]
    tools/cpython313 tests/diff/fuzz.py --interp BIN --program FILE
    tools/cpython313 tests/diff/fuzz.py --emit 1,2,file:PATH   (JSON: seed,
                                                   program, CPython trace)
    tools/cpython313 tests/diff/fuzz.py --verdict < JSON   (see verdict())
    ... --strict    plain CPython, no deliberate difference applied

(The twin needs CPython 3.13; tools/cpython313 finds it.)

The comparison stops at a TIE line (a timer tie in the CPython run: what
follows is unspecified). Deliberate differences (docs/differences.md) are
the line rules of compare.py and the DELIBERATE switches of compat.py.
"""
import argparse
import json
import os
import subprocess
import sys
import time

# no __pycache__ in the source tree
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import compat  # noqa: E402
import gen  # noqa: E402
import interp  # noqa: E402
import prog as proglang  # noqa: E402


def run_tide(binary, texts, prefix=()):
    """Runs programs on Tide's interpreter; returns one trace per program
    (a list of lines). A program that crashes the interpreter or does not
    end gets a last line saying so (CRASH ..., HANG ...), which no CPython
    trace has."""
    out = []
    # many programs per process, in batches that keep argv small
    batch, size = [], 0
    batches = []
    for t in texts:
        if batch and (len(batch) >= 200 or size + len(t) > 100000):
            batches.append(batch)
            batch, size = [], 0
        batch.append(t)
        size += len(t)
    if batch:
        batches.append(batch)
    for b in batches:
        try:
            r = subprocess.run(list(prefix) + [binary] + b,
                               capture_output=True, text=True,
                               timeout=3 + 0.05 * len(b))
            traces = compare.split_output(r.stdout)
            ok = len(traces) == len(b) and r.returncode == 0
            why = 'CRASH status=%s %s' % (r.returncode, r.stderr.strip()[-300:])
        except subprocess.TimeoutExpired as e:
            so = e.stdout or b''
            traces = compare.split_output(so.decode() if isinstance(so, bytes)
                                          else so)
            ok, why = False, 'HANG (no end after %g s)' % e.timeout
        if not ok:
            if len(b) == 1:
                traces = (traces[:1] or [[]])
                traces[0] = traces[0] + [why]
            else:
                # rerun one by one to blame the right program
                traces = []
                for t in b:
                    traces.extend(run_tide(binary, [t], prefix))
        out.extend(traces)
    return out


def check(binary, programs):
    """programs: [(label, text)]. Returns [(label, text, cpython, tide,
    diff)] where diff is None when the traces agree."""
    expected = [interp.run_text(t) for _, t in programs]
    got = run_tide(binary, [t for _, t in programs])
    res = []
    for (label, text), e, g in zip(programs, expected, got):
        res.append((label, text, e, g, compare.diff(e, g)))
    return res


def minimize(binary, text):
    """Greedy deletion of ops while the traces still differ in the same way
    (compare.signature); returns the smallest program found."""
    p = proglang.parse(text)
    want = compare.signature(interp.run_text(text),
                             run_tide(binary, [text])[0])
    changed = True
    while changed:
        changed = False
        cands = []
        for s, ops in p.scripts.items():
            for i in range(len(ops)):
                c = p.copy()
                del c.scripts[s][i]
                cands.append(c)
        for i in range(len(p.objs)):
            c = p.copy()
            del c.objs[i]
            cands.append(c)
        texts = []
        for c in cands:
            t = c.text()
            try:
                proglang.parse(t)  # an object still in use cannot go
                texts.append(t)
            except Exception:
                texts.append(None)
        valid = [t for t in texts if t is not None]
        try:
            got = run_tide(binary, valid)
        except Exception:
            break
        for t, g in zip(valid, got):
            try:
                e = interp.run_text(t)
            except Exception:
                continue
            if compare.signature(e, g) == want:
                p = proglang.parse(t)
                changed = True
                break
    # drop scripts nobody names
    used = {'main'}
    for ops in p.scripts.values():
        for op in ops:
            used.update(op.args)
    p.scripts = {s: ops for s, ops in p.scripts.items() if s in used}
    return p.text()


def verdict(data):
    """For tests/diff/diff.test.mjs: data is {"items": [what --emit printed],
    "output": the interpreter's stdout for those programs, in order}.
    Returns [{"seed", "diff"}] with diff None where the traces agree, so
    that the comparison rules live in one place (compare.py)."""
    traces = compare.split_output(data['output'])
    res = []
    for k, item in enumerate(data['items']):
        got = traces[k] if k < len(traces) else ['<no output: the run '
                                                 'stopped before this program>']
        res.append({'seed': item['seed'], 'diff': compare.diff(item['trace'], got)})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--interp')
    ap.add_argument('--start', type=int, default=1)
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--seeds')
    ap.add_argument('--emit')
    ap.add_argument('--program')
    ap.add_argument('--verdict', action='store_true')
    ap.add_argument('--strict', action='store_true',
                    help='plain CPython: no deliberate difference applied')
    ap.add_argument('--minimize', action='store_true')
    ap.add_argument('--show', action='store_true',
                    help='print both traces of each divergence')
    a = ap.parse_args()
    if a.strict:
        for k in compat.DELIBERATE:
            compat.DELIBERATE[k] = False
        compare.EQUIVALENT.clear()

    if a.emit:
        items = []
        for s in a.emit.split(','):
            if not s:
                continue
            if s.startswith('file:'):  # a program kept in a file
                text = open(s[5:]).read()
            else:
                text = gen.generate(int(s))
            items.append({'seed': s, 'program': text,
                          'trace': interp.run_text(text)})
        json.dump(items, sys.stdout)
        return 0

    if a.verdict:
        json.dump(verdict(json.load(sys.stdin)), sys.stdout)
        return 0

    if not a.interp:
        ap.error('--interp is required')
    if a.program:
        labels = ['program']
    else:
        labels = ([int(s) for s in a.seeds.split(',')] if a.seeds else
                  range(a.start, a.start + a.count))

    def program(label):
        if a.program:
            return ('program', open(a.program).read())
        return ('seed %d' % label, gen.generate(label))

    t0 = time.time()
    total = ties = bad = 0
    # in chunks, reporting as it goes: a long campaign keeps little memory
    for k in range(0, len(labels), 1000):
        results = check(a.interp, [program(x) for x in labels[k:k + 1000]])
        total += len(results)
        ties += sum(1 for r in results
                    if any(line.endswith(' TIE') for line in r[2]))
        for label, text, e, g, d in results:
            if d is None:
                continue
            bad += 1
            print('=' * 72)
            print('DIVERGENCE %s: %s' % (label, d))
            if a.minimize:
                text = minimize(a.interp, text)
                e = interp.run_text(text)
                g = run_tide(a.interp, [text])[0]
                print('minimised program (%s):' % compare.diff(e, g))
            else:
                print('program:')
            print(text.rstrip())
            if a.show or a.minimize:
                print('--- CPython')
                print('\n'.join(e))
                print('--- Tide')
                print('\n'.join(g))
            sys.stdout.flush()
    print('%d programs, %d divergences, %d with a timer tie (compared up '
          'to it), %.1f s' % (total, bad, ties, time.time() - t0))
    return 1 if bad else 0


if __name__ == '__main__':
    rc = main()
    sys.stdout.flush()
    # Runs given up after a double deadlock keep suspended coroutines (see
    # interp._abandoned); let them go with the process, not through the
    # garbage collector's noisy shutdown.
    os._exit(rc)
