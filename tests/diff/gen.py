"""gen.py - seeded generator of random differential-testing programs.

    python3 tests/diff/gen.py SEED        prints the program for SEED

The same seed always gives the same program (random.Random(seed), no other
source of randomness). Programs only use behaviour CPython specifies:

  - Timer ties: every delay that arms a timer (sleep, timeout, wait_for,
    wait) is drawn without replacement from a pool of distinct integers,
    so two timers rarely share a deadline; when they do anyway (sums of
    different delays can meet), the twin interpreter marks the trace with
    TIE where it happens and nothing after it is compared.
  - A few delays are far (FAR_DELAYS): inf, and finite ones past the
    clock's horizon, which never come due (the call waits until
    cancelled), or just before it, which the virtual clock reaches.
  - Some gathers come right after a join or wait on their children, so that
    the children are done when gather() is called (GATHER-10: CPython 3.12+
    settles the gather inside the call when they decide its outcome).
  - No task awaits itself or (through join, gather, wait, wait_for,
    shield) a task that could await it back: task i only awaits tasks
    with a larger index, so the awaits form a DAG. (CPython recurses
    without end cancelling a cycle of awaits; asyncio.gather of itself
    hangs where Tide reports TIDE_ESELF.)
  - gather and wait name each task once (duplicates are collapsed by
    CPython's wait, a detail not worth pinning).
  - Queue items are 1..99 (Tide's queue holds non-NULL pointers).
  - Only the main task's script is guaranteed to run; everything else runs
    when (and if) spawned.
"""
import random
import sys

# Far delays (see the docstring): never due (inf; past the horizon of about
# 2.3e9 s) or due far away (2e9).
FAR_DELAYS = ['inf', '1e300', '4e9', '2e9']

