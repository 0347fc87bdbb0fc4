// check.mjs - the coroutine rules, checked on one translation unit's AST.
//
// A coroutine is a function whose body holds TIDE_BEGIN ... TIDE_END. Each
// await returns to the loop, and the loop later calls the function again:
// the code before TIDE_BEGIN (the prologue) runs again, then the body goes on
// after the await, with every local variable lost. So the checker builds the
// function's control flow with each await as one step whose arguments are
// evaluated before and/or after the suspension (by what each argument is
// for, rules.mjs), and runs a reaching-definitions analysis in which the
// suspension turns every value written in the body into "lost here". A read
// that a lost value reaches is a finding. Values written in the prologue
// (the frame pointer) are written again on every resume, so they survive.
//
// Macros are recognised by name where they are invoked, never by what they
// expand to: the AST nodes of one invocation are treated as one unit.
import {
  begin, children, siteOf, spellingOf, expansionOf, isStatement, strip, calleeName, nodes,
  returnType, pointsToConst,
} from './ast.mjs';
import { macroArguments } from './source.mjs';
import { AWAITABLES, AWAITABLE_PROBE, DEFERRED } from './rules.mjs';

const INTEGER = /^(?:(?:const|volatile|signed|unsigned|short|long|int|char|_Bool)\b\s*)+$|^(?:tide_status|int\d+_t|uint\d+_t|size_t|ssize_t)$/;

// Parentheses and casts peeled, but not the casts that say how a value is
// used (array decay, lvalue read).
function peel(n) {
  while (n && (n.kind === 'ParenExpr' || n.kind === 'CStyleCastExpr'
    || (n.kind === 'ImplicitCastExpr' && n.castKind !== 'ArrayToPointerDecay' && n.castKind !== 'LValueToRValue')))
    n = children(n).at(-1);
  return n;
}

// A variable (or a member of one) whose value is only discarded: x, (x),
// x.a, as the operand of a cast to void.
function discarded(n) {
  while (n && (n.kind === 'ParenExpr' || (n.kind === 'ImplicitCastExpr' && n.castKind === 'LValueToRValue')))
    n = children(n)[0];
  while (n?.kind === 'MemberExpr' && !n.isArrow) n = children(n)[0];
  return n?.kind === 'DeclRefExpr';
}

// The variable (its decl id) whose member an assignment's left side is
// (c.out, c.inner.where, (c).out), or null: a plain `c = ...` is not one.
function memberRoot(n) {
  n = peel(n);
  if (n?.kind !== 'MemberExpr' || n.isArrow) return null;
  while (n?.kind === 'MemberExpr' && !n.isArrow) n = peel(children(n)[0]);
  return n?.kind === 'DeclRefExpr' ? n.referencedDecl?.id ?? null : null;
}

// The value of an integer literal index (3, (3), 3u), or null.
function constantIndex(n) {
  while (n && (n.kind === 'ParenExpr' || n.kind === 'ImplicitCastExpr')) n = children(n)[0];
  return n?.kind === 'IntegerLiteral' && /^\d+$/.test(String(n.value)) ? String(n.value) : null;
}

// What translation-unit-wide facts the function checks need.
class Unit {
  constructor(root, main, source, macros) {
    this.main = main;
    this.source = source;
    this.macros = macros;
    this.decls = new Map(); // function name -> FunctionDecl (the one with most detail)
    this.definitions = [];  // FunctionDecls with a body in the main file
    this.globals = [];      // the main file's variables (tables of functions)
    const visit = (list) => {
      for (const d of list ?? []) {
        if (d.kind === 'LinkageSpecDecl') visit(d.inner);
        if (d.kind === 'VarDecl' && expansionOf(d.loc)?.file === main) this.globals.push(d);
        if (d.kind !== 'FunctionDecl') continue;
        const prev = this.decls.get(d.name);
        if (!prev || (d.inner?.length ?? 0) >= (prev.inner?.length ?? 0)) this.decls.set(d.name, d);
        const body = children(d).find((c) => c.kind === 'CompoundStmt');
        if (body && expansionOf(d.loc)?.file === main) this.definitions.push({ decl: d, body });
      }
    };
    visit(root.inner);
    this.sites = new Map();
    this.awaitables = this.findAwaitables();
  }

  // Awaitables: what returns tide_sleep's type when that is a type of its
  // own, else the list in rules.mjs; plus, later, the program's wrappers.
  findAwaitables() {
    const probe = this.decls.get(AWAITABLE_PROBE);
    const type = probe && returnType(probe.type.qualType);
    if (type && !INTEGER.test(type)) {
      this.awaitType = type;
      return new Set([...this.decls.values()].filter((d) => returnType(d.type.qualType) === type).map((d) => d.name));
    }
    return new Set(AWAITABLES);
  }

  // The parameter types of a function (as clang writes them), or null.
  paramTypes(name) {
    const d = this.decls.get(name);
    return d ? children(d).filter((c) => c.kind === 'ParmVarDecl').map((p) => p.type.qualType) : null;
  }

  // The macro invoked at `offset` of the main file: {name, info, args}.
  site(offset) {
    let s = this.sites.get(offset);
    if (!s) {
      const name = this.source.identifierAt(offset);
      const args = macroArguments(this.source.text, offset);
      let info = name ? this.macros.kind(name) : null;
      if (!info && args && args.some((a) => this.macros.mentionsAwait(this.source.text.slice(a.begin, a.end))))
        info = { kind: 'await', roles: args.map(() => 'unknown'), raises: true, base: null };
      s = { offset, name, info, args };
      this.sites.set(offset, s);
    }
    return s;
  }

  // The Tide macro invocation a node comes from (in the main file), or null.
  siteOfNode(n) {
    const s = siteOf(n);
    return s && s.file === this.main ? { ...this.site(s.offset), inArgument: s.inArgument } : null;
  }

  // Where to report a node: where it is written in the main file, else where
  // the macro that produced it is invoked.
  where(n) {
    const l = begin(n);
    const sp = spellingOf(l);
    return sp?.file === this.main ? sp.offset : expansionOf(l)?.offset;
  }

