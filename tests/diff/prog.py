"""prog.py - the differential-testing program language: parsing and
printing. The language is described in tests/diff/README.md; interp.c
parses the same text.
"""

# Operations: name -> number of arguments. A leading '?' on an op line
# catches its error (logged, then the script goes on).
OPS = {
    # tasks
    'spawn': 2, 'gspawn': 2, 'gcancel': 0,
    'sleep': 1, 'cancel': 2, 'uncancel': 1, 'cancelling': 1, 'state': 1,
    'join': 1, 'gather': 2, 'wait': 3, 'wait_for': 2, 'shield': 1,
    'timeout': 2, 'group': 1, 'call': 1, 'raise': 2, 'return': 1,
    # Lock
    'acquire': 1, 'release': 1, 'locked': 1,
    # Event
    'set': 1, 'clear': 1, 'is_set': 1, 'ewait': 1,
    # Condition
    'cacquire': 1, 'crelease': 1, 'cwait': 1, 'notify': 2, 'notify_all': 1,
    # Semaphore
    'sacquire': 1, 'srelease': 1, 'svalue': 1, 'slocked': 1,
    # Barrier
    'bwait': 1, 'reset': 1, 'abort': 1, 'bstate': 1,
    # Queue
    'put': 2, 'get': 1, 'put_nowait': 2, 'get_nowait': 1, 'task_done': 1,
    'qjoin': 1, 'shutdown': 2, 'qsize': 1,
}

# Ops whose first argument is an object, and where scripts are named.
OBJ_OPS = {n for n in OPS if OPS[n] and n not in (
    'spawn', 'gspawn', 'sleep', 'cancel', 'uncancel', 'cancelling', 'state',
    'join', 'gather', 'wait', 'wait_for', 'shield', 'timeout', 'group', 'call',
    'raise', 'return')}
SCRIPT_ARG = {'spawn': 1, 'gspawn': 1, 'timeout': 1, 'group': 0, 'call': 0}

OBJS = {'lock': (0, 0), 'event': (0, 0), 'cond': (0, 1), 'sem': (2, 2),
        'barrier': (1, 1), 'queue': (2, 2)}


class Op:
    __slots__ = ('catch', 'name', 'args')

    def __init__(self, catch, name, args):
        self.catch, self.name, self.args = catch, name, list(args)

    def text(self):
        return ('?' if self.catch else '') + ' '.join([self.name] + self.args)


class Program:
    def __init__(self):
        self.objs = []      # (kind, name, args) in declaration order
        self.scripts = {}   # name -> [Op]; 'main' is the main task

    def text(self, sep='\n'):
        lines = ['obj %s %s' % (k, ' '.join([n] + a)) for k, n, a in self.objs]
        for name, ops in self.scripts.items():
            lines.append('script ' + name)
            lines.extend(op.text() for op in ops)
        return sep.join(lines) + sep

    def copy(self):
        p = Program()
        p.objs = [(k, n, list(a)) for k, n, a in self.objs]
        p.scripts = {s: [Op(o.catch, o.name, o.args) for o in ops]
                     for s, ops in self.scripts.items()}
        return p


def parse(text):
    p = Program()
    cur = None
    # comments first: they may contain ';', which separates ops otherwise
    text = '\n'.join(l.split('#', 1)[0] for l in text.split('\n'))
    for raw in text.replace(';', '\n').split('\n'):
        line = raw.split()
        if not line:
            continue
        head = line[0]
        if head == 'obj':
            kind = line[1]
            lo, hi = OBJS[kind]
            if not lo <= len(line) - 3 <= hi:
                raise ValueError('bad object line: %r' % raw)
            if kind == 'cond' and len(line) == 4 and not any(
                    k == 'lock' and n == line[3] for k, n, _ in p.objs):
                raise ValueError('no lock %s before: %r' % (line[3], raw))
            p.objs.append((kind, line[2], line[3:]))
        elif head == 'script':
            cur = p.scripts.setdefault(line[1], [])
        else:
            catch = head.startswith('?')
            name = head[1:] if catch else head
            if name not in OPS or len(line) - 1 != OPS[name] or cur is None:
                raise ValueError('bad op line: %r' % raw)
            cur.append(Op(catch, name, line[1:]))
    if 'main' not in p.scripts:
        raise ValueError('no main script')
    names = {n for _, n, _ in p.objs}
    for ops in p.scripts.values():
        for op in ops:
            if op.name in OBJ_OPS and op.args[0] not in names:
                raise ValueError('no object %s: %s' % (op.args[0], op.text()))
            k = SCRIPT_ARG.get(op.name)
            if k is not None and op.args[k] not in p.scripts:
                raise ValueError('no script %s: %s' % (op.args[k], op.text()))
    return p
