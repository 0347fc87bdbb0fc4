// editor.mjs - the C editor of an example: CodeMirror 6 with C highlighting
// (vendored by `make page`; index.html's import map names the packages),
// line numbers, undo, and clang's diagnostics marked on their lines.
// Imported only when a reader opens an editor.
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from '@codemirror/language';
import { cpp } from '@codemirror/lang-cpp';
import { setDiagnostics, lintGutter } from '@codemirror/lint';

/**
 * An editor in `parent` holding `text`. onChange() after every edit,
 * onRun() on Ctrl/Cmd-Enter. Returns { view, text, setText(t), mark(list) }
 * (list: [{ line, col, severity, message }] from clang, 1-based).
 */
export function createEditor(parent, text, { onChange, onRun, label }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        cpp(),
        lintGutter(),
        keymap.of([{ key: 'Mod-Enter', run: () => (onRun?.(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange?.();
        }),
        EditorView.contentAttributes.of({ 'aria-label': label ?? 'C source' }),
      ],
    }),
  });
  let marked = 0; // diagnostics shown
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    setText(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
    },
    mark(list) {
      // (no transaction when nothing is marked before or after: a clean
      // compile then costs the page's main thread no editor update)
      if (list.length === 0 && marked === 0) return;
      marked = list.length;
      const doc = view.state.doc;
      const diagnostics = list
        .filter((d) => d.line >= 1 && d.line <= doc.lines)
        .map((d) => {
          const line = doc.line(d.line);
          const from = Math.min(line.from + Math.max(d.col - 1, 0), line.to);
          return { from, to: Math.max(from, line.to), severity: d.severity === 'note' ? 'info' : d.severity, message: d.message };
        });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
  };
}