  // Which argument of a site a node is written in (-1 if none).
  argIndex(site, n) {
    const sp = spellingOf(begin(n));
    if (!site.args || sp?.file !== this.main) return -1;
    return site.args.findIndex((a) => sp.offset >= a.begin && sp.offset < a.end);
  }
}

const BODY = 'body', PROLOGUE = 'prologue', FINALLY = 'finally';

// The control flow of one coroutine, with its events (reads and writes of
// its local variables), and the findings made while building it.
class Coroutine {
  constructor(unit, def, report) {
    this.unit = unit;
    this.report = report;
    this.vars = new Map(); // decl id -> {name, param}
    for (const p of children(def.decl)) if (p.kind === 'ParmVarDecl') this.vars.set(p.id, { name: p.name, param: true });
    for (const n of nodes(def.body)) {
      if (n.kind !== 'VarDecl' || n.storageClass === 'static' || n.storageClass === 'extern') continue;
      // a variable of a macro's own making is the macro's business
      if (spellingOf(n.loc)?.file !== unit.main) continue;
      this.vars.set(n.id, { name: n.name, param: false });
    }
    this.nodes = [];
    this.entry = this.node();
    this.exit = this.node();
    this.cur = this.entry;
    this.region = PROLOGUE;
    this.raises = [];
    this.finallyEntry = null;
    this.switches = 0;
    this.brk = null;
    this.cont = null;
    this.labels = new Map();
    this.topLabel = null;
    this.frameDecl = null;
    this.awaitSites = new Map(); // offset -> site, for messages
    this.ignoredDecls = new Set();
    this.withs = []; // the TIDE_WITH blocks around: {leave, labels, site}
    this.block(children(def.body));
  }

  node() {
    const n = { id: this.nodes.length, ev: [], succ: [] };
    this.nodes.push(n);
    return n;
  }

  edge(from, to, clobber = null) {
    if (from) from.succ.push({ to, clobber });
  }

  // The node to append to; code no path reaches gets a node of its own.
  here() {
    return (this.cur ??= this.node());
  }

  jump(to) {
    this.edge(this.cur, to);
    this.cur = null;
  }

  // Starts a new node after `from` (one arm of a branch); null stays null.
  arm(from) {
    if (!from) return null;
    const n = this.node();
    this.edge(from, n);
    return n;
  }

  raise() {
    if (this.cur) this.raises.push({ from: this.cur, region: this.region });
  }

  // ---- statements ----------------------------------------------------------