# Themes a program draws on; each program picks a few.
THEMES = ['cancel', 'await', 'timeout', 'group', 'lock', 'sem', 'event',
          'cond', 'barrier', 'queue']


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        # distinct delays: a shuffled pool, used without replacement
        self.delays = r.sample(range(1, 200), 120)
        self.themes = r.sample(THEMES, r.randint(2, 4))
        # one theme dominates, so that several tasks contend on it
        self.primary = r.choice(self.themes)
        self.objs = []          # (kind, name, args)
        self.scripts = {}       # name -> list of op strings
        self.nscripts = 0
        self.ntasks = r.randint(2, 8)
        # task i (1..ntasks) runs script 'w<i>'; 0 is main
        self.owner = {}         # script -> task index that runs it
        self.msgs = 0
        self.gchildren = set()  # tasks spawned into a group
        self.maxdepth = r.choice([2, 2, 3])  # inline scripts within scripts

    # ---- helpers ------------------------------------------------------------
    def delay(self):
        if self.r.random() < 0.03:
            return self.r.choice(FAR_DELAYS)
        return str(self.delays.pop()) if self.delays else '0'

    def maybe_zero_delay(self):
        return '0' if self.r.random() < 0.3 else self.delay()

    def msg(self):
        self.msgs += 1
        return 'm%d' % self.msgs if self.r.random() < 0.8 else '-'

    def q(self):
        return '?' if self.r.random() < 0.5 else ''

    def later(self, me, k=1):
        """k distinct tasks that task `me` may await (larger indexes)."""
        cands = ['w%d' % i for i in range(me + 1, self.ntasks + 1)]
        if len(cands) < k:
            return None
        return self.r.sample(cands, k)

    def any_task(self, me):
        cands = ['w%d' % i for i in range(1, self.ntasks + 1) if i != me]
        return self.r.choice(cands) if cands else None

    def new_script(self, me):
        self.nscripts += 1
        name = 's%d' % self.nscripts
        self.owner[name] = me
        self.scripts[name] = []
        return name

    # ---- objects --------------------------------------------------------------
    def make_objects(self):
        r = self.r
        for theme in self.themes:
            if theme == 'lock':
                self.objs.append(('lock', 'L', []))
            elif theme == 'sem':
                self.objs.append(('sem', 'S', [str(r.randint(0, 2)),
                                               str(r.randint(0, 1))]))
            elif theme == 'event':
                self.objs.append(('event', 'E', []))
            elif theme == 'cond':
                if r.random() < 0.3 and any(k == 'lock' for k, _, _ in self.objs):
                    self.objs.append(('cond', 'C', ['L']))
                else:
                    self.objs.append(('cond', 'C', []))
            elif theme == 'barrier':
                self.objs.append(('barrier', 'B', [str(r.randint(1, 3))]))
            elif theme == 'queue':
                self.objs.append(('queue', 'Q', [
                    r.choice(['fifo', 'fifo', 'lifo', 'prio']),
                    str(r.choice([0, 1, 1, 2, 3]))]))

    # ---- ops ------------------------------------------------------------------
    def chunk(self, me, depth, in_group):
        """A few ops (one idea) for task `me`."""
        r = self.r
        c = r.random()
        theme = (self.primary if c < 0.4 else 'race' if c < 0.5
                 else r.choice(self.themes + ['any']))
        q = self.q
        if theme == 'any':
            c = r.random()
            if c < 0.4:
                return ['sleep ' + self.maybe_zero_delay()]
            if c < 0.55:
                return ['raise %d %s' % (r.randint(1, 3), self.msg())]
            if c < 0.7:
                return ['return %d' % r.randint(1, 50)]
            if c < 0.85 and depth < self.maxdepth:
                s = self.new_script(me)
                self.fill(s, me, depth + 1, r.randint(1, 3), in_group)
                return [q() + 'call ' + s]
            t = self.any_task(me)
            return ['state ' + t] if t else []
        if theme == 'race':
            # wake a waiter, then cancel some task in the same step: the
            # woken-then-cancelled paths (LOCK-07, SEM-07, Q-07, COND-08)
            wake = {'lock': [q() + 'release L'], 'sem': [q() + 'srelease S'],
                    'event': ['set E'], 'queue': [q() + 'put_nowait Q %d' % r.randint(1, 99)],
                    'cond': [q() + 'cacquire C', 'notify C 1', q() + 'crelease C'],
                    'barrier': [q() + 'bwait B']}
            kinds = [k for k in wake if k in self.themes]
            t = self.any_task(me)
            if not kinds or not t:
                return []
            ops = wake[r.choice(kinds)] + ['cancel %s %s' % (t, self.msg())]
            if r.random() < 0.3:
                ops.append('cancel %s %s' % (t, self.msg()))  # CAN-02/06
            if r.random() < 0.2:
                ops.append('uncancel ' + t)  # CAN-14 on another task
            return ops
        if theme == 'cancel':
            c = r.random()
            t = self.any_task(me)
            if c < 0.45 and t:
                return ['cancel %s %s' % (t, self.msg())]
            if c < 0.6:
                # catch a cancellation and take it back (CAN-15)
                return ['?sleep ' + self.delay(), 'uncancel self']
            if c < 0.7:
                return ['cancel self %s' % self.msg()]
            if c < 0.8 and t:
                return ['uncancel ' + t]
            if c < 0.9:
                return ['cancelling ' + (t or 'self')]
            return ['?sleep 0']
        if theme == 'await':
            c = r.random()
            if c < 0.25:
                ts = self.later(me)
                return [q() + 'join ' + ts[0]] if ts else []
            if c < 0.5:
                ts = self.later(me, r.randint(1, 3)) or self.later(me)
                if not ts:
                    return []
                ops = []
                if r.random() < 0.35:
                    # all or some of the children done first (GATHER-10)
                    done = ts if r.random() < 0.6 else ts[:1]
                    ops.append('?wait %s all -' % ','.join(done)
                               if len(done) > 1 else '?join ' + done[0])
                return ops + [q() + 'gather %s %d' % (','.join(ts),
                                                      r.randint(0, 1))]
            if c < 0.65:
                ts = self.later(me, r.randint(1, 3)) or self.later(me)
                if not ts:
                    return []
                d = self.delay() if r.random() < 0.6 else '-'
                return [q() + 'wait %s %s %s' % (','.join(ts),
                                                 r.choice(['first', 'exc', 'all']), d)]
            if c < 0.85:
                ts = self.later(me)
                if not ts:
                    return []
                d = r.choice([self.delay(), self.delay(), '0', '-'])
                return [q() + 'wait_for %s %s' % (ts[0], d)]
            ts = self.later(me)
            return [q() + 'shield ' + ts[0]] if ts else []
        if theme == 'timeout':
            if depth >= self.maxdepth:
                return ['sleep ' + self.maybe_zero_delay()]
            s = self.new_script(me)
            self.fill(s, me, depth + 1, r.randint(1, 3), in_group)
            d = r.choice([self.delay(), self.delay(), self.delay(), '0', '-'])
            return [q() + 'timeout %s %s' % (d, s)]
        if theme == 'group':
            c = r.random()
            if in_group and c < 0.2:
                return ['gcancel']
            if depth >= self.maxdepth:
                return ['sleep 0']
            s = self.new_script(me)
            self.fill(s, me, depth + 1, r.randint(1, 3), True)
            return [q() + 'group ' + s]
        if theme == 'lock':
            c = r.random()
            if c < 0.7:
                return [q() + 'acquire L', 'sleep ' + self.maybe_zero_delay(),
                        q() + 'release L']
            if c < 0.85:
                return [q() + 'release L']
            return ['locked L']
        if theme == 'sem':
            c = r.random()
            if c < 0.6:
                return [q() + 'sacquire S', 'sleep ' + self.maybe_zero_delay(),
                        q() + 'srelease S']
            if c < 0.8:
                return [q() + 'srelease S']
            return [r.choice(['svalue S', 'slocked S'])]
        if theme == 'event':
            c = r.random()
            if c < 0.45:
                return [q() + 'ewait E']
            if c < 0.75:
                return ['set E']
            if c < 0.9:
                return ['clear E']
            return ['is_set E']
        if theme == 'cond':
            c = r.random()
            if c < 0.4:
                return [q() + 'cacquire C', q() + 'cwait C', q() + 'crelease C']
            if c < 0.7:
                return [q() + 'cacquire C',
                        r.choice(['notify C 1', 'notify C 2', 'notify_all C']),
                        'sleep ' + self.maybe_zero_delay(), q() + 'crelease C']
            if c < 0.8:
                return [q() + r.choice(['notify C 1', 'notify_all C'])]
            return ['locked C']
        if theme == 'barrier':
            c = r.random()
            if c < 0.6:
                return [q() + 'bwait B']
            if c < 0.72:
                return ['reset B']
            if c < 0.8:
                return ['abort B']
            return ['bstate B']
        if theme == 'queue':
            c = r.random()
            v = str(r.randint(1, 99))
            if c < 0.25:
                return [q() + 'put Q ' + v]
            if c < 0.4:
                return [q() + 'put_nowait Q ' + v]
            if c < 0.6:
                return [q() + 'get Q', q() + 'task_done Q']
            if c < 0.7:
                return [q() + 'get_nowait Q']
            if c < 0.78:
                return [q() + 'qjoin Q']
            if c < 0.86:
                return ['shutdown Q %d' % (r.random() < 0.4)]
            if c < 0.93:
                return [q() + 'task_done Q']
            return ['qsize Q']
        return []

    def fill(self, script, me, depth, n, in_group):
        ops = self.scripts[script]
        while n > 0:
            ops.extend(self.chunk(me, depth, in_group))
            n -= 1

    # ---- the whole program ----------------------------------------------------------
    def program(self):
        r = self.r
        self.make_objects()
        self.scripts['main'] = []
        self.owner['main'] = 0
        for i in range(1, self.ntasks + 1):
            self.scripts['w%d' % i] = []
            self.owner['w%d' % i] = i
        for i in range(self.ntasks + 1):
            s = 'main' if i == 0 else 'w%d' % i
            self.fill(s, i, 0, r.randint(2, 6) if i == 0 else r.randint(1, 5),
                      False)
        # Who spawns each worker: main, or a worker with a smaller index;
        # into a group when the spawner's script has a group body.
        for i in range(1, self.ntasks + 1):
            spawner = r.randint(0, min(i - 1, 2)) if r.random() < 0.5 else 0
            cands = [s for s, o in self.owner.items() if o == spawner]
            bodies = [s for s in cands
                      if any(op.lstrip('?').split() == ['group', s]
                             for ops in self.scripts.values() for op in ops)]
            if bodies and r.random() < 0.7:
                s = r.choice(bodies)
                verb = 'gspawn'
            elif spawner in self.gchildren and r.random() < 0.6:
                s = 'w%d' % spawner
                verb = 'gspawn'
            else:
                s = 'main' if spawner == 0 else 'w%d' % spawner
                verb = 'spawn'
            ops = self.scripts[s]
            # early in the script, so later ops find the task spawned
            pos = r.randint(0, min(len(ops), 1))
            ops.insert(pos, '%s w%d w%d' % (verb, i, i))
            if verb == 'gspawn':
                self.gchildren.add(i)
        lines = ['obj %s %s' % (k, ' '.join([n] + a)) for k, n, a in self.objs]
        for name, ops in self.scripts.items():
            lines.append('script ' + name)
            lines.extend(ops)
        return '\n'.join(lines) + '\n'


def generate(seed):
    return Gen(seed).program()


if __name__ == '__main__':
    print(generate(int(sys.argv[1])), end='')
