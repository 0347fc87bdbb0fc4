// ratio.test.mjs - each example's C beside the Python the live page shows
// next to it (web/page/catalog.mjs): code lines of each, not counting blank
// lines, comments, preprocessor lines and lines of braces alone. The
// examples should read almost line for line like the Python (issue 12):
// the median ratio (the upper middle one of an even count) at most 2.5,
// none above 4. The table is printed, and must be the one in README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../support/hosts.mjs';
import { EXAMPLES } from '../../web/page/catalog.mjs';

const MEDIAN_MAX = 2.5;
const EACH_MAX = 4;

// C: comments blanked out (their newlines kept), then the lines that are
// left, trimmed, without preprocessor lines and lines of braces alone.
export function cCodeLines(text) {
  const code = text
    .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((l) => l.trim());
  return code.filter((l) => l && !l.startsWith('#') && !/^[{}]+;?$/.test(l)).length;
}

export function pythonCodeLines(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).length;
}

function rows() {
  return Object.entries(EXAMPLES).map(([name, ex]) => {
    const c = cCodeLines(fs.readFileSync(path.join(root, 'examples', `${name}.c`), 'utf8'));
    const py = pythonCodeLines(ex.python);
    return { name, c, py, ratio: c / py };
  }).sort((a, b) => a.ratio - b.ratio || a.name.localeCompare(b.name));
}

const fmt = (x) => `${x.toFixed(1)}x`;

function table(list) {
  const median = list[Math.floor(list.length / 2)].ratio;
  return [
    '| example | C lines | Python lines | ratio |',
    '|---|---:|---:|---:|',
    ...list.map((r) => `| \`${r.name}\` | ${r.c} | ${r.py} | ${fmt(r.ratio)} |`),
    `| median | | | ${fmt(median)} |`,
  ].join('\n');
}

test('the counting: what is code and what is not', () => {
  const c = `#include <x.h>\n/* a\n   comment */\nint f(void) // why\n{\n    return 1; /* one */\n}\n};\n\n} else {\n`;
  assert.equal(cCodeLines(c), 3); // int f(void), return 1;, } else {
  assert.equal(pythonCodeLines('import asyncio\n\n# note\nasync def main():\n    pass  # here\n'), 3);
});

test('every example of the page has its C in examples/', () => {
  for (const name of Object.keys(EXAMPLES))
    assert.ok(fs.existsSync(path.join(root, 'examples', `${name}.c`)), name);
});

test('the examples read about as long as the Python they translate', () => {
  const list = rows();
  const text = table(list);
  console.log(text);
  const median = list[Math.floor(list.length / 2)].ratio;
  assert.ok(median <= MEDIAN_MAX, `median ${fmt(median)} > ${MEDIAN_MAX}x`);
  const over = list.filter((r) => r.ratio > EACH_MAX).map((r) => `${r.name} ${fmt(r.ratio)}`);
  assert.deepEqual(over, [], `above ${EACH_MAX}x`);
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = /<!-- ratio-table -->\n([\s\S]*?)\n?<!-- \/ratio-table -->/.exec(readme);
  assert.ok(m, 'README.md has no <!-- ratio-table --> ... <!-- /ratio-table --> section');
  assert.equal(m[1].trim(), text, 'README.md shows another table: put the one printed above there');
});