  block(list) {
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      const site = this.unit.siteOfNode(n);
      if (site && !site.inArgument && site.info?.kind === 'await') {
        // the nodes of one await invocation, however many
        const group = [n];
        while (i + 1 < list.length) {
          const s = this.unit.siteOfNode(list[i + 1]);
          if (!s || s.inArgument || s.offset !== site.offset) break;
          group.push(list[++i]);
        }
        this.await(group, site);
      } else this.stmt(n);
    }
  }

  stmt(n) {
    if (!n?.kind) return;
    const site = this.unit.siteOfNode(n);
    if (site && !site.inArgument && site.info) {
      const kind = site.info.kind;
      if (kind === 'await') return this.await([n], site);
      if (kind === 'with') return this.withStmt(n, site);
      if (kind === 'begin' || kind === 'finally' || kind === 'end') return this.scaffold(n, site);
      if (kind === 'return') this.checkReturn(n, site);
    }
    const c = children(n);
    switch (n.kind) {
      case 'CompoundStmt':
        return this.block(c);
      case 'DeclStmt':
        for (const d of c) this.declare(d);
        return;
      case 'IfStmt':
        return this.ifStmt(n, c);
      case 'WhileStmt':
        return this.loop(null, c[0], null, c[1], false);
      case 'DoStmt':
        return this.loop(null, c[1], null, c[0], true);
      case 'ForStmt':
        return this.loop(c[0], c[2], c[3], c[4], false);
      case 'SwitchStmt':
        return this.switchStmt(c[0], c[1]);
      case 'CaseStmt':
      case 'DefaultStmt':
        return this.caseStmt(n, c);
      case 'BreakStmt':
        this.checkLeavesWith(n, this.brk, 'break');
        return this.jump(this.brk ?? this.exit);
      case 'ContinueStmt':
        this.checkLeavesWith(n, this.cont, 'continue');
        return this.jump(this.cont ?? this.exit);
      case 'ReturnStmt':
        if (c[0]) this.expr(c[0]);
        return this.jump(this.exit);
      case 'GotoStmt':
        if (n.targetLabelDeclId === this.topLabel) {
          // the macros' jump back to the top: how an error is raised
          this.raise();
          this.cur = null;
          return;
        }
        this.checkGotoOut(n);
        return this.jump(this.label(n.targetLabelDeclId));
      case 'IndirectGotoStmt':
        this.expr(c[0]);
        return this.jump(this.exit);
      case 'LabelStmt': {
        const l = this.label(n.declId);
        this.edge(this.cur, l);
        this.cur = l;
        return this.block(c);
      }
      case 'AttributedStmt':
        return this.block(c.filter((x) => isStatement(x) || x.kind?.endsWith('Expr') || x.kind?.endsWith('Operator')));
      case 'NullStmt':
      case 'GCCAsmStmt':
      case 'MSAsmStmt':
        return;
      default:
        return this.expr(n);
    }
  }

  label(id) {
    let l = this.labels.get(id);
    if (!l) this.labels.set(id, (l = this.node()));
    return l;
  }

  declare(d) {
    if (d.kind !== 'VarDecl' || !this.vars.has(d.id)) {
      if (d.kind === 'VarDecl') for (const c of children(d)) this.expr(c);
      return;
    }
    const init = children(d).find((c) => !c.kind?.endsWith('Attr'));
    if (init) {
      this.expr(init);
      this.event('w', d.id, this.unit.where(d), false);
    } else this.here().ev.push({ t: 'undef', v: d.id });
  }

  // A condition that is an integer constant: its value, else null.
  static constant(n) {
    const s = strip(n?.kind === 'ConstantExpr' ? children(n)[0] : n);
    return s?.kind === 'IntegerLiteral' ? Number(s.value) : null;
  }

  ifStmt(n, c) {
    const [cond, then, otherwise] = c;
    this.expr(cond);
    const k = Coroutine.constant(cond);
    const fork = this.here();
    const after = this.node();
    this.cur = k === 0 ? null : this.arm(fork);
    this.stmt(then);
    this.jump(after);
    this.cur = k !== null && k !== 0 ? null : this.arm(fork);
    if (otherwise?.kind) this.stmt(otherwise);
    this.jump(after);
    this.cur = after;
  }

  loop(init, cond, inc, body, bodyFirst) {
    if (init?.kind) this.stmt(init);
    const head = this.node(), after = this.node(), next = this.node();
    const k = cond?.kind ? Coroutine.constant(cond) : 1;
    const saved = [this.brk, this.cont];
    [this.brk, this.cont] = [after, next];
    const test = () => {
      if (cond?.kind) this.expr(cond);
      if (k === 0) this.jump(after);
      else if (k === null) {
        this.edge(this.cur, after);
        this.cur = this.arm(this.cur);
      }
    };
    this.jump(head);
    this.cur = head;
    if (!bodyFirst) test();
    if (this.cur || bodyFirst) {
      this.stmt(body);
      this.jump(next);
      this.cur = next;
      if (inc?.kind) this.expr(inc);
      if (bodyFirst) test();
      this.jump(head);
    } else {
      // the body never runs; `continue` in it still lands on `next`
      this.jump(next);
    }
    [this.brk, this.cont] = saved;
    this.cur = after;
  }

  switchStmt(cond, body) {
    this.expr(cond);
    const head = this.here();
    const after = this.node();
    const saved = [this.brk, this.switchHead, this.hasDefault];
    [this.brk, this.switchHead, this.hasDefault] = [after, head, false];
    this.switches++;
    this.cur = null;
    this.stmt(body);
    this.jump(after);
    if (!this.hasDefault) this.edge(head, after);
    this.switches--;
    [this.brk, this.switchHead, this.hasDefault] = saved;
    this.cur = after;
  }

  caseStmt(n, c) {
    const l = this.node();
    this.edge(this.cur, l);
    if (this.switchHead) this.edge(this.switchHead, l);
    if (n.kind === 'DefaultStmt') this.hasDefault = true;
    this.cur = l;
    this.stmt(c.at(-1) === c[0] && n.kind === 'CaseStmt' ? null : c.at(-1));
  }

  // TIDE_BEGIN / TIDE_FINALLY / TIDE_END: where the body starts, where the
  // cleanup starts, where the coroutine ends. Their own nodes (the switch,
  // its labels) are seen through: only the user's statements inside count.
  scaffold(n, site) {
    const kind = site.info.kind;
    if (kind === 'begin' && this.region === PROLOGUE) {
      this.region = BODY;
      this.beginSite = site;
      this.frameDecl = this.frameOf(n, site);
    } else if (kind === 'finally' && this.region !== FINALLY) {
      const f = this.node();
      this.edge(this.cur, f);
      this.cur = this.finallyEntry = f;
      this.region = FINALLY;
    } else if (kind === 'end') {
      this.jump(this.exit);
      return;
    }
    this.seeThrough(n, site);
  }

  seeThrough(n, site) {
    if (n.kind === 'LabelStmt' && site.info.kind === 'begin') this.topLabel ??= n.declId;
    const saved = [this.brk, this.switchHead];
    if (n.kind === 'SwitchStmt') [this.brk, this.switchHead] = [this.exit, null];
    for (const c of children(n)) {
      const s = this.unit.siteOfNode(c);
      const own = s && !s.inArgument && s.offset === site.offset;
      if (own && !isStatement(c)) continue; // the macro's own expressions
      if (own) this.seeThrough(c, site);
      else this.stmt(c);
    }
    [this.brk, this.switchHead] = saved;
  }

  // The variable TIDE_BEGIN(f) names, if `f` is one.
  frameOf(n, site) {
    for (const x of nodes(n)) {
      if (x.kind === 'DeclRefExpr' && this.unit.argIndex(site, x) === 0) return x.referencedDecl?.id ?? null;
    }
    return null;
  }

  // ---- awaits ----------------------------------------------------------------

  // The subtrees of an invocation written in each of its arguments: arg
  // index -> [node] (each occurrence once, however often the macro uses it).
  argumentNodes(group, site) {
    const found = new Map();
    const seen = new Set();
    const visit = (n) => {
      if (!n?.kind) return;
      const j = this.unit.argIndex(site, n);
      if (j >= 0) {
        const key = `${j}:${spellingOf(begin(n)).offset}:${n.kind}`;
        if (!seen.has(key)) {
          seen.add(key);
          if (!found.has(j)) found.set(j, []);
          found.get(j).push(n);
        }
        return;
      }
      for (const c of children(n)) visit(c);
    };
    for (const n of group) visit(n);
    return found;
  }

  await(group, site) {
    const { info } = site;
    const at = site.offset;
    this.awaitSites.set(at, site);
    if (this.region === PROLOGUE)
      this.report('await-outside-coroutine', at, `${site.name} before TIDE_BEGIN: an await belongs in the coroutine's body, between TIDE_BEGIN and TIDE_END`);
    if (this.switches > 0)
      this.report('await-in-switch', at, `${site.name} inside a switch statement: the coroutine macros are built on a switch, so this await's resume point would belong to your switch and the coroutine could not resume here; use if/else instead`);
    // variables the macro declares for itself
    const own = new Set();
    for (const g of group) for (const x of nodes(g)) if (x.kind === 'VarDecl') own.add(x.id);
    this.ignoredDecls = own;
    const args = this.argumentNodes(group, site);
    const roles = info.roles ?? [];
    const roleOf = (j) => (j < roles.length ? roles[j] : 'unknown');
    const after = [];
    for (const [j, list] of args) {
      const role = roleOf(j);
      for (const a of list) {
        if (role === 'rc') {
          this.expr(a, 'w');
          after.push(() => this.expr(a, 'w'));
        } else if (role === 'none') {
          // unused by the macro
        } else {
          this.expr(a);
          if (role === 'frame' || role === 'fn' || role === 'sub') after.push(() => this.expr(a));
          if (role === 'unknown') after.push(() => this.killWrites(a));
        }
        this.checkArgument(role, a, site, group);
      }
    }
    // locals the macro's own text names (not through an argument)
    for (const g of group) {
      for (const x of nodes(g)) {
        if (x.kind !== 'DeclRefExpr' || !this.vars.has(x.referencedDecl?.id) || own.has(x.referencedDecl.id)) continue;
        if (this.unit.argIndex(site, x) >= 0) continue;
        this.event('r', x.referencedDecl.id, at, false);
        after.push(() => this.event('w', x.referencedDecl.id, at, false));
      }
    }
    const before = this.here();
    if (info.raises) this.raise();
    const resumed = this.node();
    this.edge(before, resumed, at);
    this.cur = resumed;
    for (const f of after) f();
    if (info.raises) this.raise();
    this.ignoredDecls = new Set();
    // statements of the user's that a label of the macro's took in
    for (const g of group) this.trailing(g, site);
  }

  // TIDE_WITH(f, scope) block: an await that enters the scope (`scope`
  // evaluated before it suspends), the block, and an await that leaves the
  // scope, where the block's errors pass on their way to FINALLY. The
  // macro's own statements (its loops, its labels) are seen through: only
  // the block counts.
  withStmt(n, site) {
    const at = site.offset;
    this.awaitSites.set(at, site);
    if (this.region === PROLOGUE)
      this.report('await-outside-coroutine', at, `${site.name} before TIDE_BEGIN: it awaits, and an await belongs in the coroutine's body, between TIDE_BEGIN and TIDE_END`);
    if (this.switches > 0)
      this.report('await-in-switch', at, `${site.name} inside a switch statement: the coroutine macros are built on a switch, so its resume points would belong to your switch; use if/else instead`);
    const args = this.argumentNodes([n], site);
    const roles = site.info.roles ?? [];
    const frames = [];
    const rcs = []; // TIDE_WITH_CATCH's outcome, written as each await ends
    for (const [j, list] of args) {
      for (const a of list) {
        const role = roles[j] ?? 'unknown';
        if (role === 'rc') rcs.push(a);
        else this.expr(a);
        if (role !== 'call' && role !== 'rc') frames.push(a);
        this.checkArgument(role, a, site, [n]);
      }
    }
    const suspend = () => {
      this.raise();
      const resumed = this.node();
      this.edge(this.here(), resumed, at);
      this.cur = resumed;
      for (const a of frames) this.expr(a);
      for (const a of rcs) this.expr(a, 'w');
      this.raise();
    };
    suspend(); // entering
    const leave = this.node();
    const block = this.userStatements(n, site);
    const labels = new Set(block.flatMap((b) => nodes(b)).filter((x) => x.kind === 'LabelStmt').map((x) => x.declId));
    const saved = [this.brk, this.cont, this.raises];
    [this.brk, this.cont, this.raises] = [leave, leave, []];
    this.withs.push({ leave, labels, site });
    for (const b of block) this.stmt(b);
    this.jump(leave);
    this.withs.pop();
    const inner = this.raises;
    [this.brk, this.cont, this.raises] = saved;
    for (const r of inner) this.edge(r.from, leave); // errors leave through the exit
    this.cur = leave;
    suspend(); // leaving
  }

  // The statements of the program's inside an invocation (the block after
  // TIDE_WITH), outside its arguments.
  userStatements(n, site) {
    const out = [];
    for (const c of children(n)) {
      const s = this.unit.siteOfNode(c);
      const own = s && !s.inArgument && s.offset === site.offset;
      if (own && isStatement(c)) out.push(...this.userStatements(c, site));
      else if (!own && isStatement(c) && this.unit.argIndex(site, c) < 0) out.push(c);
    }
    return out;
  }

  // break / continue that would leave the TIDE_WITH block around them (not
  // a loop inside it, nor one around it).
  checkLeavesWith(n, target, word) {
    const w = this.withs.at(-1);
    if (w && target === w.leave)
      this.report('break-in-with', this.unit.where(n), `\`${word}\` directly in a ${w.site.name} block leaves the block (TIDE_WITH is a loop of its own), not the loop around it; leave the block first (set a flag, test it after the block)`);
  }

  checkGotoOut(n) {
    const w = this.withs.find((x) => !x.labels.has(n.targetLabelDeclId));
    if (w)
      this.report('goto-out-of-with', this.unit.where(n), `a goto out of a ${w.site.name} block skips its exit: the scope stays open (a lock held) until the coroutine raises, returns or ends; leave the block by its end, break, TIDE_RETURN or an error`);
  }

  trailing(n, site) {
    for (const c of children(n)) {
      const s = this.unit.siteOfNode(c);
      const own = s && s.offset === site.offset;
      if (own && isStatement(c)) this.trailing(c, site);
      else if (!own && isStatement(c) && this.unit.argIndex(site, c) < 0) this.stmt(c);
    }
  }

  killWrites(n) {
    const saved = this.cur;
    const probe = { id: -1, ev: [], succ: [] };
    this.cur = probe;
    this.expr(n);
    this.cur = saved;
    for (const e of probe.ev) if (e.t === 'w' || e.t === 'mw' || e.t === 'a') this.event('w', e.v, e.off, false, e.path);
  }

  // The local variable an lvalue is part of (x, x.f, x[i]), or null.
  localRoot(n) {
    n = peel(n);
    while (n) {
      if (n.kind === 'DeclRefExpr') {
        const v = this.vars.get(n.referencedDecl?.id);
        return v && !v.param ? v : null;
      }
      if (n.kind === 'MemberExpr' && !n.isArrow) n = peel(children(n)[0]);
      else if (n.kind === 'ArraySubscriptExpr') {
        const b = peel(children(n)[0]);
        if (b?.kind !== 'ImplicitCastExpr' || b.castKind !== 'ArrayToPointerDecay') return null;
        n = peel(children(b)[0]);
      } else if (n.kind === 'ParenExpr') n = children(n)[0];
      else return null;
    }
    return null;
  }

  // The local variable a pointer value points into (&x, &x.f, array x), or
  // null. An array is a pointer wherever it is used as a value (the decay
  // may be outside the macro argument at hand).
  pointedLocal(n) {
    n = peel(n);
    if (n?.kind === 'UnaryOperator' && n.opcode === '&') return this.localRoot(children(n)[0]);
    if (n?.kind === 'ImplicitCastExpr' && n.castKind === 'ArrayToPointerDecay') return this.localRoot(children(n)[0]);
    if (/\]$/.test(n?.type?.qualType ?? '')) return this.localRoot(n);
    return null;
  }

  checkArgument(role, a, site, group = []) {
    const at = this.unit.where(a);
    if (role === 'frame') {
      const d = peel(a);
      const v = d?.kind === 'DeclRefExpr' ? d.referencedDecl?.id : null;
      if (v && this.frameDecl && v !== this.frameDecl && this.region !== PROLOGUE)
        this.report('await-wrong-frame', at, `${site.name} is given \`${d.referencedDecl.name}\`, but this coroutine's frame is the one given to TIDE_BEGIN: the resume point would be saved in the wrong frame; pass the coroutine's own frame`);
    } else if (role === 'sub') {
      if ([...nodes(a)].some((x) => x.kind === 'CompoundLiteralExpr')) {
        this.report('subframe-compound-literal', at, `the sub-frame of ${site.name} is a compound literal: it is made anew, zeroed, every time the coroutine resumes, so the sub-coroutine restarts instead of going on; give it a frame member (e.g. \`&f->sub\`) set before the call`);
        return;
      }
      const v = this.pointedLocal(a);
      if (v) this.report('subframe-local', at, `the sub-frame of ${site.name} points to the local \`${v.name}\`, which does not survive a suspension: the sub-coroutine would lose its state; make it a member of the caller's frame`);
    } else if (role === 'call') {
      const call = peel(a);
      // the whole call, or (a macro of the program's own:
      // `#define GET(f, q, out) TIDE_AWAIT(f, tide_queue_get(q, out))`) one
      // of its arguments, found in the calls the macro makes
      const calls = call?.kind === 'CallExpr' ? [[call, null]]
        : group.flatMap((g) => [...nodes(g)]).filter((x) => x.kind === 'CallExpr').map((x) => [x, a]);
      for (const [c, only] of calls) {
        const name = calleeName(c);
        if (!this.unit.awaitables.has(name)) continue;
        const params = this.unit.paramTypes(name);
        children(c).slice(1).forEach((arg, i) => {
          const type = params?.[i];
          if (!type || pointsToConst(type) || (only && peel(arg) !== peel(only))) return;
          const v = this.pointedLocal(arg);
          if (v) this.report('pointer-to-local', this.unit.where(only ?? arg), `${name} is given a pointer to the local \`${v.name}\`, which it writes or keeps while the task is suspended, when the local no longer exists; point it into the frame instead`);
        });
      }
    }
  }

  // Pointers to locals handed to what runs later: a spawned task (its frame
  // is copied, and the pointers in it with it) or a callback. Whatever it
  // is, it runs once this step has returned to the loop, when the
  // coroutine's locals are gone. The frame is checked where it is written
  // in the call (TIDE_SPAWN's compound literal, member by member).
  checkDeferred(body) {
    const all = [...nodes(body)];
    for (const c of all) {
      if (c.kind !== 'CallExpr') continue;
      const name = calleeName(c);
      const how = DEFERRED[name];
      if (!how) continue;
      const arg = children(c)[1 + (how.frame ?? how.arg)];
      if (!arg) continue;
      const found = [];
      if (how.arg !== undefined) {
        const v = this.pointedLocal(arg);
        if (v) found.push([arg, v]);
      } else {
        const lit = [...nodes(arg)].find((x) => x.kind === 'CompoundLiteralExpr');
        const walk = (init) => found.push(...this.localsInInit(init));
        const list = lit && [...nodes(lit)].find((x) => x.kind === 'InitListExpr');
        if (list) walk(list);
        else {
          // a frame made in a local of its own (`struct child c = {.out =
          // &x}; tide_spawn(child, &c, sizeof c, ...)`, tide_spawn's general
          // form): its initialiser and the member assignments before the call
          const id = this.frameVariable(arg);
          for (const x of id ? all.slice(0, all.indexOf(c)) : []) {
            if (x.kind === 'VarDecl' && x.id === id) {
              const init = children(x).map(peel).find((k) => k?.kind === 'InitListExpr');
              if (init) walk(init);
            } else if (x.kind === 'BinaryOperator' && x.opcode === '=' && memberRoot(children(x)[0]) === id) {
              const v = this.pointedLocal(children(x)[1]);
              if (v) found.push([children(x)[1], v]);
            }
          }
        }
      }
      const what = how.what ?? (how.frame !== undefined ? 'the frame of the task it spawns' : 'the argument its callback gets');
      for (const [e, v] of found)
        this.report('deferred-pointer-to-local', this.unit.where(e), `${name}: ${what} points to the local \`${v.name}\`, which is gone by the time it is used (after this step has returned to the loop); put the value itself there, or point into this coroutine's frame or into memory you allocate`);
    }
  }

  // [element, local] for each member of an initialiser list (nested ones
  // too) that points to a local; `keep(element)` picks which count.
  localsInInit(init, keep = () => true) {
    const found = [];
    for (const e of children(init)) {
      if (peel(e)?.kind === 'InitListExpr') { found.push(...this.localsInInit(peel(e), keep)); continue; }
      const v = keep(e) && this.pointedLocal(e);
      if (v) found.push([e, v]);
    }
    return found;
  }

  // TIDE_AWAIT_CALL_INIT's `*(sub) = (struct fn){.out = &x, ...}`: a frame
  // (its first member a tide_frame) assigned from a compound literal. The
  // sub-coroutine runs on across its suspensions, after which the caller's
  // locals are gone: a member pointing to one is kept too long (one that
  // points to const is taken as read, as for an awaitable's argument).
  checkSubframeInit(body) {
    for (const x of nodes(body)) {
      if (x.kind !== 'BinaryOperator' || x.opcode !== '=') continue;
      let lit = peel(children(x)[1]);
      if (lit?.kind === 'ImplicitCastExpr') lit = peel(children(lit)[0]); // (a struct's lvalue read)
      const list = lit?.kind === 'CompoundLiteralExpr' ? peel(children(lit)[0]) : null;
      if (list?.kind !== 'InitListExpr' || children(list)[0]?.type?.qualType !== 'tide_frame') continue;
      const what = lit.type?.qualType ?? 'a sub-coroutine';
      for (const [e, v] of this.localsInInit(list, (e) => !pointsToConst(e.type?.qualType ?? '')))
        this.report('pointer-to-local', this.unit.where(e), `the sub-frame (${what}) is given a pointer to the local \`${v.name}\`, which the sub-coroutine writes or keeps while the task is suspended, when the local no longer exists; point it into the frame instead`);
    }
  }

  // The local variable (its decl id) whose address `arg` is: `&c`, or null.
  frameVariable(arg) {
    const d = peel(arg);
    const ref = d?.kind === 'UnaryOperator' && d.opcode === '&' ? peel(children(d)[0]) : null;
    const id = ref?.kind === 'DeclRefExpr' ? ref.referencedDecl?.id : null;
    return id && this.vars.has(id) && !this.vars.get(id).param ? id : null;
  }

  // TIDE_RETURN's value is read after the coroutine has returned.
  checkReturn(n, site) {
    for (const [j, list] of this.argumentNodes([n], site)) {
      if (site.info.roles?.[j] !== 'value') continue;
      for (const a of list) {
        const v = this.pointedLocal(a);
        if (v) this.report('return-pointer-to-local', this.unit.where(a), `${site.name} gives a pointer to the local \`${v.name}\`, which is gone once the coroutine has returned: whoever reads the result would read a dead stack; return a pointer into the frame (which lives as long as the task) or into memory you allocate`);
      }
    }
  }

  // ---- expressions -----------------------------------------------------------

  // An event on variable v, or on its member `path` ("a.b"; '' for all of
  // it): 'r' read, 'w' written, 'mw' partly written, 'a' address taken,
  // 'undef' declared again without a value.
  event(t, v, off, cond, path = '') {
    if (!this.vars.has(v) || this.ignoredDecls.has(v)) return;
    if (cond && (t === 'w' || t === 'a')) t = 'mw';
    this.here().ev.push({ t, v, off, path, region: this.region });
  }

  // Events of an expression in evaluation order. mode: how the value is
  // used: 'r' read, 'w' written, 'mw' partly written, 'rw' read then
  // written, 'rmw' read then partly written, 'a' address taken. path: the
  // members of a struct variable the value is (see event).
  expr(n, mode = 'r', cond = false, path = '') {
    if (!n?.kind) return;
    const c = children(n);
    const part = (m) => ({ w: 'mw', rw: 'rmw' })[m] ?? m;
    switch (n.kind) {
      case 'DeclRefExpr': {
        const v = n.referencedDecl?.id;
        const off = this.unit.where(n);
        if (mode === 'r' || mode === 'rw' || mode === 'rmw') this.event('r', v, off, cond, path);
        if (mode === 'w' || mode === 'rw') this.event('w', v, off, cond, path);
        if (mode === 'mw' || mode === 'rmw') this.event('mw', v, off, cond, path);
        if (mode === 'a') this.event('a', v, off, cond, path);
        return;
      }
      case 'ImplicitCastExpr':
        if (n.castKind === 'LValueToRValue') return this.expr(c[0], 'r', cond);
        if (n.castKind === 'ArrayToPointerDecay') return this.expr(c[0], mode === 'r' ? 'a' : mode, cond, path);
        return this.expr(c[0], mode, cond, path);
      case 'CStyleCastExpr':
        // `(void)x;`, the idiom that silences "unused": it reads nothing
        if (n.castKind === 'ToVoid' && discarded(c.at(-1))) return;
        return this.expr(c.at(-1), mode, cond, path);
      case 'ParenExpr':
        return this.expr(c.at(-1), mode, cond, path);
      case 'MemberExpr': {
        if (n.isArrow) return this.expr(c[0], 'r', cond);
        const name = n.name || `#${n.referencedMemberDecl}`;
        return this.expr(c[0], mode, cond, path ? `${name}.${path}` : name);
      }
      case 'ArraySubscriptExpr': {
        // An element at a constant index is a part of its own, as a
        // member is (arr[0] written after an await, then read); any other
        // index, or an element's address (it may reach the others), is
        // the whole array, partly.
        const b = peel(c[0]);
        this.expr(c[1], 'r', cond);
        if (b?.kind !== 'ImplicitCastExpr' || b.castKind !== 'ArrayToPointerDecay') return this.expr(c[0], 'r', cond);
        const k = constantIndex(c[1]);
        if (k !== null && mode !== 'a') return this.expr(children(b)[0], mode, cond, path ? `[${k}].${path}` : `[${k}]`);
        return this.expr(children(b)[0], part(mode), cond);
      }
      case 'UnaryOperator':
        if (n.opcode === '&') return this.expr(c[0], 'a', cond);
        if (n.opcode === '++' || n.opcode === '--') return this.expr(c[0], 'rw', cond);
        return this.expr(c[0], 'r', cond);
      case 'BinaryOperator':
        if (n.opcode === '=') {
          this.expr(c[1], 'r', cond);
          return this.expr(c[0], 'w', cond);
        }
        this.expr(c[0], 'r', cond);
        return this.expr(c[1], n.opcode === ',' ? mode : 'r', cond || n.opcode === '&&' || n.opcode === '||');
      case 'CompoundAssignOperator':
        this.expr(c[1], 'r', cond);
        return this.expr(c[0], 'rw', cond);
      case 'ConditionalOperator':
        this.expr(c[0], 'r', cond);
        this.expr(c[1], mode, true);
        return this.expr(c[2], mode, true);
      case 'CallExpr':
        return this.call(n, c, cond);
      case 'UnaryExprOrTypeTraitExpr':
      case 'OffsetOfExpr':
        return; // not evaluated
      default:
        for (const x of c) this.expr(x, 'r', cond);
    }
  }

  call(n, c, cond) {
    this.expr(c[0], 'r', cond);
    const params = this.unit.paramTypes(calleeName(n));
    c.slice(1).forEach((arg, i) => {
      const p = peel(arg);
      const decay = p?.kind === 'ImplicitCastExpr' && p.castKind === 'ArrayToPointerDecay';
      const addr = p?.kind === 'UnaryOperator' && p.opcode === '&';
      if (decay || addr) {
        const type = params?.[i];
        // through a const pointer (or printf's "%s") the callee only reads
        const readOnly = type ? pointsToConst(type) : decay;
        if (readOnly) return this.expr(children(p)[0], 'r', cond);
      }
      this.expr(arg, 'r', cond);
    });
  }

  // ---- the analysis ----------------------------------------------------------

  finish() {
    const exitFrom = (region) => (region !== FINALLY && this.finallyEntry ? this.finallyEntry : this.exit);
    for (const r of this.raises) this.edge(r.from, exitFrom(r.region));
    this.jump(this.exit);
    return this.lostReads();
  }

  // Reaching definitions. A state maps "<var>|<path>" (a variable, or a
  // member of a struct variable: see event) to the set of its definitions:
  // 'P' (written in the prologue, or a parameter: written again on every
  // resume), 'B<offset>' (written in the body), 'L<await>:<write>' (written
  // in the body, then lost at an await). A key for a member exists only if
  // that member was written after the last write of what contains it, so a
  // member's definitions are those of the longest key that covers it.
  lostReads() {
    const inState = new Map();
    const entry = new Map();
    for (const [id, v] of this.vars) if (v.param) entry.set(`${id}|`, new Set(['P']));
    inState.set(this.entry.id, entry);
    const work = [this.entry];
    const queued = new Set([this.entry.id]);
    const found = [];
    const covering = (state, key) => {
      for (let k = key; ; ) {
        const defs = state.get(k);
        if (defs) return defs;
        const bar = k.indexOf('|');
        if (bar === k.length - 1) return null;
        const dot = k.lastIndexOf('.');
        k = dot > bar ? k.slice(0, dot) : k.slice(0, bar + 1);
      }
    };
    // keys inside `key` (its members), `key` included
    const inside = (state, key) => [...state.keys()].filter((k) => k === key || k.startsWith(key.endsWith('|') ? key : `${key}.`));
    const run = (node, state, record) => {
      const s = new Map(state);
      for (const e of node.ev) {
        const key = `${e.v}|${e.path}`;
        const def = e.region === PROLOGUE ? 'P' : `B${e.off}`;
        if (e.t === 'r') {
          if (!record) continue;
          const defs = [covering(s, key), ...inside(s, key).filter((k) => k !== key).map((k) => s.get(k))];
          for (const set of defs) if (set) for (const d of set) if (d[0] === 'L') found.push({ v: e.v, off: e.off, lost: d });
        } else if (e.t === 'w' || e.t === 'a') {
          for (const k of inside(s, key)) s.delete(k);
          s.set(key, new Set([def]));
        } else if (e.t === 'mw') s.set(key, new Set(covering(s, key) ?? []).add(def));
        else if (e.t === 'undef') {
          for (const k of inside(s, `${e.v}|`)) s.delete(k);
          s.set(`${e.v}|`, new Set());
        }
      }
      return s;
    };
    const clobber = (state, at) => {
      const s = new Map();
      for (const [k, defs] of state) {
        const out = new Set();
        for (const d of defs) out.add(d[0] === 'B' ? `L${at}:${d.slice(1)}` : d);
        s.set(k, out);
      }
      return s;
    };
    // source into target; a key one side lacks has there what covers it
    const join = (target, source) => {
      let changed = false;
      for (const k of new Set([...target.keys(), ...source.keys()])) {
        const from = source.get(k) ?? covering(source, k);
        let t = target.get(k);
        if (!t) {
          const cover = covering(target, k);
          target.set(k, (t = new Set(cover ?? [])));
          if (!cover && from?.size) changed = true;
        }
        if (from) for (const d of from) if (!t.has(d)) { t.add(d); changed = true; }
      }
      return changed;
    };
    while (work.length) {
      const node = work.shift();
      queued.delete(node.id);
      const out = run(node, inState.get(node.id), false);
      for (const { to, clobber: at } of node.succ) {
        const s = at === null ? out : clobber(out, at);
        let target = inState.get(to.id);
        let changed = false;
        if (!target) {
          inState.set(to.id, (target = new Map()));
          changed = true;
        }
        if (join(target, s)) changed = true;
        if (changed && !queued.has(to.id)) {
          queued.add(to.id);
          work.push(to);
        }
      }
    }
    for (const node of this.nodes) if (inState.has(node.id)) run(node, inState.get(node.id), true);
    return found;
  }
}

