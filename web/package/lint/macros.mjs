// macros.mjs - which macros are awaits and which mark a coroutine's body,
// from the definitions the preprocessor saw (`clang -E -dD`). The primitives
// are known by name (rules.mjs); any other macro is classified by the Tide
// macros its body invokes, so TIDE_YIELD, or a program's own
// `#define SLEEP(f, s) TIDE_AWAIT(f, tide_sleep(s))`, is an await whose
// arguments keep their roles. Nothing here depends on what the primitives
// expand to.
import { AWAIT_MACROS, SCAFFOLD_MACROS, OTHER_MACROS } from './rules.mjs';
import { tokens, splitTokenArgs } from './source.mjs';

const DEFINE = /^#define ([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?(?: (.*))?$/;
const UNDEF = /^#undef ([A-Za-z_][A-Za-z0-9_]*)/;

// name -> {params: [...] | null, body} from `clang -E -dD` output (the last
// definition of each name wins).
export function parseDefinitions(text) {
  const defs = new Map();
  for (const line of text.split('\n')) {
    if (line[0] !== '#') continue;
    let m = DEFINE.exec(line);
    if (m) {
      const params = m[2] === undefined ? null : m[3].split(',').map((p) => p.trim()).filter(Boolean)
        .map((p) => (p === '...' ? '__VA_ARGS__' : p.replace(/\.\.\.$/, '')));
      defs.set(m[1], { params, body: m[4] ?? '' });
    } else if ((m = UNDEF.exec(line))) defs.delete(m[1]);
  }
  return defs;
}

// How the arguments of a macro built on another (an await, TIDE_RETURN)
// are used, from where its parameters appear in the one it invokes.
// `open` is the index of the `(` after the await's name in the body tokens.
function derivedRoles(params, toks, open, inner) {
  const { args, next } = splitTokenArgs(toks, open);
  return params.map((p) => {
    // used elsewhere in the body too: before or after the suspension,
    // which only roles evaluated on both sides of it cover
    const outside = toks.some((t, k) => t === p && (k < open || k >= next));
    const where = args.map((a, j) => (a.includes(p) ? j : -1)).filter((j) => j >= 0);
    if (where.length > 1) return 'unknown';
    if (where.length === 0) return outside ? 'unknown' : 'none';
    const j = where[0];
    const role = inner.roles[Math.min(j, inner.roles.length - 1)] ?? 'unknown';
    if (outside && !['frame', 'fn', 'sub'].includes(role)) return 'unknown';
    if (args[j].length === 1) return role;
    // part of a larger expression in that argument
    if (role === 'call') return 'call';
    if (role === 'rc') return 'unknown';
    return 'fn'; // evaluated before and after the suspension
  });
}

export class MacroTable {
  constructor(defs = new Map()) {
    this.defs = defs;
    this.memo = new Map();
  }

  // null, or {kind: 'await', roles, raises, base}, {kind: 'begin' |
  // 'finally' | 'end'}, {kind: 'try' | 'return', roles}.
  kind(name, seen = new Set()) {
    if (this.memo.has(name)) return this.memo.get(name);
    const info = this.classify(name, seen);
    this.memo.set(name, info);
    return info;
  }

  static primitive(name) {
    if (AWAIT_MACROS[name]) return { kind: 'await', ...AWAIT_MACROS[name], base: name };
    if (SCAFFOLD_MACROS[name]) return { kind: SCAFFOLD_MACROS[name] };
    return OTHER_MACROS[name] ?? null;
  }

  classify(name, seen) {
    const known = MacroTable.primitive(name);
    if (known) return known;
    const def = this.defs.get(name);
    if (!def || seen.has(name)) return null;
    seen.add(name);
    const toks = tokens(def.body);
    const found = [];
    toks.forEach((t, i) => {
      if (t === name || !/^[A-Za-z_]/.test(t) || (!this.defs.has(t) && !MacroTable.primitive(t))) return;
      const info = this.kind(t, seen);
      if (info) found.push({ at: i, info });
    });
    seen.delete(name);
    const awaits = found.filter((f) => f.info.kind === 'await');
    const params = def.params ?? [];
    if (awaits.length) {
      const one = awaits.length === 1 && toks[awaits[0].at + 1] === '(';
      const roles = one ? derivedRoles(params, toks, awaits[0].at + 1, awaits[0].info) : params.map(() => 'unknown');
      return { kind: 'await', roles, raises: one ? awaits[0].info.raises : true, base: one ? awaits[0].info.base : null };
    }
    if (!found.length) return null;
    const { at, info } = found[0];
    if (!info.roles) return { kind: info.kind };
    const one = found.filter((f) => f.info.kind === info.kind).length === 1 && toks[at + 1] === '(';
    return { kind: info.kind, roles: one ? derivedRoles(params, toks, at + 1, info) : params.map(() => 'unknown') };
  }

  // Whether `text` (a macro argument) names an await macro: an await passed
  // through another macro's arguments.
  mentionsAwait(text) {
    return tokens(text).some((t) => /^[A-Za-z_]/.test(t) && this.kind(t)?.kind === 'await');
  }
}
