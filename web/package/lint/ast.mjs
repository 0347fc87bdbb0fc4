// ast.mjs - clang's JSON AST made easy to walk. clang writes a location's
// file and line only when they differ from the location written just before
// (in document order); decode() puts them back in every location, and finds
// the main file. Helpers then answer "where was this node written" (its
// spelling) and "which macro invocation produced it" (its expansion site).

// Fills in `file` and `line` of every location of the dump, in the order
// clang wrote them (JSON.parse keeps the key order); returns the main file:
// that of the first location not included from another file.
export function decode(root) {
  let file = null, line = null, main = null;
  const walk = (v) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if ('offset' in v && 'col' in v) {
      if (v.file !== undefined) file = v.file;
      else v.file = file;
      if (v.line !== undefined) line = v.line;
      else v.line = line;
      if (main === null && !v.includedFrom && file && !file.startsWith('<')) main = file;
      return;
    }
    for (const k in v) {
      const x = v[k];
      if (x !== null && typeof x === 'object') walk(x);
    }
  };
  walk(root);
  return main;
}

const STATEMENTS = new Set([
  'CompoundStmt', 'DeclStmt', 'IfStmt', 'ForStmt', 'WhileStmt', 'DoStmt', 'SwitchStmt', 'CaseStmt',
  'DefaultStmt', 'BreakStmt', 'ContinueStmt', 'ReturnStmt', 'GotoStmt', 'IndirectGotoStmt', 'LabelStmt',
  'NullStmt', 'AttributedStmt', 'GCCAsmStmt', 'MSAsmStmt',
]);
export const isStatement = (n) => STATEMENTS.has(n?.kind);
export const children = (n) => n?.inner ?? [];

// The location a node starts at, as written in a file (not inside a macro).
export const begin = (n) => n?.range?.begin;
export const isMacroLoc = (l) => l?.expansionLoc !== undefined;
export const expansionOf = (l) => (isMacroLoc(l) ? l.expansionLoc : l);
export const spellingOf = (l) => (isMacroLoc(l) ? l.spellingLoc : l);

// The macro invocation a node comes from: {file, offset} of the macro's
// name where it is invoked, and whether the node is one of its arguments;
// null for a node written in the file itself.
export function siteOf(n) {
  const l = begin(n);
  if (!isMacroLoc(l)) return null;
  const e = l.expansionLoc;
  return { file: e.file, offset: e.offset, inArgument: !!e.isMacroArgExpansion };
}

// Strips parentheses and implicit or explicit casts.
export function strip(n) {
  while (n && (n.kind === 'ParenExpr' || n.kind === 'ImplicitCastExpr' || n.kind === 'CStyleCastExpr'))
    n = children(n).at(-1);
  return n;
}

// The function a call calls by name, or null (a call through a pointer).
export function calleeName(call) {
  const c = strip(children(call)[0]);
  return c?.kind === 'DeclRefExpr' && c.referencedDecl?.kind === 'FunctionDecl' ? c.referencedDecl.name : null;
}

// Every node of a subtree, parents first, in document (source) order.
export function nodes(n) {
  const out = [];
  const stack = n && typeof n === 'object' ? [n] : [];
  while (stack.length) {
    const x = stack.pop();
    out.push(x);
    const c = x.inner;
    if (c) for (let i = c.length - 1; i >= 0; i--) if (c[i] && typeof c[i] === 'object') stack.push(c[i]);
  }
  return out;
}

// The return type of a function type written as clang does ("int (double)").
export function returnType(fnType) {
  let depth = 0;
  for (let i = fnType.length - 1; i >= 0; i--) {
    const c = fnType[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) return fnType.slice(0, i).trim();
  }
  return fnType;
}

// Whether a pointer type's pointee is const ("const char *", "T *const *").
export function pointsToConst(type) {
  // qualifiers of the pointer itself do not matter
  const t = type.trim().replace(/(\s*\b(?:const|volatile|restrict|__restrict|__restrict__)\s*)+$/, '');
  if (!t.endsWith('*')) return true; // not a pointer: nothing written through it
  const pointee = t.slice(0, -1).trim();
  return /\bconst$/.test(pointee) || (!pointee.endsWith('*') && /^const\b|\bconst\b/.test(pointee));
}