const describe = (unit, offset) => unit.source.position(offset).line;

function reportLost(unit, co, found, report) {
  const byVar = new Map();
  for (const f of found) {
    const [at, write] = f.lost.slice(1).split(':').map(Number);
    const prev = byVar.get(f.v);
    if (!prev || f.off < prev.off || (f.off === prev.off && at < prev.at)) byVar.set(f.v, { off: f.off, at, write });
  }
  for (const [v, f] of byVar) {
    const name = co.vars.get(v).name;
    const site = co.awaitSites.get(f.at);
    const frame = co.beginSite?.args?.[0] ? unit.source.text.slice(co.beginSite.args[0].begin, co.beginSite.args[0].end) : 'f';
    const member = /^[A-Za-z_]\w*$/.test(frame) ? `${frame}->${name}` : `a member of the frame`;
    report('local-across-await', f.off,
      `\`${name}\` is a local variable: the value written at line ${describe(unit, f.write)} is lost at the ${site?.name ?? 'await'} on line ${describe(unit, f.at)} (the coroutine returns to the loop there and is called again later), and it is read here after it; keep it in the frame (${member})`);
  }
}

// Checks one translation unit; returns findings
// [{file, line, col, rule, message}] sorted by position.
export function checkUnit({ root, main, source, macros }) {
  const unit = new Unit(root, main, source, macros);
  const findings = [];
  const keys = new Set();
  const report = (rule, offset, message) => {
    if (offset === undefined || offset === null) return;
    const { line, col } = source.position(offset);
    const key = `${rule}:${offset}`;
    if (keys.has(key) || source.ignored(rule, line)) return;
    keys.add(key);
    findings.push({ file: source.file, line, col, rule, message, offset });
  };

  const coroutineSite = (def) => {
    for (const n of nodes(def.body)) {
      const s = unit.siteOfNode(n);
      if (s && !s.inArgument && s.info?.kind === 'begin') return s;
    }
    return null;
  };
  const defs = unit.definitions.map((def) => ({ ...def, begin: coroutineSite(def) }));

  // Wrappers: a function (not a coroutine) that returns an awaitable's
  // result, directly or through a local variable, is an awaitable too, and
  // that call is fine (its callers must await the wrapper).
  const forwarded = new Set();
  const returnedCalls = (e) => {
    const s = peel(e);
    if (s?.kind === 'ConditionalOperator') return [...returnedCalls(children(s)[1]), ...returnedCalls(children(s)[2])];
    return s?.kind === 'CallExpr' ? [s] : [];
  };
  // calls whose result a local variable holds: var id -> [call]
  const heldBy = (body) => {
    const held = new Map();
    const hold = (v, e) => {
      const calls = returnedCalls(e);
      if (v && calls.length) held.set(v, [...(held.get(v) ?? []), ...calls]);
    };
    for (const n of nodes(body)) {
      if (n.kind === 'VarDecl' && n.init) hold(n.id, children(n).at(-1));
      else if (n.kind === 'BinaryOperator' && n.opcode === '=') {
        const l = peel(children(n)[0]);
        if (l?.kind === 'DeclRefExpr') hold(l.referencedDecl?.id, children(n)[1]);
      }
    }
    return held;
  };
  // functions used as values (callbacks), not only called: never wrappers
  const asValue = new Set();
  for (const body of [...defs.map((d) => d.body), ...unit.globals]) {
    const callees = new Set();
    for (const n of nodes(body)) {
      if (n.kind === 'CallExpr') callees.add(strip(children(n)[0]));
      else if (n.kind === 'DeclRefExpr' && n.referencedDecl?.kind === 'FunctionDecl' && !callees.has(n)) asValue.add(n.referencedDecl.name);
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const def of defs) {
      if (def.begin || asValue.has(def.decl.name)) continue;
      const held = heldBy(def.body);
      for (const n of nodes(def.body)) {
        if (n.kind !== 'ReturnStmt') continue;
        const value = strip(children(n)[0]);
        const through = value?.kind === 'DeclRefExpr' ? held.get(value.referencedDecl?.id) ?? [] : [];
        for (const call of [...returnedCalls(value), ...through]) {
          if (!unit.awaitables.has(calleeName(call)) || forwarded.has(call)) continue;
          forwarded.add(call);
          if (!unit.awaitables.has(def.decl.name)) unit.awaitables.add(def.decl.name);
          changed = true;
        }
      }
    }
  }

  for (const def of defs) {
    if (def.begin) {
      const co = new Coroutine(unit, def, report);
      reportLost(unit, co, co.finish(), report);
      co.checkDeferred(def.body);
      co.checkSubframeInit(def.body);
    } else {
      for (const n of nodes(def.body)) {
        const s = unit.siteOfNode(n);
        if (s && !s.inArgument && (s.info?.kind === 'await' || s.info?.kind === 'with'))
          report('await-outside-coroutine', s.offset, `${s.name} in \`${def.decl.name}\`, which is not a coroutine (no TIDE_BEGIN): an await belongs between TIDE_BEGIN and TIDE_END of a coroutine`);
      }
    }
    checkAwaitableCalls(unit, def, forwarded, report);
  }
  return findings.sort((a, b) => a.offset - b.offset || a.rule.localeCompare(b.rule));
}

