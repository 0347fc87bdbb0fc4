// source.mjs - what the checker reads from the source text itself: line and
// column of a byte offset, the arguments of a macro invocation, the
// identifiers of a macro body, and `tide-lint: ignore` comments. Everything
// about the program's meaning comes from clang's AST; this is only the
// lexical layer clang's JSON dump leaves out (macro names and arguments at
// their expansion sites, comments).
import fs from 'node:fs';

// A source file, read as latin1 so that string indices are the byte offsets
// clang reports.
export class Source {
  constructor(file, text) {
    this.file = file;
    this.text = text ?? fs.readFileSync(file, 'latin1');
    this.lineStarts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    this.fileIgnores = new Set();
    this.ignores = scanIgnores(this.text, this);
  }

  // 1-based line and column (in bytes, as clang counts) of a byte offset.
  position(offset) {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo] + 1 };
  }

  // The identifier that starts at `offset` (a macro name at its expansion site).
  identifierAt(offset) {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(offset, offset + 256));
    return m ? m[0] : null;
  }

  // Whether a finding of `rule` on `line` is silenced by a comment
  // `tide-lint: ignore [rule, ...]` on that line or the line before, or
  // `tide-lint: ignore-file [rule, ...]` anywhere in the file.
  ignored(rule, line) {
    if (this.fileIgnores.has('*') || this.fileIgnores.has(rule)) return true;
    for (const l of [line, line - 1]) {
      const rules = this.ignores.get(l);
      if (rules && (rules.has('*') || rules.has(rule))) return true;
    }
    return false;
  }
}

// Skips a comment, string or character literal starting at i; returns the
// index after it, or i if none starts there.
function skipNonCode(text, i) {
  const c = text[i], d = text[i + 1];
  if (c === '/' && d === '/') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  if (c === '/' && d === '*') {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? text.length : end + 2;
  }
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  return i;
}

// The arguments of the function-like macro invoked at `offset` (where its
// name starts): [{begin, end}] byte ranges, trimmed; null if no `(` follows.
export function macroArguments(text, offset) {
  let i = offset;
  while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    const j = skipNonCode(text, i);
    if (j === i || text[i] === '"' || text[i] === "'") break;
    i = j;
  }
  if (text[i] !== '(') return null;
  const args = [];
  let depth = 0, start = i + 1;
  const push = (end) => {
    let b = start, e = end;
    while (b < e && /\s/.test(text[b])) b++;
    while (e > b && /\s/.test(text[e - 1])) e--;
    args.push({ begin: b, end: e });
  };
  for (i = i + 1; i < text.length; ) {
    const j = skipNonCode(text, i);
    if (j !== i) { i = j; continue; }
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        if (c === ')') { push(i); return args.length === 1 && args[0].begin === args[0].end ? [] : args; }
        return null;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
    i++;
  }
  return null;
}

// The tokens of a macro body or argument: identifiers, punctuation and
// literals, without comments. Enough to see which macros a body invokes and
// with which arguments.
export function tokens(text) {
  const out = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const j = skipNonCode(text, i);
    if (j !== i) {
      if (c === '"' || c === "'") out.push(text.slice(i, j));
      i = j;
      continue;
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|##|\.\.\.|->|[^\s])/.exec(text.slice(i, i + 256));
    out.push(m[0]);
    i += m[0].length;
  }
  return out;
}

// Splits the tokens after an opening `(` at tokens[i] into arguments (arrays
// of tokens); returns {args, next} with next the index after the `)`.
export function splitTokenArgs(toks, i) {
  const args = [[]];
  let depth = 0;
  for (let j = i + 1; j < toks.length; j++) {
    const t = toks[j];
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') {
      if (depth === 0) return { args: args.length === 1 && args[0].length === 0 ? [] : args, next: j + 1 };
      depth--;
    } else if (t === ',' && depth === 0) {
      args.push([]);
      continue;
    }
    args.at(-1).push(t);
  }
  return { args, next: toks.length };
}

const IGNORE = /tide-lint:\s*ignore(-file)?(?![\w-])([^\n*]*)/;

// Line -> set of rule ids ('*' for all) from `tide-lint: ignore` comments;
// `ignore-file` ones go to src.fileIgnores.
function scanIgnores(text, src) {
  const map = new Map();
  for (let i = 0; i < text.length; ) {
    const j = skipNonCode(text, i);
    if (j === i) { i++; continue; }
    if (text[i] === '/') {
      const m = IGNORE.exec(text.slice(i, j));
      if (m) {
        const rules = m[2].split(/[\s,]+/).filter((r) => /^[a-z]+(-[a-z]+)*$/.test(r));
        const line = src.position(i).line;
        const set = m[1] ? src.fileIgnores : map.get(line) ?? new Set();
        for (const r of rules.length ? rules : ['*']) set.add(r);
        if (!m[1]) map.set(line, set);
      }
    }
    i = j;
  }
  return map;
}
