/**
 * Ctrl-R at the interactive REPL: a reverse incremental search of the
 * history, as in bash and node's REPL (node's readline has none of its own).
 *
 *   Ctrl-R            start; again: the next older line holding the text
 *   a character       add it to the text searched for
 *   Backspace         take the last one off (searched again from the newest)
 *   Ctrl-G            give up: the line as it was before Ctrl-R
 *   any other key     take the line found and do the key (Enter runs it,
 *                     Ctrl-C drops it, an arrow or Ctrl-A edits it)
 *
 * The prompt says the search: (reverse-i-search)'text': and the line is the
 * one found; (failed reverse-i-search) when no older line holds the text.
 *
 * readline reads its keys through Interface._ttyWrite, which node's REPL
 * replaces on its instance for its own search in the same way; the line is
 * changed with the keys readline knows (Ctrl-E, Ctrl-U, then the text).
 */
import type { Interface } from 'node:readline';

interface Key {
  name?: string | undefined;
  ctrl?: boolean | undefined;
  meta?: boolean | undefined;
}

type TtyWrite = (s: string | null | undefined, key: Key | undefined) => void;

/** A key that types text: no control character, no escape sequence, no Ctrl or Meta. */
function typesText(s: string | null | undefined, key: Key | undefined): s is string {
  return typeof s === 'string' && s.length > 0 && !key?.ctrl && !key?.meta && /^[^\x00-\x1f\x7f]+$/u.test(s);
}

/**
 * Add Ctrl-R to `rl`. `history()` is readline's history, newest first; `prompt` the prompt to go back to.
 */
export function addReverseSearch(rl: Interface, history: () => readonly string[], prompt: string): void {
  const editable = rl as Interface & { _ttyWrite: TtyWrite };
  const ttyWrite: TtyWrite = editable._ttyWrite.bind(rl);
  let search: { text: string; at: number; found: string | undefined; failed: boolean; before: string } | undefined;

  /** The prompt `prompt`, and the line `line` with the cursor at its end. */
  const show = (promptText: string, line: string): void => {
    rl.setPrompt(promptText);
    ttyWrite(null, { ctrl: true, name: 'e' });
    ttyWrite(null, { ctrl: true, name: 'u' }); // redraws the prompt
    if (line !== '') ttyWrite(line, undefined);
  };
  const draw = (): void => {
    const s = search!;
    show(`(${s.failed ? 'failed ' : ''}reverse-i-search)'${s.text}': `, s.found ?? s.before);
  };
  /** The newest line from `from` on (newest first) holding the text. */
  const find = (from: number): void => {
    const s = search!;
    const lines = history();
    for (let i = Math.max(from, 0); i < lines.length; i++) {
      if (lines[i]!.includes(s.text)) {
        s.at = i;
        s.found = lines[i];
        s.failed = false;
        return;
      }
    }
    s.failed = true;
  };
  const leave = (line: string): void => {
    search = undefined;
    show(prompt, line);
  };

  editable._ttyWrite = (s, key) => {
    if (search === undefined) {
      if (key?.ctrl && key.name === 'r') {
        search = { text: '', at: -1, found: undefined, failed: false, before: rl.line };
        draw();
        return;
      }
      return ttyWrite(s, key);
    }
    if (key?.ctrl && key.name === 'r') {
      find(search.at + 1);
      draw();
    } else if (key?.ctrl && key.name === 'g') {
      leave(search.before);
    } else if (key?.name === 'backspace') {
      search.text = search.text.slice(0, -1);
      search.found = undefined;
      search.at = -1;
      if (search.text === '') search.failed = false;
      else find(0);
      draw();
    } else if (typesText(s, key)) {
      search.text += s;
      find(search.at);
      draw();
    } else {
      leave(search.found ?? search.before);
      ttyWrite(s, key);
    }
  };
}