// Awaitable calls outside an await (or a wrapper's return).
function checkAwaitableCalls(unit, def, forwarded, report) {
  for (const n of nodes(def.body)) {
    if (n.kind !== 'CallExpr' || forwarded.has(n)) continue;
    const name = calleeName(n);
    if (!unit.awaitables.has(name)) continue;
    const s = unit.siteOfNode(n);
    if (s?.info?.kind === 'await') {
      const j = unit.argIndex(s, n);
      const role = j < 0 ? 'call' : (s.info.roles?.[j] ?? 'unknown');
      if (role === 'call' || role === 'unknown' || role === 'none') continue;
    }
    if (s?.info?.kind === 'with' && unit.argIndex(s, n) < 0) continue; // the macro's own await
    const at = unit.where(n);
    if (s?.info?.kind === 'try')
      report('awaitable-outside-await', at, `${name}() is awaitable but given to ${s.name}, which does not suspend: the task would be registered as waiting and then run on; use TIDE_AWAIT (or TIDE_AWAIT_CATCH to handle the error yourself)`);
    else
      report('awaitable-outside-await', at, `${name}() is awaitable and must be called inside TIDE_AWAIT (or TIDE_AWAIT_CATCH): called elsewhere it registers the task as waiting and nothing suspends it`);
  }
}

